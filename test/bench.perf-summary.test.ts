// The perf summary tool: stacks parsed from `perf script` text, each sample booked to the group of the frame nearest its leaf.
import { describe, expect, it } from 'vitest';
import { groupShares, parseStacks } from '../bench/perf-summary.js';

// Three samples as `perf script -F tid,ip,sym,dso` prints them: malloc under SQLite, SQLite under otpd's store, a kernel write.
const DUMP = `4242 
	    7f00aa _int_malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)
	    7f00bb sqlite3VdbeExec (/work/node_modules/better-sqlite3/build/Release/better_sqlite3.node)
	    7f00cc JS:*insertTx file:///work/dist/src/store/sqlite/sqlite-store.js:170:16 (/tmp/perf-4242.map)

4242 
	    7f00bb sqlite3VdbeExec (/work/node_modules/better-sqlite3/build/Release/better_sqlite3.node)
	    7f00cc JS:*insertTx file:///work/dist/src/store/sqlite/sqlite-store.js:170:16 (/tmp/perf-4242.map)

4242 
	    ffff01 copy_folio_from_iter_atomic ([kernel.kallsyms])
	    7f00dd __GI___writev (/usr/lib/x86_64-linux-gnu/libc.so.6)
`;

describe('perf summary', () => {
  it('parses every sample with its frames, leaf first', () => {
    const samples = parseStacks(DUMP);
    expect(samples).toHaveLength(3);
    expect(samples[0]).toEqual({
      tid: 4242,
      frames: ['_int_malloc @libc.so.6', 'sqlite3VdbeExec @better_sqlite3.node', 'JS:*insertTx file:///work/dist/src/store/sqlite/sqlite-store.js:170:16 @perf-4242.map'],
    });
  });

  it('books each sample to the group of the frame nearest its leaf', () => {
    const shares = Object.fromEntries(groupShares(parseStacks(DUMP)));
    expect(shares).toEqual({ 'malloc and free': 1 / 3, 'SQLite (native)': 1 / 3, kernel: 1 / 3 });
  });
});
