// Property: isoTime is exactly Date#toISOString, for times an answer carries and for the edges where the format changes.
import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/core/iso-time.js';

describe('isoTime', () => {
  it('matches toISOString at every millisecond of a second and across second, day, year and leap-day boundaries', () => {
    const points = [0, 1, 999, 1000, 59_999, 60_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1), Date.UTC(1999, 11, 31, 23, 59, 59, 990), 253_402_300_799_999];
    for (let ms = Date.UTC(2026, 11, 2, 1, 2, 3); ms < Date.UTC(2026, 11, 2, 1, 2, 5); ms++) points.push(ms);
    for (const ms of points) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('matches toISOString when calls alternate between seconds (created and expiry times of one answer)', () => {
    const now = Date.UTC(2026, 11, 2, 1, 2, 3, 456);
    for (let i = 0; i < 2_000; i++) {
      for (const ms of [now + i, now + i + 600_000, now + i * 997, now - 86_400_000 + i]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('keeps toISOString’s own form outside four-digit years and for fractional times, and its error for invalid ones', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, 1_700_000_000_000.5]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
