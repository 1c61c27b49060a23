// The GC summary tool: V8's --trace-gc-nvp lines parsed into collections, scavenge pauses summed.
import { describe, expect, it } from 'vitest';
import { parseGcTrace, summariseScavenges } from '../bench/gc-summary.js';

// Three scavenges and a mark-compact as node --trace-gc --trace-gc-nvp prints them (fields trimmed), among log lines.
const LOG = `{"level":30,"msg":"listening"}
[6894:0x1b2e9d30]      500 ms: pause=9.0 mutator=5.0 gc=s scavenge.parallel=8.00 heap.external_weak_global_handles=0.10 new_space_survived=900000 promotion_ratio=0.6%
[6894:0x1b2e9d30]    11870 ms: pause=3.4 mutator=47.9 gc=s scavenge=2.88 scavenge.parallel=2.40 background.scavenge.parallel=2.12 heap.external_weak_global_handles=0.46 new_space_survived=218136
[6894:0x1b2e9d30]    11924 ms: pause=2.1 mutator=51.5 gc=s scavenge=1.47 scavenge.parallel=0.92 background.scavenge.parallel=0.51 heap.external_weak_global_handles=0.54 new_space_survived=140624
{"level":30,"msg":"request completed"}
[6894:0x1b2e9d30]    11950 ms: pause=12.0 mutator=20.0 gc=mc mark=9.0
[6894:0x1b2e9d30]    11980 ms: pause=7.3 mutator=48.6 gc=s scavenge=5.59 scavenge.parallel=4.42 background.scavenge.parallel=0.00 heap.external_weak_global_handles=0.83 new_space_survived=105936
`;

describe('gc summary', () => {
  it('parses each collection with its kind, time and figures, and skips other lines', () => {
    const events = parseGcTrace(LOG);
    expect(events.map((e) => [e.kind, e.atMs])).toEqual([['s', 500], ['s', 11870], ['s', 11924], ['mc', 11950], ['s', 11980]]);
    expect(events[1]!.fields['background.scavenge.parallel']).toBe(2.12);
    expect(events[0]!.fields['promotion_ratio']).toBe(0.6);
  });

  it('sums scavenges from a point on: pause quantiles and mean parts, mark-compacts left out', () => {
    const r = summariseScavenges(parseGcTrace(LOG), 2000);
    expect(r.count).toBe(3);
    expect(r.pause).toEqual({ p50: 3.4, p90: 7.3, p99: 7.3, max: 7.3 });
    const parts = Object.fromEntries(r.parts);
    expect(parts['scavenge.parallel']).toBeCloseTo((2.4 + 0.92 + 4.42) / 3, 6);
    expect(parts['heap.external_weak_global_handles']).toBeCloseTo((0.46 + 0.54 + 0.83) / 3, 6);
    expect(parts['new_space_survived (KB)']).toBeCloseTo((218136 + 140624 + 105936) / 3 / 1024, 6);
    expect(summariseScavenges(parseGcTrace(LOG)).count).toBe(4);
  });
});
