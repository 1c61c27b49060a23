// Property: the positional row helpers follow VERIFICATION_COLUMNS exactly, so a value is never bound to, or read from, another column.
import { describe, expect, it } from 'vitest';
import { VERIFICATION_COLUMNS, verificationRowOf, verificationValues } from '../src/store/rows.js';

describe('verification rows by position', () => {
  const positions = VERIFICATION_COLUMNS.map((_, i) => i);

  it('reads the i-th value into the i-th column', () => {
    const row = verificationRowOf(positions) as unknown as Record<string, number>;
    expect(Object.keys(row)).toEqual([...VERIFICATION_COLUMNS]);
    VERIFICATION_COLUMNS.forEach((c, i) => expect(row[c]).toBe(i));
  });

  it('binds the i-th column as the i-th value', () => {
    expect(verificationValues(verificationRowOf(positions))).toEqual(positions);
  });
});
