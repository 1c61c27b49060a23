// Verify Services (VA…): their settings, parsed from Twilio's parameters, kept in dialect state, shown in Twilio's shape.
import type { Store } from '../../store/types.js';
import { DialectCredentials } from '../credentials.js';
import { invalidParam } from './errors.js';
import { isSid } from './ids.js';
import { bool, int, str, type Form } from './params.js';

export const DIALECT = 'twilio';
const KIND = 'service';

/** The settings of a Verify Service; the ones that change the code or the message are applied to each verification. */
export interface ServiceSettings {
  friendlyName: string;
  codeLength: number;
  lookupEnabled: boolean;
  skipSmsToLandlines: boolean;
  psd2Enabled: boolean;
  dtmfInputRequired: boolean;
  ttsName: string | null;
  doNotShareWarningEnabled: boolean;
  customCodeEnabled: boolean;
  defaultTemplateSid: string | null;
  verifyEventSubscriptionEnabled: boolean;
  push: { includeDate: boolean; apnCredentialSid: string | null; fcmCredentialSid: string | null };
  totp: { issuer: string | null; timeStep: number; codeLength: number; skew: number };
  whatsapp: { msgServiceSid: string | null; from: string | null };
}

export interface ServiceRecord {
  sid: string;
  accountSid: string;
  createdAt: number;
  updatedAt: number;
  settings: ServiceSettings;
}

/** Twilio's defaults for a new Service, declared once. */
const DEFAULTS: Omit<ServiceSettings, 'friendlyName'> = {
  codeLength: 6,
  lookupEnabled: true,
  skipSmsToLandlines: false,
  psd2Enabled: false,
  dtmfInputRequired: true,
  ttsName: null,
  doNotShareWarningEnabled: false,
  customCodeEnabled: false,
  defaultTemplateSid: null,
  verifyEventSubscriptionEnabled: false,
  push: { includeDate: true, apnCredentialSid: null, fcmCredentialSid: null },
  totp: { issuer: null, timeStep: 30, codeLength: 6, skew: 1 },
  whatsapp: { msgServiceSid: null, from: null },
};

function sidParam(f: Form, name: string, prefix: string): string | undefined {
  const v = str(f, name, { max: 34 });
  if (v !== undefined && !isSid(prefix, v)) throw invalidParam(name, `must be a ${prefix}… sid`);
  return v;
}

/** Settings from a create (`base` absent: FriendlyName required) or an update (`base`: only given values change). */
export function parseSettings(f: Form, base?: ServiceSettings): ServiceSettings {
  const friendlyName = str(f, 'FriendlyName', { max: 32, required: !base }) ?? base!.friendlyName;
  const b: Omit<ServiceSettings, 'friendlyName'> = base ?? DEFAULTS;
  return {
    friendlyName,
    codeLength: int(f, 'CodeLength', 4, 10) ?? b.codeLength,
    lookupEnabled: bool(f, 'LookupEnabled') ?? b.lookupEnabled,
    skipSmsToLandlines: bool(f, 'SkipSmsToLandlines') ?? b.skipSmsToLandlines,
    psd2Enabled: bool(f, 'Psd2Enabled') ?? b.psd2Enabled,
    dtmfInputRequired: bool(f, 'DtmfInputRequired') ?? b.dtmfInputRequired,
    ttsName: str(f, 'TtsName', { max: 64 }) ?? b.ttsName,
    doNotShareWarningEnabled: bool(f, 'DoNotShareWarningEnabled') ?? b.doNotShareWarningEnabled,
    customCodeEnabled: bool(f, 'CustomCodeEnabled') ?? b.customCodeEnabled,
    defaultTemplateSid: sidParam(f, 'DefaultTemplateSid', 'HJ') ?? b.defaultTemplateSid,
    verifyEventSubscriptionEnabled: bool(f, 'VerifyEventSubscriptionEnabled') ?? b.verifyEventSubscriptionEnabled,
    push: {
      includeDate: bool(f, 'Push.IncludeDate') ?? b.push.includeDate,
      apnCredentialSid: sidParam(f, 'Push.ApnCredentialSid', 'CR') ?? b.push.apnCredentialSid,
      fcmCredentialSid: sidParam(f, 'Push.FcmCredentialSid', 'CR') ?? b.push.fcmCredentialSid,
    },
    totp: {
      issuer: str(f, 'Totp.Issuer', { max: 64 }) ?? b.totp.issuer,
      timeStep: int(f, 'Totp.TimeStep', 20, 60) ?? b.totp.timeStep,
      codeLength: int(f, 'Totp.CodeLength', 3, 8) ?? b.totp.codeLength,
      skew: int(f, 'Totp.Skew', 0, 2) ?? b.totp.skew,
    },
    whatsapp: {
      msgServiceSid: sidParam(f, 'Whatsapp.MsgServiceSid', 'MG') ?? b.whatsapp.msgServiceSid,
      from: str(f, 'Whatsapp.From', { max: 64 }) ?? b.whatsapp.from,
    },
  };
}

/** A fresh `VA…` sid. */
export function newServiceSid(): string {
  return `VA${DialectCredentials.hex(16)}`;
}

/** Services live in dialect state: per account, no expiry, so they survive restarts and are shared by every node. */
export class ServiceStore {
  constructor(private readonly store: Store) {}

  async get(accountId: string, sid: string, now: number): Promise<ServiceRecord | null> {
    if (!isSid('VA', sid)) return null;
    const s = await this.store.dialects.getState(DIALECT, accountId, KIND, sid, now);
    return s ? (JSON.parse(s.value) as ServiceRecord) : null;
  }

  async put(accountId: string, r: ServiceRecord): Promise<void> {
    await this.store.dialects.putState({ dialect: DIALECT, accountId, kind: KIND, key: r.sid, value: JSON.stringify(r), expiresAt: null });
  }

  /** Inserts a new service; false if the sid is taken (a 128-bit collision, or never). */
  async insert(accountId: string, r: ServiceRecord, now: number): Promise<boolean> {
    return this.store.dialects.putStateIfAbsent({ dialect: DIALECT, accountId, kind: KIND, key: r.sid, value: JSON.stringify(r), expiresAt: null }, now);
  }

  async remove(accountId: string, sid: string, now: number): Promise<boolean> {
    if (!isSid('VA', sid)) return false;
    return (await this.store.dialects.takeState(DIALECT, accountId, KIND, sid, now)) !== null;
  }
}
