// The reads a claim's sends share: their account and templates, looked up once per claim instead of once per send.
import type { Account, Channel, TemplateRecord } from '../core/types.js';
import type { Store } from '../store/types.js';

/**
 * Sends claimed together are delivered at once, and most belong to one account: each reading the same
 * account and template would be a store round trip per send (four per send on PostgreSQL with the
 * update). Reads are made fresh for every claim, so a change to an account (its fallback, its app name)
 * or a template reaches the next claim, milliseconds later under load, as it reached the next send before.
 */
export class ClaimReads implements Pick<Store, 'getTemplate' | 'findTemplate'> {
  private readonly accounts = new Map<string, Promise<Account | null>>();
  private readonly templates = new Map<string, Promise<TemplateRecord | null>>();

  constructor(private readonly store: Store) {}

  account(id: string): Promise<Account | null> {
    return once(this.accounts, id, () => this.store.getAccount(id));
  }

  getTemplate(accountId: string, id: string): Promise<TemplateRecord | null> {
    return once(this.templates, `id\0${accountId}\0${id}`, () => this.store.getTemplate(accountId, id));
  }

  findTemplate(accountId: string, channel: Channel, locale: string): Promise<TemplateRecord | null> {
    return once(this.templates, `find\0${accountId}\0${channel}\0${locale}`, () => this.store.findTemplate(accountId, channel, locale));
  }
}

/** The claim's one read of `key`. A read that failed is forgotten, so a send that asks later reads again. */
function once<T>(memo: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let p = memo.get(key);
  if (!p) {
    const fresh = read();
    memo.set(key, (p = fresh));
    fresh.catch(() => {
      if (memo.get(key) === fresh) memo.delete(key);
    });
  }
  return p;
}
