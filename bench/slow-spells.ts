// Flags the rounds of a bench run in which the machine was slow, judged by the bare server's pairs/s.

/**
 * On a shared VM (or with another process busy on the box) the bare server, bound by the client, loses
 * far more pairs/s than otpd does, so such a round's otpd ÷ bare reads higher than otpd deserves.
 * Answers the indexes of the rounds whose bare pairs/s fell below `floor` (0.8) × the best round's.
 */
export function slowRounds(barePairsPerSecond: readonly number[], floor = 0.8): number[] {
  const known = barePairsPerSecond.filter((x) => Number.isFinite(x) && x > 0);
  if (known.length < 2) return [];
  const best = Math.max(...known);
  return barePairsPerSecond.flatMap((x, i) => (Number.isFinite(x) && x < best * floor ? [i] : []));
}
