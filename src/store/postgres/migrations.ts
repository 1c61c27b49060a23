// PostgreSQL schema migrations, applied in order under an advisory lock and tracked in otpd_migrations.
import { RECIPIENT_COUNTERS_FIRST, RECIPIENT_SEND_BUCKETS } from '../shared-migrations.js';

export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    app_name text NOT NULL,
    webhook_url text,
    webhook_secret bytea,
    created_at bigint NOT NULL
  );
  CREATE TABLE api_keys (
    id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    key_hash bytea NOT NULL UNIQUE,
    prefix text NOT NULL,
    sandbox boolean NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE TABLE verifications (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    to_addr text NOT NULL,
    channel text NOT NULL,
    status text NOT NULL,
    code_hash bytea NOT NULL,
    code_sealed bytea,
    code_type text NOT NULL,
    code_length integer NOT NULL,
    attempts integer NOT NULL,
    max_attempts integer NOT NULL,
    send_count integer NOT NULL,
    max_sends integer NOT NULL,
    last_sent_at bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    locale text NOT NULL,
    template_id text,
    sender text,
    reference text,
    metadata jsonb,
    sandbox boolean NOT NULL
  );
  CREATE INDEX verifications_recipient ON verifications (account_id, to_addr, id);
  -- At most one pending verification per recipient, even when two nodes create at once.
  CREATE UNIQUE INDEX verifications_one_pending ON verifications (account_id, to_addr) WHERE status = 'pending';
  CREATE TABLE sends (
    id bigserial PRIMARY KEY,
    verification_id text NOT NULL,
    channel text NOT NULL,
    provider text,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    error text
  );
  CREATE INDEX sends_verification ON sends (verification_id);
  CREATE INDEX sends_due ON sends (next_attempt_at) WHERE status = 'queued';
  CREATE TABLE idempotency_keys (
    account_id text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    verification_id text NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (account_id, key)
  );
  CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);
  CREATE TABLE templates (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    channel text NOT NULL,
    locale text NOT NULL,
    body text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX templates_lookup ON templates (account_id, channel, locale);
  CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    alg text NOT NULL,
    public_jwk text NOT NULL,
    private_sealed bytea NOT NULL,
    created_at bigint NOT NULL,
    state text NOT NULL
  );
  `,
  `
  CREATE INDEX verifications_expiry ON verifications (expires_at);
  `,
  `
  ALTER TABLE verifications ADD COLUMN app_name text;
  ALTER TABLE verifications ADD COLUMN message text;
  ALTER TABLE verifications ADD COLUMN payload text;
  CREATE TABLE dialect_credentials (
    id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    dialect text NOT NULL,
    lookup text NOT NULL,
    secret_hash bytea,
    secret_sealed bytea,
    extra text NOT NULL,
    sandbox boolean NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE UNIQUE INDEX dialect_credentials_lookup ON dialect_credentials (dialect, lookup);
  CREATE TABLE dialect_state (
    dialect text NOT NULL,
    account_id text NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    expires_at bigint,
    PRIMARY KEY (dialect, account_id, kind, key)
  );
  CREATE INDEX dialect_state_expiry ON dialect_state (expires_at) WHERE expires_at IS NOT NULL;
  `,
  `
  CREATE TABLE webhook_subscriptions (
    id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    url text NOT NULL,
    events text NOT NULL,
    secret_sealed bytea NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id);
  CREATE TABLE webhook_deliveries (
    id bigserial PRIMARY KEY,
    subscription_id text NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    body text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    last_error text
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'queued';
  CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
  CREATE INDEX webhook_deliveries_age ON webhook_deliveries (updated_at) WHERE status <> 'queued';
  CREATE INDEX verifications_pending_expiry ON verifications (expires_at) WHERE status = 'pending';
  `,
  `
  ALTER TABLE accounts ADD COLUMN settings text;
  `,
  `
  CREATE TABLE rate_counters (
    key text NOT NULL,
    window_start bigint NOT NULL,
    count integer NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (key, window_start)
  );
  CREATE INDEX rate_counters_expiry ON rate_counters (expires_at);
  CREATE TABLE prefix_blocks (
    account_id text NOT NULL,
    prefix text NOT NULL,
    until bigint NOT NULL,
    reason text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (account_id, prefix)
  );
  ALTER TABLE api_keys ADD COLUMN scopes text NOT NULL DEFAULT 'verifications,admin';
  ALTER TABLE api_keys ADD COLUMN last_used_at bigint;
  `,
  RECIPIENT_COUNTERS_FIRST,
  RECIPIENT_SEND_BUCKETS,
];
