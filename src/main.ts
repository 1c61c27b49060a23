// Composition root: config -> store -> channels -> engine -> worker -> http.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { setupChannels, type ChannelSetup, type ReceiptSink } from './channels/setup.js';
import { Accounts, DEFAULT_ACCOUNT } from './core/accounts.js';
import { Secrets } from './core/code.js';
import { systemClock, type Clock } from './core/clock.js';
import { Engine } from './core/engine.js';
import { EventBus } from './core/events.js';
import { DEFAULT_POLICY } from './core/policy.js';
import { TemplateCatalog } from './core/template-catalog.js';
import { sqlitePath, type Config } from './config/load.js';
import { DialectCredentials } from './dialects/credentials.js';
import { mountDialects, type MountedDialect } from './dialects/mount.js';
import { DEFAULT_WORKER_OPTIONS, DeliveryWorker, type WorkerOptions } from './delivery/worker.js';
import { Housekeeping } from './housekeeping.js';
import { buildApp } from './http/app.js';
import { Metrics } from './metrics.js';
import { Guard } from './guard/guard.js';
import { tuneHeapGrowth } from './heap.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookRecorder } from './webhooks/recorder.js';
import { Subscriptions } from './webhooks/subscriptions.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/types.js';
import { KeyRing } from './tokens/keys.js';
import { SignAhead } from './tokens/sign-ahead.js';
import { TokenService } from './tokens/tokens.js';

/** The package version; this file runs from src/ (tests) and from dist/src/ (built). */
export const VERSION = ((): string => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'otpd') return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
})();

export interface Overrides {
  clock?: Clock;
  logger?: Logger;
  /** Where the console provider writes deliveries (stdout by default). */
  consoleOut?: NodeJS.WritableStream;
  worker?: Partial<WorkerOptions>;
}

export interface Otpd {
  config: Readonly<Config>;
  store: Store;
  app: FastifyInstance;
  engine: Engine;
  accounts: Accounts;
  ring: KeyRing;
  worker: DeliveryWorker;
  housekeeping: Housekeeping;
  channels: ChannelSetup;
  /** The compatible dialects served, and where. */
  dialects: MountedDialect[];
  dialectCredentials: DialectCredentials;
  /** Lifecycle events of every verification this node changes. */
  events: EventBus;
  /** Delivers queued event webhooks. */
  webhooks: WebhookDispatcher;
  /** Rate limits, geo rules and the pumping guard. */
  guard: Guard;
  /** Signs approving checks' tokens on a thread of its own; absent when OTPD_SIGN_AHEAD (auto: SQLite, two CPUs or more) leaves it off. */
  signAhead: SignAhead | undefined;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * What the logs hide, as a net under code that never logs a secret in the first place (every test server
 * scans its log for them): API keys, authorization headers, and a one-time code under the names a request
 * or a verification would carry it. Not `*.code`: that would also hide an error's own code (`ECONNREFUSED`,
 * a PostgreSQL SQLSTATE), which is what an operator reading a failure needs.
 */
const REDACT = {
  paths: [
    'key', 'headers.authorization', 'req.headers.authorization',
    'code', 'body.code', 'req.body.code', 'query.code', 'req.query.code', 'params.code', 'payload.code', 'verification.code', 'data.code', 'otp',
  ],
  censor: '[redacted]',
};

/**
 * Stdout for the logs, written asynchronously: lines queued while a write is in flight go out together.
 * pino's sonic-boom in buffer mode, each line handed over as a Buffer: in its default string mode every
 * line re-measured the whole text still queued (flattening it, so a busy turn's logging grew with the
 * square of its lines) and every finished write turned what it wrote back into a Buffer. pino.destination
 * still registers the final flush at exit.
 */
export function stdoutLog(): DestinationStream & { flush(cb: (err?: Error) => void): void } {
  const out = pino.destination({ dest: 1, sync: false, contentMode: 'buffer' });
  return {
    write: (line: string) => out.write(Buffer.from(line) as unknown as string),
    flush: (cb) => out.flush(cb),
  };
}

/** JSON logs, by default on stdout (see stdoutLog). */
export function createLogger(config: Readonly<Config>, dest: DestinationStream = stdoutLog()): Logger {
  return pino({ level: config.logLevel, redact: REDACT }, dest);
}

/** Opens the store `OTPD_DATABASE_URL` names, without migrating it. */
export function openStore(config: Readonly<Config>): Store {
  const path = sqlitePath(config.databaseUrl);
  if (path !== null) return new SqliteStore(path);
  return new PostgresStore(config.databaseUrl, { max: config.databasePoolMax, statementTimeoutMs: config.databaseTimeoutMs, connectionTimeoutMs: config.databaseTimeoutMs });
}

