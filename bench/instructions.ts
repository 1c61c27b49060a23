// `npm run bench:instructions`: counts the instructions otpd's main thread spends per create+check pair, under valgrind's callgrind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runPairs } from './client.js';
import { againstCli, benchEnv, createKey, freePort, stop, waitReady } from './process.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
/**
 * V8 in predictable mode, with fixed seeds, for both builds. Without it, GC and compilation run on
 * helper threads whenever they get to them, and string hashing takes a new seed every start: one
 * build's rounds moved by up to 4.6 % (10,000 pairs of warm-up did not help), fixed seeds alone 2.7 %,
 * all of it about 1.3 %.
 */
const PREDICTABLE = ['--predictable', '--hash-seed=1', '--random-seed=1'];
const CLI = join(ROOT, 'dist/src/cli/main.js');

const USAGE = `npm run bench:instructions -- [options]

Counts, with valgrind's callgrind, the instructions otpd's main thread executes per sandbox
create+check pair on SQLite. otpd runs with V8 in its predictable mode (node --predictable, fixed
hash and random seeds): garbage collection and JIT compilation happen on the main thread and are
counted, in the same way every run. Rounds of one build then agree within about 1.3 % on a quiet
machine, and one build checked out twice read 0.990, where pairs/s on a shared VM wander by 30 %. The
load generator runs outside valgrind, so a busy machine changes how requests batch (rounds up to 9 %
apart): run nothing else meanwhile, take the median of --rounds 3, and trust 2 % or more only then. It leaves out the kernel (system calls) and waiting,
and an instruction of one kind costs more time than another: confirm a gain with
\`npm run bench -- --against\` when the machine allows.

  --pairs N           pairs counted (3000)
  --warmup N          pairs run first, not counted, so the JIT has settled (3000)
  --concurrency N     concurrent clients (50)
  --against DIR       also count the otpd built in DIR (another checkout, after npm run build); prints this ÷ that
  --rounds N          count each build N times, alternating (1)
  -h, --help          this text`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      pairs: { type: 'string', default: '3000' },
      warmup: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '50' },
      against: { type: 'string' },
      rounds: { type: 'string', default: '1' },
    },
  }).values;
} catch (e) {
  fail(`${(e as Error).message}\n\n${USAGE}`);
}
const args = parsed;
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const whole = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} ${v}: a whole number, at least ${min}`);
  return n;
};
const pairs = whole('pairs', args.pairs, 1);
const warmup = whole('warmup', args.warmup, 0);
const concurrency = whole('concurrency', args.concurrency, 1);
const rounds = whole('rounds', args.rounds, 1);
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  fail('valgrind is not installed (Debian: apt-get install valgrind)');
}
const AGAINST_CLI = againstCli(args.against, fail);

/** Total instructions (`Ir`) in a callgrind dump: its `summary:` or `totals:` line. */
function totalInstructions(dump: string): number {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(dump);
  if (!m) throw new Error('no summary line in the callgrind dump');
  return Number(m[1]);
}

interface Count {
  /** Main-thread instructions per pair. */
  main: number;
  /** Instructions of every thread per pair (in predictable mode GC and compilation are on the main thread; this adds libuv's and SQLite's). */
  all: number;
}

/** The valgrind child running now and its temp folder, for the signal handler below. */
let running: { child: ChildProcess; dir: string } | undefined;

// Killed (Ctrl-C, a test's timeout): take valgrind and its otpd down too, and their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (running) {
      running.child.kill('SIGKILL');
      rmSync(running.dir, { recursive: true, force: true });
    }
    process.exit(130);
  });
}

/** One otpd (`cli`) under callgrind on a fresh SQLite file: warm up, count `pairs` pairs, stop. */
async function count(cli: string): Promise<Count> {
  const dir = mkdtempSync(join(tmpdir(), 'otpd-instr-'));
  const log = openSync(join(dir, 'otpd.log'), 'w');
  // callgrind_control reaches valgrind through FIFOs named by this prefix; in `dir` they go with it.
  const vgdb = `--vgdb-prefix=${join(dir, 'vgdb')}`;
  let otpd: ChildProcess | undefined;
  try {
    const port = await freePort();
    const env = benchEnv(port, `sqlite:${join(dir, 'otpd.sqlite')}`, 'info');
    const out = join(dir, 'callgrind.out');
    // Counting starts off (the start-up is not counted) and each thread gets its own dump, the main thread's first.
    otpd = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--instr-atstart=no', vgdb, `--callgrind-out-file=${out}`, process.execPath, ...PREDICTABLE, cli, 'serve'], {
      env,
      stdio: ['ignore', log, log],
    });
    running = { child: otpd, dir };
    const pid = String(otpd.pid);
    const control = (...a: string[]) => execFileSync('callgrind_control', [vgdb, ...a, pid], { stdio: 'ignore' });
    await waitReady(`http://127.0.0.1:${port}/readyz`, otpd, 180_000);
    const key = createKey(cli, env, true);
    const url = `http://127.0.0.1:${port}`;
    if (warmup > 0 && (await runPairs(url, key, concurrency, warmup)) > 0) throw new Error('pairs failed during the warm-up');
    control('--instr=on');
    const errors = await runPairs(url, key, concurrency, pairs);
    control('--dump');
    if (errors > 0) throw new Error(`${errors} of ${pairs} counted pairs failed`);
    // One file per thread, named <out>.<dump>-<thread>; thread 01 is the main thread.
    const dumps = readdirSync(dir).filter((f) => f.startsWith('callgrind.out.') && /-\d+$/.test(f));
    const main = dumps.find((f) => f.endsWith('-01'));
    if (!main) throw new Error('callgrind wrote no dump of the main thread');
    const sum = (f: string) => totalInstructions(readFileSync(join(dir, f), 'utf8'));
    return { main: sum(main) / pairs, all: dumps.reduce((n, f) => n + sum(f), 0) / pairs };
  } finally {
    if (otpd) await stop(otpd, 'SIGKILL');
    running = undefined;
    closeSync(log);
    rmSync(dir, { recursive: true, force: true });
  }
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const targets: Array<[string, string]> = [['otpd (sqlite)', CLI]];
if (AGAINST_CLI) targets.push(['against (sqlite)', AGAINST_CLI]);
const results = new Map<string, Count[]>(targets.map(([name]) => [name, []]));
for (let r = 1; r <= rounds; r++) {
  // The order swaps every round, as in npm run bench --against.
  const order = r % 2 === 1 ? targets : [...targets].reverse();
  for (const [name, cli] of order) {
    progress(`round ${r} of ${rounds}: ${name}, ${warmup} pairs to warm up, ${pairs} counted (valgrind: a minute or two)`);
    results.get(name)!.push(await count(cli));
  }
}

const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`\n| target | main thread, instructions a pair | all threads, a pair |\n| --- | ---: | ---: |\n`);
for (const [name, counts] of results) {
  process.stdout.write(`| ${name} | ${counts.map((c) => k(c.main)).join(' / ')} | ${counts.map((c) => k(c.all)).join(' / ')} |\n`);
}
if (AGAINST_CLI) {
  const mine = results.get('otpd (sqlite)')!;
  const theirs = results.get('against (sqlite)')!;
  const ratio = (f: (c: Count) => number) => median(mine.map(f)) / median(theirs.map(f));
  process.stdout.write(`\nthis ÷ against, main thread: ${ratio((c) => c.main).toFixed(3)}; all threads: ${ratio((c) => c.all).toFixed(3)} (medians over ${rounds} round${rounds > 1 ? 's' : ''})\n`);
}
