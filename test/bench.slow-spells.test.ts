// The bench's slow-spell flag: rounds whose bare server made under 0.8 × the pairs/s of its best round.
import { describe, expect, it } from 'vitest';
import { slowRounds } from '../bench/slow-spells.js';

describe('bench slow spells', () => {
  it('flags the rounds whose bare pairs/s fell below 0.8 × the best round', () => {
    // A CPU hog running beside round 1 of a seventh-session run: 7,736 against 12,498 and 12,994.
    expect(slowRounds([7736, 12498, 12994])).toEqual([0]);
    expect(slowRounds([13516, 13224, 10112, 8638, 12263])).toEqual([2, 3]);
    // A run wholly inside a slow spell has no quick round to compare with: nothing is flagged.
    expect(slowRounds([8701, 7929, 7531, 8042, 8240])).toEqual([]);
  });

  it('needs at least two rounds to compare', () => {
    expect(slowRounds([9000])).toEqual([]);
    expect(slowRounds([Number.NaN, 9000])).toEqual([]);
  });
});
