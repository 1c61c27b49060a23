// X-TIMESTAMP: strict ISO 8601 with an offset, the skew window, and the calendar day it names.

// SNAP writes yyyy-MM-ddTHH:mm:ssTZD (e.g. 2024-04-17T12:03:38+07:00); fractions and Z are common enough to accept.
const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

export interface SnapTimestamp {
  /** The instant, epoch ms. */
  at: number;
  /** The calendar date as the client wrote it (its own offset): the "day" X-EXTERNAL-ID is unique in. */
  day: string;
  /** The first instant after that day ends, in the client's offset. */
  dayEndsAt: number;
}

/** Parses an X-TIMESTAMP; null when it is not a real date-time with an offset. */
export function parseTimestamp(raw: string): SnapTimestamp | null {
  const m = TS.exec(raw);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const sign = m[8] === '-' ? -1 : 1;
  const oh = m[9] ? Number(m[9]) : 0;
  const om = m[10] ? Number(m[10]) : 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) return null;
  // Date.UTC rolls 31 February over into March: a date that does not exist is refused instead.
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  const offsetMs = sign * (oh * 60 + om) * 60_000;
  return {
    at: Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs,
    day: raw.slice(0, 10),
    dayEndsAt: Date.UTC(y, mo - 1, d + 1) - offsetMs,
  };
}

/** True when `at` is within `windowMs` of `now`, either way. */
export function withinWindow(at: number, now: number, windowMs: number): boolean {
  return Math.abs(now - at) <= windowMs;
}
