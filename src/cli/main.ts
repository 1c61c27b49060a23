#!/usr/bin/env node
// The otpd command line: serve, migrate, accounts, keys, credentials, signing-keys.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Accounts } from '../core/accounts.js';
import { Secrets } from '../core/code.js';
import { systemClock } from '../core/clock.js';
import { isOtpError } from '../core/errors.js';
import { DialectCredentials } from '../dialects/credentials.js';
import { issueDialectCredentials } from '../dialects/issue.js';
import { DIALECTS } from '../dialects/registry.js';
import { DIALECT_NAMES, type DialectName } from '../dialects/names.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { createOtpd, openStore, serve, shutdown, VERSION } from '../main.js';
import { KeyRing } from '../tokens/keys.js';

const USAGE = `otpd ${VERSION}: self-hosted OTP verification

Usage:
  otpd serve                                   start the HTTP API (migrates the store first)
  otpd migrate                                 create or upgrade the database schema
  otpd accounts create NAME [--app-name TEXT]  create an account
  otpd accounts list
  otpd accounts set-webhook NAME URL           set the delivery webhook; prints its signing secret once
  otpd accounts set-fallback NAME whatsapp=sms[,voice=sms]|none
                                               send on another channel when one fails for good
  otpd keys create --account NAME [--sandbox] [--scopes verifications,admin,risk_override]
                                               create an API key; printed once
  otpd keys list [--account NAME]
  otpd keys revoke ID
  otpd accounts set-limits NAME name=value[,…]|none   per-account rate limits and pumping rules
  otpd accounts set-geo NAME sms=US,GB[;voice=US]|none [--block-types PREMIUM_RATE,SHARED_COST]
                                               countries allowed per channel, number types refused
  otpd fraud list                              destination prefixes blocked by the pumping guard
  otpd fraud unblock PREFIX [--account NAME]   lift a block (e.g. +33612)
  otpd signing-keys rotate                     new proof-token signing key; the old one stays in the JWKS
  otpd credentials create --account NAME --dialect twilio|d7|getotp|eko|paytm|snap [--sandbox] [--public-key FILE]
                                               credentials in the vendor's own shape; secrets printed once
  otpd credentials list [--account NAME]
  otpd credentials revoke ID

Settings come from OTPD_* environment variables; see the README.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        sandbox: { type: 'boolean' },
        'app-name': { type: 'string' },
        dialect: { type: 'string' },
        scopes: { type: 'string' },
        'block-types': { type: 'string' },
        'public-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    process.stderr.write(`otpd: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  const [cmd, sub, ...rest] = positionals;
  if (values.version) return print(VERSION);
  if (values.help || !cmd) return print(USAGE);
  const config = loadConfig();

  if (cmd === 'serve') {
    const o = await createOtpd(config);
    const stop = async (signal: string) => {
      o.logger.info({ signal }, 'shutting down: no new requests, finishing deliveries in flight');
      process.exit(await shutdown(o, config.shutdownTimeoutMs));
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    await serve(o);
    return -1; // keep running
  }

  const store = openStore(config);
  try {
    await store.migrate();
    const secrets = new Secrets(config.secret);
    const accounts = new Accounts(store, secrets, systemClock);
    switch (`${cmd} ${sub ?? ''}`.trim()) {
      case 'migrate':
        return print(`schema is up to date (${store.kind})`);
      case 'accounts create': {
        const a = await accounts.create(need(rest[0], 'NAME'), { appName: values['app-name'] });
        return print(`created account ${a.name} (${a.id})`);
      }
      case 'accounts list':
        for (const a of await store.listAccounts()) print(`${a.id}  ${a.name}  app=${a.appName}  webhook=${a.webhookUrl ?? '-'}`);
        return 0;
      case 'accounts set-webhook': {
        const secret = await accounts.setWebhook(need(rest[0], 'NAME'), need(rest[1], 'URL'));
        return print(`webhook set. Signing secret (shown once; verify webhook-signature with it):\n${secret}`);
      }
      case 'accounts set-fallback': {
        const settings = await accounts.setFallbacks(need(rest[0], 'NAME'), need(rest[1], 'FROM=TO[,FROM=TO] or none'));
        const pairs = Object.entries(settings.channelFallback ?? {}).map(([f, t]) => `${f} -> ${t}`);
        return print(`channel fallback for ${rest[0]}: ${pairs.length ? pairs.join(', ') : 'none'} (running nodes apply it to the next delivery)`);
      }
      case 'accounts set-limits': {
        const s = await accounts.setGuard(need(rest[0], 'NAME'), { limits: need(rest[1], 'name=value[,…] or none') });
        return print(`guard settings for ${rest[0]}: ${JSON.stringify(s.guard ?? {})} (running nodes apply them within 5 s)`);
      }
      case 'accounts set-geo': {
        const s = await accounts.setGuard(need(rest[0], 'NAME'), { countries: need(rest[1], 'sms=US,GB[;voice=…] or none'), blockTypes: values['block-types'] });
        return print(`guard settings for ${rest[0]}: ${JSON.stringify(s.guard ?? {})} (running nodes apply them within 5 s)`);
      }
      case 'fraud list':
        for (const b of await store.guard.listPrefixBlocks(systemClock.now())) {
          print(`${b.prefix}  account=${b.accountId}  until ${new Date(b.until).toISOString()}  ${b.reason}`);
        }
        return 0;
      case 'fraud unblock': {
        const acc = values.account ? await accounts.byName(values.account) : null;
        const n = await store.guard.unblockPrefix(need(rest[0], 'PREFIX'), acc?.id);
        return print(n ? `lifted ${n} block(s) on ${rest[0]}; running nodes resume sends within 5 s` : `no block on ${rest[0]}`);
      }
      case 'keys create': {
        const scopes = values.scopes ? Accounts.parseScopes(values.scopes) : undefined;
        const { record, key } = await accounts.createKey(need(values.account, '--account NAME'), { sandbox: values.sandbox, scopes });
        return print(`created ${record.sandbox ? 'sandbox ' : ''}key ${record.id} (${record.scopes.join(', ')}) for account ${values.account}. The key (shown once):\n${key}`);
      }
      case 'keys list': {
        const acc = values.account ? await accounts.byName(values.account) : null;
        for (const k of await store.listApiKeys(acc?.id)) {
          const used = k.lastUsedAt ? `last used ${new Date(k.lastUsedAt).toISOString()}` : 'never used';
          const state = k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active';
          print(`${k.id}  ${k.prefix}…  account=${k.accountId}  scopes=${k.scopes.join(',')}${k.sandbox ? '  sandbox' : ''}  ${state}  ${used}`);
        }
        return 0;
      }
      case 'keys revoke':
        await accounts.revokeKey(need(rest[0], 'ID'));
        return print(`revoked ${rest[0]}`);
      case 'credentials create': {
        const dialect = need(values.dialect, `--dialect ${DIALECT_NAMES.join('|')}`);
        const publicKeyPem = values['public-key'] ? readFileSync(values['public-key'], 'utf8') : undefined;
        const creds = new DialectCredentials(store, secrets, systemClock);
        const { records, display } = await issueDialectCredentials(store, creds, systemClock, dialect, need(values.account, '--account NAME'), {
          sandbox: values.sandbox,
          publicKeyPem,
        });
        const width = Math.max(...display.map(([k]) => k.length));
        const ids = records.map((r) => r.id).join(', ');
        print(`created ${values.sandbox ? 'sandbox ' : ''}${DIALECTS[dialect as DialectName].vendor} credentials ${ids} for account ${values.account} (secrets shown once):`);
        for (const [k, v] of display) print(`  ${k.padEnd(width)}  ${v}`);
        return 0;
      }
      case 'credentials list': {
        const acc = values.account ? await accounts.byName(values.account) : null;
        for (const c of await store.dialects.listCredentials(acc?.id)) {
          print(`${c.id}  ${c.dialect}  account=${c.accountId}${c.sandbox ? '  sandbox' : ''}  ${c.revokedAt ? 'revoked ' + new Date(c.revokedAt).toISOString() : 'active'}`);
        }
        return 0;
      }
      case 'credentials revoke':
        if (!(await store.dialects.revokeCredential(need(rest[0], 'ID'), systemClock.now()))) throw new ConfigError(`no live credentials with id '${rest[0]}'`);
        return print(`revoked ${rest[0]}`);
      case 'signing-keys rotate': {
        const ring = await KeyRing.open(store, new Secrets(config.secret), systemClock, config.tokenAlg);
        const k = await ring.rotate();
        return print(`new signing key ${k.kid} (${k.alg}); running nodes pick it up on restart`);
      }
      default:
        process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${USAGE}\n`);
        return 2;
    }
  } finally {
    await store.close();
  }
}

function print(s: string): number {
  process.stdout.write(`${s}\n`);
  return 0;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new ConfigError(`missing ${what}`);
  return v;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || isOtpError(e)) process.stderr.write(`otpd: ${(e as Error).message}\n`);
    else process.stderr.write(`otpd: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
