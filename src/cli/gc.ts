// V8 garbage-collector setting for `otpd serve`: young-generation collections on the main thread alone.
import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's parallel scavenger unless node was started with `--parallel-scavenge` (the operator's
 * explicit choice wins). Answers whether it turned it off.
 *
 * Why: under load otpd's young generation fills every 50–70 ms and only about 200 KB survives each
 * collection. Handing so little work to helper threads costs more than it saves when the cores are
 * shared (a small VM, the app beside it, a load generator): helpers must be woken and waited for.
 * On the 2-vCPU benchmark VM a scavenge took 2.5 ms with helpers and 2.3 ms without, and 2.0 against
 * 1.1 ms with the second core idle; `npm run bench -- --against` read 1.055 × pairs/s and 0.945 × CPU
 * a pair over 8 rounds. The flag is read at every collection, so setting it at start-up takes effect.
 */
export function scavengeOnMainThread(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--(no-)?parallel[-_]scavenge(=|$)/.test(a))) return false;
  setFlagsFromString('--no-parallel-scavenge');
  return true;
}
