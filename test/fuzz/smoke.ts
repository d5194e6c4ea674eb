/**
 * The seeded smoke pass over a list of fuzz targets (smoke.test.ts: the
 * library's, in both vitest projects; smoke-cli.test.ts: the command line's,
 * Node only): the real fixtures and a few thousand mutations of them per
 * target, checking that decoders throw only BootprotoError, validators never
 * throw, encoders give back the bytes decoded and, where the heap can be
 * measured (Node), that no input makes it grow by much more than its own size.
 * Long runs: `npm run fuzz -- --target NAME --seconds N`. Change the seed
 * with BOOTPROTO_FUZZ_SEED=<n>, the inputs per target with
 * BOOTPROTO_FUZZ_RUNS=<n> (Node only: the browser project keeps the defaults).
 */
import { describe, expect, it } from 'vitest';
import { testEnv } from '../helpers/files.js';
import { heapMeasurable, runTarget, type Target } from './harness.js';

const SEED = Number(testEnv('BOOTPROTO_FUZZ_SEED') ?? 0xb0071e);
const RUNS = testEnv('BOOTPROTO_FUZZ_RUNS') === undefined ? undefined : Number(testEnv('BOOTPROTO_FUZZ_RUNS'));

/** One test per target. */
export function smokePass(title: string, targets: readonly Target[]): void {
  describe(title, () => {
    for (const target of targets) {
      // The same inputs in both projects: Chromium runs the library's in about 11 s.
      const runs = RUNS ?? target.smokeRuns ?? 2000;
      const heap = heapMeasurable ? '' : ' (heap growth not measured: no V8 heap statistics here)';
      it(`${target.name}: ${runs} mutated inputs, only BootprotoError, validators total, round trips hold${heap}`, () => {
        // The time bound here is generous (a loaded CI machine); the long runs use 200 ms.
        const result = runTarget(target, { seed: SEED, count: runs, maxMs: 2000, checkHeap: true, maxFailures: 5 });
        const report = result.failures.map((f) => `#${f.index} [${f.trail.join(',')}] ${f.message}`);
        expect(report).toEqual([]);
        expect(result.inputs).toBe(runs);
      }, 60_000);
    }
  });
}
