// Per-account settings kept with the account (JSON): channel fallbacks now, abuse limits and geo permissions later.
import type { GuardOverrides } from '../guard/limits.js';
import { OtpError } from './errors.js';
import { CHANNELS, type Channel } from './types.js';

export interface AccountSettings {
  /** When every send on the key channel has failed for good, send the code once more on the value channel. */
  channelFallback?: Partial<Record<Channel, Channel>>;
  /** Rate limits, geo permissions and pumping rules that differ from the installation's. */
  guard?: GuardOverrides;
}

/** Parses `whatsapp=sms,voice=sms` (or `none`) into a fallback map, refusing unknown channels and cycles. */
export function parseFallbacks(spec: string): Partial<Record<Channel, Channel>> {
  const out: Partial<Record<Channel, Channel>> = {};
  if (spec.trim() === 'none') return out;
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to] = pair.split('=').map((x) => x.trim()) as [string, string | undefined];
    for (const ch of [from, to]) {
      if (!ch || !(CHANNELS as readonly string[]).includes(ch)) {
        throw new OtpError('invalid_request', `'${pair}': use FROM=TO with channels from ${CHANNELS.join(', ')}.`);
      }
    }
    if (from === to) throw new OtpError('invalid_request', `'${pair}': a channel cannot fall back to itself.`);
    out[from as Channel] = to as Channel;
  }
  return out;
}
