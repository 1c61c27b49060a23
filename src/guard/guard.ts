// The abuse guard the engine consults: geo rules, rate limits (store counters, one round trip), and the SMS-pumping detector.
import type { Clock } from '../core/clock.js';
import { OtpError } from '../core/errors.js';
import type { Account, Channel } from '../core/types.js';
import { counterSlot } from '../store/counter-batch.js';
import type { CounterHit, PrefixBlock } from '../store/guard-types.js';
import type { Store } from '../store/types.js';
import { checkGeo, phoneFacts } from './geo.js';
import { DEFAULT_BLOCKED_NUMBER_TYPES, DEFAULT_LIMITS, DEFAULT_PUMPING, type GuardOverrides, type PumpingRules, type RateLimits } from './limits.js';

const SECOND = 1_000;
const MINUTE = 60_000;
const TEN_MINUTES = 600_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** How long a node trusts its copy of the prefix blocks; an unblock made elsewhere lands within it. */
const BLOCK_CACHE_MS = 5_000;
/** Longest an approval waits for a send to carry it to the store (see `approved`). */
const APPROVAL_FLUSH_MS = 1_000;

export interface GuardHooks {
  /** A prefix was just blocked by the pumping detector. */
  prefixBlocked?(b: PrefixBlock): void;
  /** A request was refused by a limit or guard. */
  refused?(limit: string): void;
  /** The timer could not write the waiting approval counts; they wait for the next try. */
  approvalsNotWritten?(error: unknown): void;
}

export interface SendContext {
  account: Account;
  to: string;
  channel: Channel;
  /** The end user's IP, when the app passes it. */
  clientIp?: string;
  /** false when a caller with the risk_override scope asked for risk_check: disable. */
  riskCheck: boolean;
  /** A create counts against the account's create limits; a resend only against the recipient's. */
  isCreate: boolean;
}

interface Rule {
  key: string;
  window: number;
  limit: number;
  name: string;
  add: number;
  /** Counted in windows of this length and summed over `window` (a peek): one row a send serves several limits. */
  bucket?: number;
  /** How long the counter is kept after its window ends (default: one window). */
  keep?: number;
}

/** `overrides` over `defaults`, merged once per overrides object; no overrides (or not an object) is the defaults. */
function mergedOnce<T extends object>(cache: WeakMap<object, Readonly<T>>, defaults: Readonly<T>, overrides: Partial<T> | undefined): Readonly<T> {
  if (!overrides || typeof overrides !== 'object') return defaults;
  let m = cache.get(overrides);
  if (!m) cache.set(overrides, (m = { ...defaults, ...overrides }));
  return m;
}

