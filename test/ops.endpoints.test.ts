// Operational endpoints: health, readiness, metrics, OpenAPI document, docs UI, JWKS and the 404 problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

describe('operational endpoints', () => {
  it('GET /healthz and /readyz answer 200 without a key', async () => {
    const h = await s.req('GET', '/healthz', undefined, { key: null });
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok' });
    const r = await s.req('GET', '/readyz', undefined, { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', store: 'sqlite' });
  });

  it('GET /metrics counts a create and a check', async () => {
    const c = await s.req('POST', '/v1/verifications', { to: '+14155550170', channel: 'sms' }, { key: s.sandboxKey });
    expect(c.status).toBe(201);
    const k = await s.req('POST', `/v1/verifications/${c.body.id}/check`, { code: c.body.code }, { key: s.sandboxKey });
    expect(k.body.reason).toBe('approved');

    const m = await s.req('GET', '/metrics', undefined, { key: null });
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain');
    expect(m.text).toContain('# TYPE otpd_verifications_created_total counter');
    expect(m.text).toMatch(/^otpd_verifications_created_total\{channel="sms"\} 1$/m);
    expect(m.text).toContain('# TYPE otpd_checks_total counter');
    expect(m.text).toMatch(/^otpd_checks_total\{reason="approved"\} 1$/m);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document with the native paths', async () => {
    const r = await s.req('GET', '/openapi.json', undefined, { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\.1\./);
    expect(r.body.info.title).toBeTruthy();
    const paths = Object.keys(r.body.paths);
    for (const p of ['/v1/verifications', '/v1/verifications/{id}', '/v1/verifications/{id}/check', '/v1/verifications/check', '/v1/tokens/verify', '/v1/templates']) {
      expect(paths).toContain(p);
    }
    expect(r.body.paths['/v1/verifications'].post).toBeDefined();
    expect(r.body.paths['/v1/templates'].get).toBeDefined();
  });

  it('GET /docs serves the HTML docs UI (after redirects)', async () => {
    const res = await fetch(`${s.url}/docs`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html.toLowerCase()).toContain('<html');
  });

  it('GET /.well-known/jwks.json lists at least one signing key with kid and alg', async () => {
    const r = await s.req('GET', '/.well-known/jwks.json', undefined, { key: null });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.keys)).toBe(true);
    expect(r.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of r.body.keys) {
      expect(typeof k.kid).toBe('string');
      expect(k.kid.length).toBeGreaterThan(0);
      expect(typeof k.alg).toBe('string');
      expect(k.d).toBeUndefined(); // never the private part
    }
  });

  it('an unknown route is a 404 problem+json', async () => {
    const r = await s.req('GET', '/no/such/route', undefined, { key: null });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status: 404, code: 'not_found', type: 'urn:otpd:problem:not_found' });
    expect(typeof r.body.title).toBe('string');
    expect(typeof r.body.detail).toBe('string');
  });
});
