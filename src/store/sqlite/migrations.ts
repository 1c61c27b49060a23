// SQLite schema migrations, applied in order and tracked in PRAGMA user_version.
import { RECIPIENT_COUNTERS_FIRST, RECIPIENT_SEND_BUCKETS } from '../shared-migrations.js';

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    app_name TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret BLOB,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    key_hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  -- WITHOUT ROWID + time-ordered text ids: one B-tree per row, appended at its right edge.
  CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    code_sealed BLOB,
    code_type TEXT NOT NULL,
    code_length INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    send_count INTEGER NOT NULL,
    max_sends INTEGER NOT NULL,
    last_sent_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    locale TEXT NOT NULL,
    template_id TEXT,
    sender TEXT,
    reference TEXT,
    metadata TEXT,
    sandbox INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX verifications_recipient ON verifications(account_id, to_addr, id);
  -- The outbox and the send log are one table: a queued row is work, every row is history.
  CREATE TABLE sends (
    id INTEGER PRIMARY KEY,
    verification_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    provider TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    error TEXT
  );
  CREATE INDEX sends_verification ON sends(verification_id);
  CREATE INDEX sends_due ON sends(next_attempt_at) WHERE status = 'queued';
  CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    verification_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_expiry ON idempotency_keys(expires_at);
  CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    locale TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX templates_lookup ON templates(account_id, channel, locale);
  CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  `,
  `
  -- Housekeeping deletes by expiry, oldest first.
  CREATE INDEX verifications_expiry ON verifications(expires_at);
  `,
  `
  -- Per-verification overrides the dialects (and the native API) can pass at create.
  ALTER TABLE verifications ADD COLUMN app_name TEXT;
  ALTER TABLE verifications ADD COLUMN message TEXT;
  ALTER TABLE verifications ADD COLUMN payload TEXT;
  -- Compatible dialects: vendor-shaped credentials, and small keyed state (services, bindings, nonces).
  CREATE TABLE dialect_credentials (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    dialect TEXT NOT NULL,
    lookup TEXT NOT NULL,
    secret_hash BLOB,
    secret_sealed BLOB,
    extra TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE UNIQUE INDEX dialect_credentials_lookup ON dialect_credentials(dialect, lookup);
  CREATE TABLE dialect_state (
    dialect TEXT NOT NULL,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (dialect, account_id, kind, key)
  ) WITHOUT ROWID;
  CREATE INDEX dialect_state_expiry ON dialect_state(expires_at) WHERE expires_at IS NOT NULL;
  `,
  `
  -- Event webhooks: subscriptions, and one outbox row per event and subscription.
  CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions(account_id);
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'queued';
  CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, id);
  CREATE INDEX webhook_deliveries_age ON webhook_deliveries(updated_at) WHERE status <> 'queued';
  -- The expiry sweep reads only pending rows, however long the history kept.
  CREATE INDEX verifications_pending_expiry ON verifications(expires_at) WHERE status = 'pending';
  `,
  `
  -- Per-account settings as JSON (channel fallbacks, limits, geo permissions).
  ALTER TABLE accounts ADD COLUMN settings TEXT;
  `,
  `
  -- Abuse protection: fixed-window counters (rate limits, per-prefix send and approval counts) and prefix blocks.
  CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
  ) WITHOUT ROWID;
  CREATE INDEX rate_counters_expiry ON rate_counters(expires_at);
  CREATE TABLE prefix_blocks (
    account_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    until INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, prefix)
  ) WITHOUT ROWID;
  -- API key scopes and last use.
  ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'verifications,admin';
  ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
  `,
  RECIPIENT_COUNTERS_FIRST,
  RECIPIENT_SEND_BUCKETS,
];
