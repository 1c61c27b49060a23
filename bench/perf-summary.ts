// Sums a Linux perf profile of otpd (`perf script` text) by where the main thread spends its time: kernel, SQLite, OpenSSL, HTTP, otpd's own code.
import { readFileSync } from 'node:fs';

/**
 * Groups in the order a sample is tested: each sample goes to the group of the frame nearest its leaf
 * that matches one, so a `malloc` called by SQLite counts as `malloc`, and SQLite called from otpd's
 * store as SQLite. Frames look like `symbol @file` (the last path element of perf's DSO or map file).
 */
const GROUPS: Array<[string, RegExp]> = [
  ['ES256/EdDSA signature (OpenSSL)', /signOneShot|SignTraits|ecdsa|nistz256|EVP_DigestSign|ossl_bn_gen_dsa|ed25519/i],
  ['HMAC and SHA-256', /Hmac|OneShotDigest|hashCode|hashMatches|sha256_block/],
  ['AES-GCM seal', /CipherBase|aesni|gcm_|seal/],
  ['libphonenumber-js', /libphonenumber|normalisePhone|phoneFacts/],
  ['SQLite (native)', /better_sqlite3\.node/],
  ['GC', /Heap::CollectGarbage|Scavenge|MarkCompact|IncrementalMarking|Sweeper|Heap::Perform|ConcurrentMarking/],
  ['pino', /pino|sonic-boom/],
  ['ajv validation', /ajv|validate/],
  ['response serialisation', /fast-json-stringify|serializ|JsonStringif/],
  ['JSON.parse of bodies', /JsonParse|secure-json-parse/],
  ['otpd store (JS)', /dist\/src\/store\/|\/src\/store\//],
  ['otpd guard (JS)', /\/src\/guard\//],
  ['otpd tokens (JS)', /\/src\/tokens\//],
  ['otpd engine and core (JS)', /\/src\/core\//],
  ['otpd routes and views (JS)', /\/src\/http\//],
  ['Fastify and its router', /fastify|find-my-way/],
  ["Node's HTTP server (JS)", /_http_|node:net|streams\/|stream_base/],
  ['llhttp (native)', /llhttp__internal|Parser::Execute @/],
  ['promises and microtasks', /RunMicrotasks|Promise|AsyncFunction|ResumeGenerator/],
  ['malloc and free', /^(_int_malloc|_int_free|malloc|free|malloc_consolidate|unlink_chunk\S*|cfree\S*|realloc|calloc) @libc/],
  ['kernel', /\[kernel\.kallsyms\]/],
  ['waiting in epoll', /epoll_wait|epoll_pwait/],
];

interface Sample {
  tid: number;
  frames: string[];
}

/** The samples of a `perf script -F tid,ip,sym,dso` dump: a line with the thread id, then one line per frame, leaf first. */
export function parseStacks(text: string): Sample[] {
  const samples: Sample[] = [];
  let cur: Sample | null = null;
  for (const line of text.split('\n')) {
    const head = /^\s*(\d+)\s*$/.exec(line);
    if (head) {
      cur = { tid: Number(head[1]), frames: [] };
      samples.push(cur);
      continue;
    }
    const frame = /^\s+[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
    if (frame && cur) cur.frames.push(`${frame[1]} @${frame[2]!.split('/').pop()}`);
  }
  return samples;
}

/** Share of `samples` per group, largest first; samples that match no group are 'other'. */
export function groupShares(samples: Sample[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const s of samples) {
    let group = 'other';
    found: for (const f of s.frames) {
      for (const [name, re] of GROUPS) {
        if (re.test(f)) {
          group = name;
          break found;
        }
      }
    }
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return [...counts].map(([k, v]): [string, number] => [k, v / samples.length]).sort((a, b) => b[1] - a[1]);
}

function main(): void {
  const [file, pairsArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/perf-summary.js STACKS.txt [PAIRS_PER_SECOND]\n  STACKS.txt from: perf script -i perf.data -F tid,ip,sym,dso\n');
    process.exit(2);
  }
  const all = parseStacks(readFileSync(file, 'utf8'));
  if (all.length === 0) {
    process.stderr.write(`${file}: no samples (was it written with perf script -F tid,ip,sym,dso?)\n`);
    process.exit(2);
  }
  // The busiest thread is the event loop under load; the checkpointer and libuv's pool barely register.
  const perThread = new Map<number, number>();
  for (const s of all) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
  const [mainTid, mainCount] = [...perThread].sort((a, b) => b[1] - a[1])[0]!;
  const main = all.filter((s) => s.tid === mainTid);
  const outsideJs = main.filter((s) => !s.frames.some((f) => f.startsWith('JS:') || f.startsWith('Builtins_'))).length / main.length;
  const pairs = pairsArg ? Number(pairsArg) : NaN;
  console.log(`main thread ${mainTid}: ${mainCount} of ${all.length} samples; ${(100 * outsideJs).toFixed(1)} % of them outside any JavaScript frame (what --cpu-prof calls idle)`);
  console.log(`| where | share of the main thread |${Number.isFinite(pairs) ? ' µs a pair at 1 core |' : ''}`);
  console.log(`| --- | ---: |${Number.isFinite(pairs) ? ' ---: |' : ''}`);
  for (const [name, share] of groupShares(main)) {
    const us = Number.isFinite(pairs) ? ` ${((share * 1e6) / pairs).toFixed(0)} |` : '';
    console.log(`| ${name} | ${(100 * share).toFixed(1)} % |${us}`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
