// An account's own message templates: create, list, get, delete. Each body must carry {code}.
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { OtpError } from './errors.js';
import { templateHasCode } from './templates.js';
import type { Channel, TemplateRecord } from './types.js';
import type { Store } from '../store/types.js';

export class TemplateCatalog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(accountId: string, input: { channel: Channel; locale: string; body: string }): Promise<TemplateRecord> {
    if (!templateHasCode(input.body)) {
      throw new OtpError('template_missing_code', 'A template body must contain the {code} placeholder.', {
        fields: [{ field: 'body', detail: 'must contain {code}' }],
      });
    }
    const t: TemplateRecord = { id: randomUUID(), accountId, channel: input.channel, locale: input.locale, body: input.body, createdAt: this.clock.now() };
    await this.store.createTemplate(t);
    return t;
  }

  list(accountId: string): Promise<TemplateRecord[]> {
    return this.store.listTemplates(accountId);
  }

  async get(accountId: string, id: string): Promise<TemplateRecord> {
    const t = await this.store.getTemplate(accountId, id);
    if (!t) throw new OtpError('not_found', 'No template with that id exists in this account.');
    return t;
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.store.deleteTemplate(accountId, id))) throw new OtpError('not_found', 'No template with that id exists in this account.');
  }
}