/** Builds every component, migrates the store and loads the signing keys; does not listen. */
export async function createOtpd(config: Readonly<Config>, o: Overrides = {}): Promise<Otpd> {
  const store = openStore(config);
  try {
    return await assemble(config, o, store);
  } catch (e) {
    // A setting refused after the store opened (a provider missing a credential, say): nothing keeps
    // the database open, or a checkpoint thread or a pool running, for a service that never started.
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** createOtpd's work once the store is open. */
async function assemble(config: Readonly<Config>, o: Overrides, store: Store): Promise<Otpd> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(config);
  const secrets = new Secrets(config.secret);
  await store.migrate();
  const metrics = new Metrics();
  const bus = new EventBus((e, ev) => logger.error({ err: e, event: ev.type, verification_id: ev.verification.id }, 'event listener failed'));

  // Receipts can arrive as soon as a provider binds, before the worker exists: relay them late.
  let onReceipt: ReceiptSink = () => undefined;
  const channelSetup = setupChannels(config, secrets, clock, (...r) => onReceipt(...r), o.consoleOut, store);
  const channels = channelSetup.registry;

  const worker = new DeliveryWorker(store, channels, secrets, clock, logger, {
    ...DEFAULT_WORKER_OPTIONS,
    // The lease must outlast a send that tries three providers at their full timeout (SMTP can take
    // twice its timeout), or another node could take the send over and deliver it twice.
    leaseMs: Math.max(DEFAULT_WORKER_OPTIONS.leaseMs, 6 * config.providerTimeoutMs + 10_000),
    ...o.worker,
    bus,
    events: {
      attempt: (channel, provider, result, seconds) => {
        metrics.providerAttempts.inc({ channel, provider, result });
        metrics.providerLatency.observe({ channel, provider }, seconds);
      },
      finished: (channel, status) => metrics.deliveries.inc({ channel, status }),
      failover: (channel, provider) => metrics.failovers.inc({ channel, provider }),
      delivered: (channel, provider, seconds) => metrics.deliveryLatency.observe({ channel, provider }, seconds),
      circuit: (provider, state) => {
        metrics.circuitOpen.set({ provider }, state === 'open' ? 1 : 0);
        logger.warn({ provider, circuit: state }, 'provider circuit changed');
      },
    },
  });
  onReceipt = (messageId, status, error) => void worker.receipt(messageId, status, error);
  const ring = await KeyRing.open(store, secrets, clock, config.tokenAlg);
  const ahead =
    signAheadWanted(config)
      ? new SignAhead(ring, config.issuer, config.tokenTtlSeconds, (e) => logger.error({ err: e }, 'sign-ahead thread failed; tokens are signed on the event loop'))
      : undefined;
  const tokens = new TokenService(ring, clock, config.issuer, config.tokenTtlSeconds, ahead);
  const policy = {
    ...DEFAULT_POLICY,
    codeLength: config.codeLength,
    ttlSeconds: config.codeTtlSeconds,
    maxAttempts: config.maxAttempts,
    maxSends: config.maxSends,
    resendCooldownSeconds: config.resendCooldownSeconds,
  };
  const guard = new Guard(store, clock, { limits: config.rateLimits, pumping: config.pumping }, {
    refused: (limit) => metrics.guardRefusals.inc({ limit }),
    approvalsNotWritten: (e) => logger.warn({ err: e }, 'could not write approval counts for the pumping guard; retrying in a second'),
    prefixBlocked: (b) => {
      metrics.prefixBlocks.inc();
      logger.warn({ account_id: b.accountId, prefix: b.prefix, until: new Date(b.until).toISOString(), reason: b.reason }, 'fraud: destination prefix blocked');
      void recorder.recordFraud(b);
    },
  });
  const engine = new Engine({
    store,
    secrets,
    clock,
    channels,
    tokens,
    policy,
    bus,
    guard,
    events: {
      created: (channel) => metrics.created.inc({ channel }),
      checked: (reason) => metrics.checked.inc({ reason }),
      queued: () => worker.wake(),
    },
  });
  const accounts = new Accounts(store, secrets, clock);
  const dispatcher = new WebhookDispatcher(store, secrets, clock, logger, {
    timeoutMs: config.webhookTimeoutMs,
    pollMs: o.worker?.pollMs ?? 1_000,
    leaseMs: config.webhookTimeoutMs * 2 + 5_000,
    batchSize: 50,
    onAttempt: (type, result) => metrics.webhookAttempts.inc({ type, result }),
  });
  const recorder = new WebhookRecorder(store, clock, logger, () => dispatcher.wake());
  recorder.attach(bus);
  const app = await buildApp({
    store,
    engine,
    templates: new TemplateCatalog(store, clock),
    tokens,
    ring,
    secrets,
    clock,
    metrics,
    logger,
    bodyLimit: config.bodyLimitBytes,
    version: VERSION,
    subscriptions: new Subscriptions(store, secrets, clock, recorder),
    onReceipt: (messageId, status, error) => worker.receipt(messageId, status, error),
  });

  const dialectCredentials = new DialectCredentials(store, secrets, clock);
  const dialects = await mountDialects(
    app,
    config.dialects,
    { engine, store, secrets, clock, logger, events: bus, credentials: dialectCredentials, signatureWindowMs: config.signatureWindowSeconds * 1000 },
    { metrics, bodyLimit: config.bodyLimitBytes },
  );

  const housekeeping = new Housekeeping(store, clock, logger, config.retentionDays * 86_400_000, ring, bus);

  return {
    config,
    store,
    app,
    engine,
    accounts,
    ring,
    worker,
    housekeeping,
    channels: channelSetup,
    dialects,
    dialectCredentials,
    events: bus,
    webhooks: dispatcher,
    guard,
    signAhead: ahead,
    logger,
    async close() {
      housekeeping.stop();
      await Promise.all([app.close(), ...dialects.map((d) => d.server?.close())]);
      await Promise.all([worker.stop(), dispatcher.stop(), ahead?.close()]);
      if (ahead) logger.info({ signed_ahead: ahead.counts.taken, signed_inline: ahead.counts.inline }, 'sign-ahead stopped');
      recorder.detach();
      await channelSetup.close();
      // The pumping guard's approvals not written yet; with the store down they are dropped.
      await guard.close().catch((e: unknown) => logger.warn({ err: e }, 'could not write the last approval counts'));
      await store.close();
    },
  };
}

/**
 * Whether to run the sign-ahead thread. 'auto' runs it on SQLite with two CPUs or more. On one CPU the
 * thread could only take turns with the event loop, and handing work over costs extra. On PostgreSQL
 * the event loop mostly waits on round trips, so signing elsewhere bought nothing (1.01 x pairs/s)
 * for a thread's memory; and with several nodes a check often lands on a node that did not create it.
 */
export function signAheadWanted(config: Pick<Config, 'signAhead' | 'databaseUrl'>, cpus = availableParallelism()): boolean {
  if (config.signAhead !== 'auto') return config.signAhead === 'on';
  return cpus > 1 && sqlitePath(config.databaseUrl) !== null;
}

/** First-start set-up: the default account, its first key (printed once) and the bootstrap key. */
export async function bootstrap(o: Otpd, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const { account } = await o.accounts.ensure(DEFAULT_ACCOUNT);
  if (o.config.bootstrapApiKey) {
    if (await o.accounts.seedKey(DEFAULT_ACCOUNT, o.config.bootstrapApiKey)) o.logger.info('seeded OTPD_BOOTSTRAP_API_KEY for the default account');
  } else if ((await o.store.countApiKeys(account.id)) === 0) {
    const { key } = await o.accounts.createKey(DEFAULT_ACCOUNT);
    out.write(
      `\n  otpd: created the default account and its first API key (shown once, store it now):\n\n    ${key}\n\n` +
        `  More keys: npx otpd keys create --account default [--sandbox]\n\n`,
    );
  }
}

/** Starts serving: bootstrap, worker, listen. Returns the bound address. */
export async function serve(o: Otpd): Promise<string> {
  const { config, logger } = o;
  // Process-wide, so here and not in createOtpd (tests run many otpds in one process).
  const heapGrowth = tuneHeapGrowth(config.heapGrowthPercent);
  if (config.secretSource !== 'env') {
    logger.warn(`OTPD_SECRET is not set: using a ${config.secretSource === 'generated' ? 'newly generated' : 'stored'} development secret in the data folder. Set OTPD_SECRET in production.`);
  }
  if (!config.production) {
    logger.warn('development mode: channels without a configured provider are printed to stdout by the console provider (NODE_ENV=production turns this off)');
  }
  logger.info({ providers: o.channels.summary }, 'delivery providers per channel (in failover order)');
  await bootstrap(o);
  o.worker.start();
  o.webhooks.start();
  o.housekeeping.start();
  const address = await o.app.listen({ host: config.host, port: config.port });
  for (const d of o.dialects) if (d.server) await d.server.listen({ host: config.host, port: d.port! });
  logger.info({ dialects: Object.fromEntries(o.dialects.map((d) => [d.name, d.at])) }, o.dialects.length ? 'compatible dialects mounted' : 'no compatible dialects mounted (OTPD_DIALECTS=none)');
  logger.info({ address, store: o.store.kind, version: VERSION, heap_growth_percent: heapGrowth }, 'otpd ready: native API at /v1, docs at /docs');
  return address;
}

/**
 * Graceful stop, bounded: stop accepting requests, let those in flight and the deliveries under way
 * finish, close the store. Past `timeoutMs` it gives up and answers 1; a delivery cut short keeps its
 * lease in the outbox and is delivered by this or another node once the lease runs out.
 */
export async function shutdown(o: Otpd, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      o.logger.warn({ timeoutMs }, 'shutdown timed out; queued and in-flight sends stay in the outbox');
      resolve(1);
    }, timeoutMs);
  });
  const closed = o.close().then(
    () => 0,
    (e: unknown) => {
      o.logger.error({ err: e }, 'shutdown failed');
      return 1;
    },
  );
  const code = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  o.logger.flush();
  return code;
}

