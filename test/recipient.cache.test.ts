// The recent-numbers cache behind phoneFacts: hits within two generations, right answers after turnover, invalid numbers remembered.
import { describe, expect, it } from 'vitest';
import { normalisePhone, phoneFacts } from '../src/core/recipient.js';

const number = (i: number) => `+1415${2_000_000 + i}`;

describe('recent phone numbers', () => {
  it('answers a number normalised lately from the cache, and the same facts after it has turned over', () => {
    const first = phoneFacts(normalisePhone(number(0)))!;
    expect(first).toMatchObject({ country: 'US', callingCode: '1', national: '4152000000' });
    // Pushed into the old generation by 2,500 newer numbers: still the very same facts object, not a new parse.
    for (let i = 1; i < 3_000; i++) normalisePhone(number(i));
    expect(phoneFacts(number(0))).toBe(first);
    // Past both generations the number is parsed again, to equal facts.
    for (let i = 3_000; i < 6_000; i++) normalisePhone(number(i));
    const again = phoneFacts(number(0))!;
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(phoneFacts(number(5_999))?.national).toBe('4152005999');
  });

  it('remembers a number that does not parse as null, and email addresses have no facts', () => {
    expect(phoneFacts('+x')).toBeNull();
    expect(phoneFacts('+x')).toBeNull();
    expect(phoneFacts('someone@example.com')).toBeNull();
  });
});
