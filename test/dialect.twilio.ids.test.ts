// Twilio sids: a VE sid decodes back to the otpd verification id it was made from, for any id the engine can make.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { attemptSid, isSid, templateIdOf, templateSid, verificationIdOf, verificationSid } from '../src/dialects/twilio/ids.js';

const SID = /^VE[0-9a-f]{32}$/;

describe('verification sids', () => {
  it('round-trips engine ids: ver_<ULID> -> VE + 32 hex -> the same id', () => {
    for (let i = 0; i < 200; i++) {
      const id = newId('ver', Date.now() + i * 7919);
      const sid = verificationSid(id);
      expect(sid).toMatch(SID);
      expect(verificationIdOf(sid)).toBe(id);
    }
  });

  it('round-trips the extremes of the ULID space', () => {
    for (const ulid of ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      const sid = verificationSid(`ver_${ulid}`);
      expect(sid).toMatch(SID);
      expect(verificationIdOf(sid)).toBe(`ver_${ulid}`);
    }
    expect(verificationSid('ver_00000000000000000000000000')).toBe(`VE${'0'.repeat(32)}`);
    expect(verificationSid('ver_7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(`VE${'f'.repeat(32)}`);
  });

  it('every VE sid decodes to an id that encodes back to it (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), (hex) => {
        const id = verificationIdOf(`VE${hex}`);
        expect(id).toMatch(/^ver_[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
        expect(verificationSid(id!)).toBe(`VE${hex}`);
      }),
      { numRuns: 500 },
    );
  });

  it('time order is kept: later ids give larger sids', () => {
    const a = verificationSid(newId('ver', 1_700_000_000_000));
    const b = verificationSid(newId('ver', 1_700_000_000_001));
    expect(a < b).toBe(true);
  });

  it('refuses what is not a VE sid or not an otpd id', () => {
    for (const bad of ['', 'VE', `VA${'a'.repeat(32)}`, `VE${'g'.repeat(32)}`, `VE${'a'.repeat(31)}`, `VE${'a'.repeat(33)}`, `ve${'a'.repeat(32)}`]) {
      expect(verificationIdOf(bad)).toBeNull();
    }
    expect(() => verificationSid('key_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toThrow();
    expect(() => verificationSid('ver_81ARZ3NDEKTSV4RRFFQ69G5FAV')).toThrow(); // 131 bits: not a ULID
    expect(() => verificationSid('ver_01ARZ3NDEKTSV4RRFFQ69G5FAU')).toThrow(); // U is not Crockford
  });
});

describe('other sids', () => {
  it('template sids map otpd template UUIDs both ways', () => {
    const uuid = '3f2b8c1e-9a4d-4e7f-8b1c-2d3e4f5a6b7c';
    expect(templateSid(uuid)).toBe('HJ3f2b8c1e9a4d4e7f8b1c2d3e4f5a6b7c');
    expect(templateIdOf(templateSid(uuid))).toBe(uuid);
    expect(templateIdOf('HJ3F2B8C1E9A4D4E7F8B1C2D3E4F5A6B7C')).toBe(uuid);
    expect(templateIdOf('HJnothex')).toBeNull();
  });

  it('attempt sids are stable per send and distinct across sends', () => {
    expect(attemptSid('ver_x', 1)).toBe(attemptSid('ver_x', 1));
    expect(attemptSid('ver_x', 1)).not.toBe(attemptSid('ver_x', 2));
    expect(isSid('VL', attemptSid('ver_x', 1))).toBe(true);
  });
});
