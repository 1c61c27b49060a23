// ISO 8601 timestamps for answers, without V8's date formatting on every field (it formats each part with snprintf).

/** Up to here `toISOString` has four-digit years; beyond it (and below 0) the slow path keeps its exact form. */
const YEAR_10000 = 253_402_300_800_000;

/** The two seconds formatted last, as `YYYY-MM-DDTHH:MM:SS.`: an answer's times fall in one or two of them. */
const seconds: [number, string][] = [
  [NaN, ''],
  [NaN, ''],
];

/** Exactly `new Date(ms).toISOString()`; the part up to the second is remembered for the two most recent seconds. */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000) return new Date(ms).toISOString();
  const sec = Math.floor(ms / 1000);
  let prefix: string;
  if (seconds[0]![0] === sec) prefix = seconds[0]![1];
  else if (seconds[1]![0] === sec) prefix = seconds[1]![1];
  else {
    prefix = new Date(sec * 1000).toISOString().slice(0, 20);
    // The older slot gives way.
    seconds[1] = seconds[0]!;
    seconds[0] = [sec, prefix];
  }
  const milli = ms - sec * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
