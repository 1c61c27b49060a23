// Heap growth: OTPD_HEAP_GROWTH keeps V8's old generation near the live heap under churn, serve applies it, and node's own flag wins.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuneHeapGrowth } from '../src/heap.js';
import { ensureBuilt, killAll, ROOT, spawnServe } from './helpers/process.js';
import { waitFor } from './helpers/server.js';

/**
 * A node process that applies `percent` with the built heap.ts, keeps a 20 MB live set, and churns
 * objects that live long enough to be promoted and then die (as otpd's caches do under load).
 * Answers the largest old space it saw, in MB.
 */
function churn(percent: number): number {
  const heap = pathToFileURL(join(ROOT, 'dist', 'src', 'heap.js')).href;
  const program = `
    import v8 from 'node:v8';
    import { tuneHeapGrowth } from ${JSON.stringify(heap)};
    tuneHeapGrowth(${percent}, []);
    const live = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x'.repeat(40) + i }));
    const ring = new Array(100000);
    let max = 0;
    for (let i = 0; i < 4000000; i++) {
      ring[i % ring.length] = { i, s: 'y' + i };
      if (i % 10000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
    }
    console.log(JSON.stringify({ maxOld: max / 1048576, live: live.length }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'] ?? '' } });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { maxOld: number }).maxOld;
}

describe('heap growth', () => {
  const children: import('node:child_process').ChildProcess[] = [];
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'otpd-heap-'));
  });
  afterAll(async () => {
    await killAll(children);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the old generation far smaller under churn than V8 left alone does', () => {
    const free = churn(0);
    const capped = churn(50);
    // V8 alone lets it reach about 4 x the live set before collecting; 50 % keeps it near 1.5 x.
    expect(capped).toBeLessThan(free * 0.6);
  });

  it('leaves the choice to node when node was started with --heap-growing-percent (the last one counts), and to V8 at 0', () => {
    expect(tuneHeapGrowth(50, ['--heap-growing-percent=30'])).toBe(30);
    expect(tuneHeapGrowth(50, ['--heap_growing_percent=70', '--max-old-space-size=512', '--heap-growing-percent=20'])).toBe(20);
    expect(tuneHeapGrowth(50, ['--heap-growing-percent=0'])).toBeNull();
    expect(tuneHeapGrowth(0, [])).toBeNull();
  });

  it('is applied by serve, which logs it; OTPD_HEAP_GROWTH=0 leaves it to V8', async () => {
    for (const [setting, logged] of [['50', 50], ['0', null]] as const) {
      const node = await spawnServe({
        OTPD_DATABASE_URL: `sqlite:${join(dir, `otpd-${setting}.sqlite`)}`,
        OTPD_SECRET: 'heap-test-secret-0123456789-abcdefghijklmnop',
        OTPD_HEAP_GROWTH: setting,
      });
      children.push(node.child);
      const line = await waitFor('the ready line', () => node.output().split('\n').find((l) => l.includes('otpd ready')));
      const ready = JSON.parse(line) as { heap_growth_percent: number | null };
      expect(ready?.heap_growth_percent).toBe(logged);
      node.child.kill('SIGKILL');
    }
  });
});