export class Guard {
  private blocks = new Map<string, PrefixBlock>();
  private blocksUntil = 0;
  private readonly baselines = new Map<string, number>();
  /** Approvals not yet in the store, by counter and window (see `approved`). */
  private approvals = new Map<string, CounterHit>();
  private approvalTimer: NodeJS.Timeout | undefined;
  /** Approval writes under way (the timer's), which `close` waits for. */
  private readonly writing = new Set<Promise<unknown>>();
  /** After `close`: approvals are no longer kept, and no timer is started. */
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly defaults: { limits: RateLimits; pumping: PumpingRules } = { limits: DEFAULT_LIMITS, pumping: DEFAULT_PUMPING },
    private readonly hooks: GuardHooks = {},
  ) {}

  /** Merged settings by the overrides object they came from (settings are replaced, never changed in place). */
  private readonly mergedLimits = new WeakMap<object, Readonly<RateLimits>>();
  private readonly mergedPumping = new WeakMap<object, Readonly<PumpingRules>>();

  /** The limits in force for an account: its overrides over the installation defaults (built once per overrides object). */
  limitsOf(account: Account): Readonly<RateLimits> {
    return mergedOnce(this.mergedLimits, this.defaults.limits, account.settings?.guard?.limits);
  }

  private pumpingOf(account: Account): Readonly<PumpingRules> {
    return mergedOnce(this.mergedPumping, this.defaults.pumping, account.settings?.guard?.pumping);
  }

  /** The destination prefix the pumping detector tracks, e.g. "+44770"; null for non-phone recipients. */
  prefixOf(account: Account, to: string): string | null {
    const f = phoneFacts(to);
    return f ? `+${f.callingCode}${f.national.slice(0, this.pumpingOf(account).prefix_digits)}` : null;
  }

  /**
   * Before any send (create or resend): geo, prefix blocks, then every counter in one store round trip.
   * Throws when refused (and gives back what it counted); otherwise answers the counts taken, which the
   * caller gives back with `refund` if the send does not happen after all.
   */
  async beforeSend(c: SendContext): Promise<CounterHit[]> {
    const now = this.clock.now();
    const g: GuardOverrides = c.account.settings?.guard ?? {};
    const facts = phoneFacts(c.to);
    if (facts && (c.channel === 'sms' || c.channel === 'voice' || c.channel === 'whatsapp')) {
      try {
        checkGeo(facts, c.channel, g.countries?.[c.channel], g.blocked_number_types ?? DEFAULT_BLOCKED_NUMBER_TYPES);
      } catch (e) {
        this.hooks.refused?.('geo');
        throw e;
      }
    }
    const prefix = facts && c.riskCheck ? this.prefixOf(c.account, c.to) : null;
    if (prefix) {
      const block = await this.blockFor(c.account.id, prefix, now);
      if (block) throw this.refusal('fraud_prefix_blocked', block.until, now, `Sends to ${prefix}… are paused until ${new Date(block.until).toISOString()}: ${block.reason}.`);
    }

    const L = this.limitsOf(c.account);
    const a = c.account.id;
    // The recipient's sends are counted once, in 10-minute windows; the hour's and the day's limits sum
    // them (windows align, so the sums are exact). Counted whenever any of the three limits is on.
    const sends = recipientKey(a, c.to, 's');
    const countSends = L.recipient_sends_per_10min > 0 || L.recipient_sends_per_hour > 0 || L.recipient_sends_per_day > 0;
    const rules: Rule[] = [
      { key: recipientKey(a, c.to, 'fc'), window: HOUR, limit: L.recipient_failed_checks_per_hour, name: 'recipient_failed_checks_per_hour', add: 0 },
      { key: sends, window: TEN_MINUTES, limit: L.recipient_sends_per_10min, name: 'recipient_sends_per_10min', add: 1, keep: DAY },
      { key: sends, window: HOUR, bucket: TEN_MINUTES, limit: L.recipient_sends_per_hour, name: 'recipient_sends_per_hour', add: 0 },
      { key: sends, window: DAY, bucket: TEN_MINUTES, limit: L.recipient_sends_per_day, name: 'recipient_sends_per_day', add: 0 },
    ];
    if (c.isCreate) {
      rules.push({ key: `acs:${a}`, window: SECOND, limit: L.account_creates_per_second, name: 'account_creates_per_second', add: 1 });
      rules.push({ key: `acd:${a}`, window: DAY, limit: L.account_creates_per_day, name: 'account_creates_per_day', add: 1 });
      if (c.clientIp) rules.push({ key: `ipc:${a}:${c.clientIp}`, window: MINUTE, limit: L.ip_creates_per_minute, name: 'ip_creates_per_minute', add: 1 });
    }
    const active = rules.filter((r) => r.limit > 0 || (r.key === sends && r.add > 0 && countSends));
    const hits: CounterHit[] = active.map((r) => this.hitOf(r, now));
    if (prefix) {
      hits.push(this.hitOf({ key: `ps:${a}:${prefix}`, window: HOUR, add: 1, limit: 0, name: '' }, now, DAY + HOUR));
      hits.push(this.hitOf({ key: `pa:${a}:${prefix}`, window: HOUR, add: 0, limit: 0, name: '' }, now, DAY + HOUR));
      // Per-minute sends, to tell sends old enough to have converted from those still in flight.
      hits.push(this.hitOf({ key: `pm:${a}:${prefix}`, window: MINUTE, add: 1, limit: 0, name: '' }, now, HOUR));
    }
    const counts = await this.hitCarrying(this.takeApprovals(), hits);
    const taken = hits.filter((h) => h.add > 0);
    try {
      for (let i = 0; i < active.length; i++) {
        const r = active[i]!;
        if (r.limit <= 0) continue;
        // A peek (add 0) trips at the limit; a count, or a sum that includes this send, trips past it.
        const over = r.add === 0 && r.bucket === undefined ? counts[i]! >= r.limit : counts[i]! > r.limit;
        if (over) throw this.refusal(r.name, windowStart(now, r.window) + r.window, now, `Too many requests: ${r.name.replace(/_/g, ' ')} is ${r.limit}.`);
      }
      if (prefix) await this.judgePrefix(c.account, prefix, counts[active.length]!, counts[active.length + 1]!, now);
    } catch (e) {
      // A refused request sent nothing: the budgets count sends, not knocks on the door.
      await this.refund(taken);
      throw e;
    }
    return taken;
  }

  /** Gives back counts taken by `beforeSend` for a send that did not happen (cooldown, cap, idempotent replay). */
  async refund(taken: CounterHit[]): Promise<void> {
    if (taken.length) await this.store.guard.hit(taken.map((h) => ({ ...h, add: -h.add })));
  }

  /**
   * Before a check: the end user's IP budget (when the app passes `client_ip`). Nothing to count answers
   * undefined at once, so the check does not wait a microtask for it.
   */
  beforeCheck(account: Account, clientIp: string | undefined): Promise<void> | undefined {
    const limit = this.limitsOf(account).ip_checks_per_minute;
    if (!clientIp || limit <= 0) return undefined;
    return this.countCheckIp(account, clientIp, limit);
  }

  private async countCheckIp(account: Account, clientIp: string, limit: number): Promise<void> {
    const now = this.clock.now();
    const [n] = await this.store.guard.hit([this.hitOf({ key: `ipk:${account.id}:${clientIp}`, window: MINUTE, add: 1, limit, name: '' }, now)]);
    if (n! > limit) throw this.refusal('ip_checks_per_minute', windowStart(now, MINUTE) + MINUTE, now, `Too many checks from this client: the limit is ${limit} per minute.`);
  }

  /** Before a check by recipient: refuse once the recipient's hourly budget of wrong codes is spent. */
  async beforeCheckRecipient(account: Account, to: string): Promise<void> {
    const limit = this.limitsOf(account).recipient_failed_checks_per_hour;
    if (limit <= 0) return;
    const now = this.clock.now();
    const [n] = await this.store.guard.hit([this.hitOf({ key: recipientKey(account.id, to, 'fc'), window: HOUR, add: 0, limit, name: '' }, now)]);
    if (n! >= limit) throw this.refusal('recipient_failed_checks_per_hour', windowStart(now, HOUR) + HOUR, now, `Too many wrong codes for this recipient: the limit is ${limit} per hour.`);
  }

  /**
   * After a counted wrong code: spend one from the recipient's hourly budget. Answers true when the budget
   * is now spent, so the engine closes the verification (no guessing on through another one).
   */
  async failedCheck(account: Account, to: string): Promise<boolean> {
    const limit = this.limitsOf(account).recipient_failed_checks_per_hour;
    if (limit <= 0) return false;
    const now = this.clock.now();
    const [n] = await this.store.guard.hit([this.hitOf({ key: recipientKey(account.id, to, 'fc'), window: HOUR, add: 1, limit, name: '' }, now)]);
    return n! >= limit;
  }

  /**
   * After an approval: the prefix converted once more. The count is not written on its own: it waits for
   * the next send's counters (a create or resend, to any prefix) and goes to the store in that send's
   * round trip, or after at most APPROVAL_FLUSH_MS when no send comes. Under load that saves a statement
   * (PostgreSQL) or a row update (SQLite) in every turn that has approvals and no creates to merge them
   * with. The detector reads approvals only as an hour's conversion rate, which a second's delay from
   * other nodes does not move; this node's sends counted after the approval see it, since they carry it.
   * A count whose write failed waits again; if the database committed it but the answer was lost, it is
   * counted twice, which errs towards conversion (before, such a count was dropped).
   */
  approved(account: Account, to: string): void {
    const prefix = this.prefixOf(account, to);
    if (!prefix) return;
    this.wait(this.hitOf({ key: `pa:${account.id}:${prefix}`, window: HOUR, add: 1, limit: 0, name: '' }, this.clock.now(), DAY + HOUR));
  }

  /** Writes the approvals still waiting (see `approved`): by the timer when no send carried them, and at shutdown. */
  async flush(): Promise<void> {
    const riders = this.takeApprovals();
    if (!riders.length) return;
    const write = this.hitCarrying(riders, []);
    this.writing.add(write);
    try {
      await write;
    } finally {
      this.writing.delete(write);
    }
  }

  /**
   * Counts `hits` with the waiting approvals `riders` in front of them, so a send's peek at its prefix's
   * approvals sees them (every store merges the hits of one call that share a counter, in call order).
   * Answers the counts of `hits`. If the call fails the riders wait again: a failed statement wrote nothing.
   */
  private hitCarrying(riders: CounterHit[], hits: CounterHit[]): Promise<number[]> {
    // Not async: with nothing riding, a create's counters cost no extra promise.
    if (!riders.length) return this.store.guard.hit(hits);
    return this.store.guard.hit([...riders, ...hits]).then(
      (counts) => counts.slice(riders.length),
      (e: unknown) => {
        for (const h of riders) this.wait(h);
        throw e;
      },
    );
  }

  /**
   * At shutdown, before the store closes (sends have stopped): waits for the timer's write under way,
   * writes what still waits, and stops keeping approvals. With the store down they are dropped, and
   * the error is the caller's to log.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writing]);
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.takeApprovals();
    }
  }

  /** Adds an approval count to those waiting, and makes sure the timer will write them. */
  private wait(h: CounterHit): void {
    if (this.closed) return;
    const slot = counterSlot(h);
    const waiting = this.approvals.get(slot);
    if (waiting) waiting.add += h.add;
    else this.approvals.set(slot, h);
    this.approvalTimer ??= setTimeout(() => void this.flush().catch((e: unknown) => this.hooks.approvalsNotWritten?.(e)), APPROVAL_FLUSH_MS).unref();
  }

  private takeApprovals(): CounterHit[] {
    if (this.approvals.size === 0) return [];
    const riders = [...this.approvals.values()];
    this.approvals = new Map();
    clearTimeout(this.approvalTimer);
    this.approvalTimer = undefined;
    return riders;
  }

  /** Lifts a block (operator action); the local cache forgets it at once, other nodes within seconds. */
  async unblock(prefix: string, accountId?: string): Promise<number> {
    const n = await this.store.guard.unblockPrefix(prefix, accountId);
    this.blocksUntil = 0;
    return n;
  }

  /** The pumping verdict for this hour's sends and approvals to `prefix`. */
  private async judgePrefix(account: Account, prefix: string, sends: number, approvals: number, now: number): Promise<void> {
    const p = this.pumpingOf(account);
    if (p.min_sends <= 0 || sends < p.min_sends || approvals / sends >= p.min_conversion) return;
    // Judge conversion only on sends that had time to convert.
    const graceFrom = windowStart(now - p.conversion_grace_seconds * 1000, MINUTE);
    const recent = p.conversion_grace_seconds > 0 ? await this.store.guard.sumWindows(`pm:${account.id}:${prefix}`, graceFrom, now + 1) : 0;
    const matured = sends - recent;
    if (matured < p.min_sends || approvals / matured >= p.min_conversion) return;
    const hour = windowStart(now, HOUR);
    const cacheKey = `${account.id}:${prefix}:${hour}`;
    let baseline = this.baselines.get(cacheKey);
    if (baseline === undefined) {
      baseline = (await this.store.guard.sumWindows(`ps:${account.id}:${prefix}`, hour - DAY, hour)) / 24;
      if (this.baselines.size > 10_000) this.baselines.clear();
      this.baselines.set(cacheKey, baseline);
    }
    if (sends <= p.spike_factor * Math.max(baseline, 1)) return;
    const block: PrefixBlock = {
      accountId: account.id,
      prefix,
      until: now + p.block_hours * HOUR,
      reason: `${sends} sends this hour against an hourly average of ${baseline.toFixed(1)}; ${approvals} of the ${matured} old enough to convert were approved`,
      createdAt: now,
    };
    if (await this.store.guard.blockPrefix(block)) this.hooks.prefixBlocked?.(block);
    this.blocks.set(`${account.id}:${prefix}`, block);
    throw this.refusal('fraud_prefix_blocked', block.until, now, `Sends to ${prefix}… are paused until ${new Date(block.until).toISOString()}: suspected SMS pumping.`);
  }

  private async blockFor(accountId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    if (now >= this.blocksUntil) {
      this.blocks = new Map((await this.store.guard.listPrefixBlocks(now)).map((b) => [`${b.accountId}:${b.prefix}`, b]));
      this.blocksUntil = now + BLOCK_CACHE_MS;
    }
    const b = this.blocks.get(`${accountId}:${prefix}`);
    return b && b.until > now ? b : null;
  }

  private hitOf(r: Rule, now: number, keepMs = r.window): CounterHit {
    if (r.bucket !== undefined) return { key: r.key, windowStart: windowStart(now, r.bucket), from: windowStart(now, r.window), expiresAt: 0, add: 0 };
    const start = windowStart(now, r.window);
    return { key: r.key, windowStart: start, expiresAt: start + (r.keep ?? keepMs) + r.window, add: r.add };
  }

  private refusal(limit: string, until: number, now: number, message: string): OtpError {
    this.hooks.refused?.(limit);
    return new OtpError('rate_limited', message, { retryAfter: Math.max(1, Math.ceil((until - now) / 1000)), limit });
  }
}

/**
 * A recipient's counter key. The recipient comes before the kind so that all of one recipient's counters
 * sit side by side in the counters' primary key: a create then dirties one index page instead of one per kind.
 */
function recipientKey(accountId: string, to: string, kind: 'fc' | 's'): string {
  return `r:${accountId}:${to}:${kind}`;
}

function windowStart(now: number, window: number): number {
  return Math.floor(now / window) * window;
}
