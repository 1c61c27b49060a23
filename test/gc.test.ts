// `otpd serve` scavenges on the main thread alone: no V8 helper thread works on a young-generation collection.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers/process.js';

const GC = pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'gc.js')).href;

/** Runs a node that (maybe) applies the setting, then allocates; its answer and each scavenge's helper-thread time. */
function run(nodeArgs: string[], apply: boolean): { applied: boolean | null; helperMs: number[] } {
  const script = `
    const { scavengeOnMainThread } = await import(${JSON.stringify(GC)});
    const applied = ${apply} ? scavengeOnMainThread() : null;
    const keep = [];
    for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep.length = 0; }
    console.log('applied=' + applied);`;
  const r = spawnSync(process.execPath, [...nodeArgs, '--trace-gc', '--trace-gc-nvp', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const helperMs = [...r.stdout.matchAll(/gc=s .*?background\.scavenge\.parallel=([\d.]+)/g)].map((m) => Number(m[1]));
  const applied = /applied=(true|false|null)/.exec(r.stdout)?.[1];
  return { applied: applied === 'null' ? null : applied === 'true', helperMs };
}

describe('scavenges on the main thread', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('turns the parallel scavenger off: no scavenge has helper-thread time', () => {
    const r = run([], true);
    expect(r.applied).toBe(true);
    expect(r.helperMs.length).toBeGreaterThan(5);
    expect(r.helperMs.every((ms) => ms === 0)).toBe(true);
  }, 60_000);

  it.runIf(availableParallelism() > 1)('(the same load without it does use helper threads, so the check above can fail)', () => {
    const r = run([], false);
    expect(r.helperMs.some((ms) => ms > 0)).toBe(true);
  }, 60_000);

  it("leaves node's own --parallel-scavenge alone", () => {
    const r = run(['--parallel-scavenge'], true);
    expect(r.applied).toBe(false);
  }, 60_000);
});
