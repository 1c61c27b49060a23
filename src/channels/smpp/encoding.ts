// Turns a message text into submit_sm short_messages: GSM 7-bit or UCS-2, split into concatenated parts with a UDH when long.
import { DeliveryError } from '../types.js';
import { GSM_BASIC, GSM_EXTENSION, gsm7Septets, isGsm7 } from '../sms-http/gsm7.js';

const gsmCode = new Map<string, number>([...GSM_BASIC].map((ch, i) => [ch, i]));

export const DATA_CODING_GSM = 0;
export const DATA_CODING_UCS2 = 8;
/** esm_class bit saying the short_message starts with a User Data Header. */
export const ESM_CLASS_UDHI = 0x40;

/** Single-message and per-part capacities, in septets (GSM) and UTF-16 code units (UCS-2). */
const GSM_SINGLE = 160;
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;
/** An 8-bit concatenation reference allows at most 255 parts. */
const MAX_PARTS = 255;

export interface EncodedSms {
  dataCoding: typeof DATA_CODING_GSM | typeof DATA_CODING_UCS2;
  /** 0, or ESM_CLASS_UDHI when the text was split into parts. */
  esmClass: number;
  /** The short_message of each submit_sm, UDH included. */
  parts: Buffer[];
}

/**
 * Encodes `text` for submit_sm: the GSM default alphabet (data_coding 0, one septet per octet, as SMPP
 * carries it) when every character fits, else UCS-2 (data_coding 8, UTF-16BE). Longer than one SMS, it
 * is split into parts of 153 septets / 67 code units, each led by a concatenation UDH with `reference`.
 * A part never ends inside an escape sequence or a surrogate pair.
 */
export function encodeSms(text: string, reference: number): EncodedSms {
  if (isGsm7(text)) {
    const chars = [...text].map(gsmBytes);
    if ((gsm7Septets(text) ?? Infinity) <= GSM_SINGLE) return { dataCoding: DATA_CODING_GSM, esmClass: 0, parts: [Buffer.concat(chars)] };
    return { dataCoding: DATA_CODING_GSM, esmClass: ESM_CLASS_UDHI, parts: withUdh(pack(chars, GSM_PART), reference) };
  }
  const chars = [...text].map((ch) => Buffer.from(ch, 'utf16le').swap16());
  const units = text.length;
  if (units <= UCS2_SINGLE) return { dataCoding: DATA_CODING_UCS2, esmClass: 0, parts: [Buffer.concat(chars)] };
  return { dataCoding: DATA_CODING_UCS2, esmClass: ESM_CLASS_UDHI, parts: withUdh(pack(chars, UCS2_PART * 2), reference) };
}

function gsmBytes(ch: string): Buffer {
  const code = gsmCode.get(ch);
  if (code !== undefined) return Buffer.of(code);
  const ext = GSM_EXTENSION[ch];
  if (ext !== undefined) return Buffer.of(0x1b, ext);
  throw new Error(`not a GSM 03.38 character: U+${ch.codePointAt(0)?.toString(16)}`);
}

/** Greedily packs whole characters into parts of at most `limit` octets. */
function pack(chars: Buffer[], limit: number): Buffer[] {
  const parts: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const ch of chars) {
    if (size + ch.length > limit) {
      parts.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(ch);
    size += ch.length;
  }
  if (current.length) parts.push(Buffer.concat(current));
  return parts;
}

/** Prefixes each part with a UDH holding one concatenation element (IEI 0x00: reference, total, sequence). */
function withUdh(parts: Buffer[], reference: number): Buffer[] {
  if (parts.length > MAX_PARTS) throw new DeliveryError(`smpp: the message is too long (${parts.length} parts, at most ${MAX_PARTS})`, true);
  return parts.map((p, i) => Buffer.concat([Buffer.of(0x05, 0x00, 0x03, reference & 0xff, parts.length, i + 1), p]));
}
