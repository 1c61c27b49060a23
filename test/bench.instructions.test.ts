// The instruction counter (`npm run bench:instructions`): under valgrind it counts a few real pairs and prints a per-pair figure; bad options get a clear refusal.
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../dist/bench/instructions.js');
const run = promisify(execFile);

let valgrind = true;
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  valgrind = false;
  console.warn('skipping the counted run of bench:instructions: valgrind is not installed (apt-get install valgrind)');
}

describe('bench:instructions', () => {
  it('refuses a count of no pairs, naming the option', async () => {
    const r = await run(process.execPath, [SCRIPT, '--pairs', '0']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pairs 0');
  });

  it.skipIf(!valgrind)('counts the main thread’s instructions for pairs run against a real otpd under callgrind', { timeout: 240_000 }, async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '--pairs', '40', '--warmup', '20', '--concurrency', '4'], { timeout: 230_000 });
    const row = /\| otpd \(sqlite\) \| (\d+) k \| (\d+) k \|/.exec(stdout);
    expect(row, stdout).not.toBeNull();
    const [main, all] = [Number(row![1]) * 1000, Number(row![2]) * 1000];
    // A create+check pair is about a million instructions (more while the JIT is cold); far off means the count is wrong.
    expect(main).toBeGreaterThan(200_000);
    expect(main).toBeLessThan(50_000_000);
    expect(all).toBeGreaterThanOrEqual(main);
  });
});
