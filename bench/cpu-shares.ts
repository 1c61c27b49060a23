// Where a run's CPU went: otpd's main thread, its other threads, PostgreSQL, the load generator and the machine's idle time, from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
const TICKS_PER_SECOND = 100;

/** Cumulative CPU counters at one moment; ticks are hundredths of a second. */
export interface CpuSnapshot {
  /** performance.now() when taken (ms). */
  atMs: number;
  /** The server's main thread (its thread id is its pid) and the whole server process; null without /proc. */
  mainTicks: number | null;
  processTicks: number | null;
  /** Every process named `postgres` (backends, WAL writer, checkpointer…). */
  postgresTicks: number;
  /** This process: the load generator, in µs. */
  selfMicros: number;
  /** The machine: idle (with I/O wait) and all ticks, summed over its CPUs. */
  idleTicks: number;
  allTicks: number;
}

/** Each as a percentage of one core over the interval, except idle: a percentage of the whole machine. */
export interface CpuShares {
  main: number;
  otherThreads: number;
  postgres: number;
  loadGenerator: number;
  machineIdle: number;
  cores: number;
}

/** utime + stime of a /proc stat line (the fields after the command name, which may hold spaces). */
function statTicks(path: string): number | null {
  try {
    const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

function postgresTicks(): number {
  let sum = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const p of pids) {
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // gone meanwhile
    }
    sum += statTicks(`/proc/${p}/stat`) ?? 0;
  }
  return sum;
}

function machineTicks(): { idle: number; all: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    return { idle: f[3]! + f[4]!, all: f.reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, all: 0 };
  }
}

/** The counters now, for the server process `pid`; `withPostgres` walks /proc for PostgreSQL's processes. */
export function cpuSnapshot(pid: number | undefined, withPostgres: boolean): CpuSnapshot {
  const u = process.cpuUsage();
  const m = machineTicks();
  return {
    atMs: performance.now(),
    mainTicks: pid === undefined ? null : statTicks(`/proc/${pid}/task/${pid}/stat`),
    processTicks: pid === undefined ? null : statTicks(`/proc/${pid}/stat`),
    postgresTicks: withPostgres ? postgresTicks() : 0,
    selfMicros: u.user + u.system,
    idleTicks: m.idle,
    allTicks: m.all,
  };
}

/** CPU time the whole server process used between two snapshots, in µs; null without /proc. */
export function serverCpuMicros(a: CpuSnapshot, b: CpuSnapshot): number | null {
  if (a.processTicks === null || b.processTicks === null) return null;
  return ((b.processTicks - a.processTicks) / TICKS_PER_SECOND) * 1e6;
}

/** The shares between two snapshots; undefined when /proc could not tell (not Linux, or the server gone). */
export function cpuShares(a: CpuSnapshot, b: CpuSnapshot, cores = cpus().length): CpuShares | undefined {
  const seconds = (b.atMs - a.atMs) / 1000;
  if (seconds <= 0 || a.mainTicks === null || b.mainTicks === null || a.processTicks === null || b.processTicks === null) return undefined;
  const pct = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
  const main = pct(b.mainTicks - a.mainTicks);
  const all = b.allTicks - a.allTicks;
  return {
    main,
    otherThreads: Math.max(0, pct(b.processTicks - a.processTicks) - main),
    postgres: pct(b.postgresTicks - a.postgresTicks),
    loadGenerator: ((b.selfMicros - a.selfMicros) / 1e6 / seconds) * 100,
    machineIdle: all > 0 ? ((b.idleTicks - a.idleTicks) / all) * 100 : NaN,
    cores,
  };
}

/** One line for the report: what bound the run shows here (a main thread near 100 %, or idle CPU while otpd waits). */
export function describeCpuShares(s: CpuShares, withPostgres: boolean): string {
  const p = (n: number) => `${Math.round(n)} %`;
  return [
    `main thread ${p(s.main)}`,
    `other threads ${p(s.otherThreads)}`,
    ...(withPostgres ? [`PostgreSQL ${p(s.postgres)}`] : []),
    `load generator ${p(s.loadGenerator)} (each of a core)`,
    `machine idle ${p(s.machineIdle)} of ${s.cores} cores`,
  ].join(', ');
}
