// The bench's CPU shares: the arithmetic between two snapshots, and that /proc's counters book a busy main thread to it.
import { describe, expect, it } from 'vitest';
import { cpuShares, cpuSnapshot, describeCpuShares, serverCpuMicros, type CpuSnapshot } from '../bench/cpu-shares.js';

const at = (atMs: number, o: Partial<CpuSnapshot>): CpuSnapshot => ({
  atMs, mainTicks: 0, processTicks: 0, postgresTicks: 0, selfMicros: 0, idleTicks: 0, allTicks: 0, ...o,
});

describe('bench cpu shares', () => {
  it('turns two snapshots into shares of a core, and idle into a share of the machine', () => {
    // 10 s on 2 cores: 2,000 ticks in all. The main thread used 9.5 s, the process 12 s, PostgreSQL 6 s.
    const a = at(1_000, { mainTicks: 100, processTicks: 150, postgresTicks: 40, selfMicros: 1e6, idleTicks: 500, allTicks: 10_000 });
    const b = at(11_000, { mainTicks: 1_050, processTicks: 1_350, postgresTicks: 640, selfMicros: 4e6, idleTicks: 800, allTicks: 12_000 });
    const s = cpuShares(a, b, 2)!;
    expect(s.main).toBeCloseTo(95);
    expect(s.otherThreads).toBeCloseTo(25);
    expect(s.postgres).toBeCloseTo(60);
    expect(s.loadGenerator).toBeCloseTo(30);
    expect(s.machineIdle).toBeCloseTo(15);
    expect(describeCpuShares(s, true)).toBe('main thread 95 %, other threads 25 %, PostgreSQL 60 %, load generator 30 % (each of a core), machine idle 15 % of 2 cores');
    expect(describeCpuShares(s, false)).not.toContain('PostgreSQL');
    // The whole server: 1,200 ticks, 12 s (the bench's µs CPU a pair divides this by the pairs).
    expect(serverCpuMicros(a, b)).toBe(12e6);
    expect(serverCpuMicros(at(0, { processTicks: null }), b)).toBeNull();
  });

  it('answers nothing when /proc could not tell', () => {
    expect(cpuShares(at(0, { mainTicks: null }), at(1_000, {}), 2)).toBeUndefined();
    expect(cpuShares(at(0, {}), at(0, {}), 2)).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('books this process main thread’s busy time to its main thread', () => {
    const a = cpuSnapshot(process.pid, false);
    // Burn 300 ms of CPU on this thread (vitest runs test files in forks, so it is the main one),
    // counted by the process's own clock, not the wall's.
    const used = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const start = used();
    let x = 0;
    while (used() - start < 300_000) for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + i);
    const b = cpuSnapshot(process.pid, false);
    expect(x).toBeGreaterThan(0);
    // /proc counts in hundredths of a second; 300 ms on this thread is about 30 of them.
    expect(b.mainTicks! - a.mainTicks!).toBeGreaterThanOrEqual(20);
    expect(b.processTicks! - a.processTicks!).toBeGreaterThanOrEqual(b.mainTicks! - a.mainTicks!);
    expect(b.allTicks).toBeGreaterThan(a.allTicks);
    expect(cpuShares(a, b)!.main).toBeGreaterThan(0);
  });
});
