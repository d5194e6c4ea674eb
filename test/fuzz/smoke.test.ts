/**
 * The bounded, seeded, reproducible smoke pass of every fuzz target (issue
 * 11): the real fixtures and a few thousand mutations of them per target,
 * checking that decoders throw only BootprotoError, validators never throw,
 * encoders give back the bytes decoded, and no input makes the heap grow by
 * much more than its own size. Long runs: `npm run fuzz -- --target NAME --seconds N`.
 * Change the seed with BOOTPROTO_FUZZ_SEED=<n>; the inputs per target with BOOTPROTO_FUZZ_RUNS=<n>.
 */
import { describe, expect, it } from 'vitest';
import { runTarget } from './harness.js';
import { TARGETS } from './targets.js';

const SEED = Number(process.env['BOOTPROTO_FUZZ_SEED'] ?? 0xb0071e);
const RUNS = process.env['BOOTPROTO_FUZZ_RUNS'] === undefined ? undefined : Number(process.env['BOOTPROTO_FUZZ_RUNS']);

describe('fuzz smoke pass (seeded)', () => {
  for (const target of TARGETS) {
    const runs = RUNS ?? target.smokeRuns ?? 2000;
    it(`${target.name}: ${runs} mutated inputs, only BootprotoError, validators total, round trips hold`, () => {
      // The time bound here is generous (a loaded CI machine); the long runs use 200 ms.
      const result = runTarget(target, { seed: SEED, count: runs, maxMs: 2000, checkHeap: true, maxFailures: 5 });
      const report = result.failures.map((f) => `#${f.index} [${f.trail.join(',')}] ${f.message}`);
      expect(report).toEqual([]);
      expect(result.inputs).toBe(runs);
    }, 60_000);
  }
});
