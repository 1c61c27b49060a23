// Native API v1 templates: create/list/get/delete, the {code} rule, and which template a live delivery renders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let seq = 100;
const phone = (): string => `+1212555${String(seq++).padStart(4, '0')}`;

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

/** The console line the worker printed for verification `id`. */
async function deliveredLine(id: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = s.consoleOut.text.split('\n').find((l) => l.includes(`(${id}):`));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no console delivery for ${id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates a live sms verification and returns the delivered message text (after "(<id>): "). */
async function deliver(body: Record<string, unknown>): Promise<{ id: string; text: string }> {
  const r = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms', ...body });
  expect(r.status).toBe(201);
  const id: string = r.body.id;
  const line = await deliveredLine(id);
  return { id, text: line.slice(line.indexOf(`(${id}): `) + id.length + 4) };
}

describe('templates API', () => {
  it('creates, lists, gets and deletes a template with a UUID id', async () => {
    const c = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'nl', body: 'Code {code} for {app}' });
    expect(c.status).toBe(201);
    expect(c.body.id).toMatch(UUID);
    expect(c.body).toMatchObject({ channel: 'sms', locale: 'nl', body: 'Code {code} for {app}' });
    expect(c.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const list = await s.req('GET', '/v1/templates');
    expect(list.status).toBe(200);
    expect(list.body.templates.map((t: { id: string }) => t.id)).toContain(c.body.id);

    const g = await s.req('GET', `/v1/templates/${c.body.id}`);
    expect(g.status).toBe(200);
    expect(g.body).toEqual(c.body);

    const d = await s.req('DELETE', `/v1/templates/${c.body.id}`);
    expect(d.status).toBe(204);
    const gone = await s.req('GET', `/v1/templates/${c.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(gone.body.code).toBe('not_found');
    const again = await s.req('DELETE', `/v1/templates/${c.body.id}`);
    expect(again.status).toBe(404);
  });

  it('refuses a body without {code}', async () => {
    const r = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'en', body: 'Your code is coming' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('template_missing_code');
    expect(r.body.errors?.[0]?.field).toBe('body');
  });

  it("does not show one account's templates to another", async () => {
    const c = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'it', body: 'solo mio {code}' });
    await s.otpd.accounts.create('other');
    const { key } = await s.otpd.accounts.createKey('other');
    expect((await s.req('GET', `/v1/templates/${c.body.id}`, undefined, { key })).status).toBe(404);
    expect((await s.req('DELETE', `/v1/templates/${c.body.id}`, undefined, { key })).status).toBe(404);
    expect((await s.req('GET', '/v1/templates', undefined, { key })).body.templates).toEqual([]);
    expect((await s.req('DELETE', `/v1/templates/${c.body.id}`)).status).toBe(204);
  });

  it('uses the template named by template_id for the delivery', async () => {
    const t = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'sv', body: 'ACME-TPL {code} ({minutes} min) from {app}' });
    expect(t.status).toBe(201);
    const { text } = await deliver({ template_id: t.body.id });
    expect(text).toMatch(/^ACME-TPL \d{6} \(10 min\) from otpd$/);
  });

  it('rejects an unknown template_id or one for another channel', async () => {
    const unknown = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms', template_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(400);
    const voice = await s.req('POST', '/v1/templates', { channel: 'voice', locale: 'en', body: 'Voice {code}' });
    const wrongChannel = await s.req('POST', '/v1/verifications', { to: phone(), channel: 'sms', template_id: voice.body.id });
    expect(wrongChannel.status).toBe(400);
    expect(wrongChannel.body.errors?.[0]?.field).toBe('template_id');
  });

  it("picks the account's template for (channel, locale), falling back from region to language", async () => {
    const fr = await s.req('POST', '/v1/templates', { channel: 'sms', locale: 'fr', body: 'FR-PERSO {code}' });
    expect(fr.status).toBe(201);
    await s.req('POST', '/v1/templates', { channel: 'email', locale: 'de', body: 'EMAIL-DE {code}' });

    expect((await deliver({ locale: 'fr' })).text).toMatch(/^FR-PERSO \d{6}$/);
    expect((await deliver({ locale: 'fr-CA' })).text).toMatch(/^FR-PERSO \d{6}$/);
    // The email template for de does not apply to sms: the built-in German text does.
    expect((await deliver({ locale: 'de' })).text).toMatch(/^Ihr otpd-Bestätigungscode lautet \d{6}\./);
    // No account template for en: the built-in English text.
    expect((await deliver({})).text).toMatch(/^Your otpd verification code is \d{6}\. It expires in 10 minutes\./);
  });

  it('renders the built-in Spanish and Portuguese (pt-BR) messages', async () => {
    const es = await deliver({ locale: 'es' });
    expect(es.text).toMatch(/^Tu código de verificación de otpd es \d{6}\. Caduca en 10 minutos\./);
    const pt = await deliver({ locale: 'pt-BR' });
    expect(pt.text).toMatch(/^Seu código de verificação do otpd é \d{6}\. Ele expira em 10 minutos\./);
    const g = await s.req('GET', `/v1/verifications/${pt.id}`);
    expect(g.body.locale).toBe('pt-BR');
  });
});
