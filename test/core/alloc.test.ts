/**
 * The allocation guard (DESIGN §4): walking a table through its view must not
 * allocate. The node project runs with `--expose-gc --min-semi-space-size=64
 * --max-semi-space-size=64` (vitest.config.ts), so that a window of 20k walk
 * steps fits in new space without a scavenge. For each window: a full GC,
 * `heapUsed`, the walk steps, `heapUsed` again; windows in which V8 collected
 * (reported by `v8.GCProfiler`, or seen as a heap that shrank) are set aside,
 * and the smallest delta of the rest, less that of an empty window, is what
 * the walk allocated. No timing is asserted here: that is `npm run bench`.
 *
 * The GC before each window is a minor one (`gc({ type: 'minor' })`): it
 * empties new space just as well, and unlike a full GC it does not throw away
 * optimised code that holds weak references to what it frees (V8 then runs
 * the next window partly unoptimised, and the figures wander).
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { blankTable, blankView, bufferAccess, defineLayout, u16, u32, u8 } from '../../src/core/index.js';
import { viewMemmap } from '../../src/pvh/index.js';

const ENTRIES = 1024;
const ENTRY_SIZE = 24;
const WALKS_PER_WINDOW = 20; // 20 × 1,024 = 20,480 steps a window
const WINDOWS = 10;

const gc = (globalThis as { gc?: (options?: { type?: 'major' | 'minor' }) => void }).gc;

/** A minor GC (a scavenge), or a failure that says how to get one. */
function requireGc(): () => void {
  if (typeof gc !== 'function') {
    throw new Error(
      'global.gc is missing: the allocation guard must run with node --expose-gc ' +
        '(the node project of vitest.config.ts passes --expose-gc --min-semi-space-size=64 --max-semi-space-size=64)',
    );
  }
  return () => gc({ type: 'minor' });
}

/** A 1,024-entry PVH memory map of seeded values: addresses below 2^42, sizes below 2^36 (exact numbers). */
function memmapBytes(): Uint8Array {
  const bytes = new Uint8Array(ENTRIES * ENTRY_SIZE);
  const dv = new DataView(bytes.buffer);
  let s = 0x2545f491;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  for (let i = 0; i < ENTRIES; i++) {
    const o = i * ENTRY_SIZE;
    dv.setUint32(o, next() & 0xfffff000, true);
    dv.setUint32(o + 4, next() & 0x3ff, true);
    dv.setUint32(o + 8, next() & 0xfffff000, true);
    dv.setUint32(o + 12, next() & 0xf, true);
    dv.setUint32(o + 16, 1 + (next() % 7), true);
    dv.setUint32(o + 20, 0, true);
  }
  return bytes;
}

interface Window {
  delta: number;
  collected: boolean;
}

/** Runs `steps` in one window after a GC; reports the heapUsed delta and whether V8 collected meanwhile. */
function window(collect: () => void, steps: () => void): Window {
  collect();
  const profiler = typeof v8.GCProfiler === 'function' ? new v8.GCProfiler() : undefined;
  profiler?.start();
  const before = process.memoryUsage().heapUsed;
  steps();
  const after = process.memoryUsage().heapUsed;
  const gcs = profiler?.stop()?.statistics.length ?? 0;
  return { delta: after - before, collected: gcs > 0 || after < before };
}

/** The smallest delta over `WINDOWS` windows in which V8 did not collect. */
function minDelta(collect: () => void, steps: () => void): { bytes: number; clean: number } {
  const clean: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const r = window(collect, steps);
    if (!r.collected) clean.push(r.delta);
  }
  return { bytes: clean.length === 0 ? Number.NaN : Math.min(...clean), clean: clean.length };
}

describe('allocation guard', () => {
  const bytes = memmapBytes();
  const table = viewMemmap(bytes, 0, ENTRIES);
  // The checksum goes to a Float64Array slot: storing a double there allocates nothing.
  const sink = new Float64Array(1);

  function walk(): void {
    let sum = 0;
    for (let i = 0; i < ENTRIES; i++) {
      const e = table.get(i);
      sum += e.addr + e.size + e.type;
    }
    sink[0] = sum;
  }
  function walks(): void {
    for (let k = 0; k < WALKS_PER_WINDOW; k++) walk();
  }
  function nothing(): void {}

  it('walks a 1,024-entry memory map view (number accessors, table.get) without allocating', () => {
    const collect = requireGc();
    // Warm up: let TurboFan optimise the walk (and inline the getters) first.
    for (let k = 0; k < 2000; k++) walk();
    expect(sink[0]).toBeGreaterThan(0);

    const empty = minDelta(collect, nothing);
    const walked = minDelta(collect, walks);
    const steps = WALKS_PER_WINDOW * ENTRIES;
    const report =
      `smallest heapUsed delta over ${walked.clean} clean windows of ${steps} steps: ${walked.bytes} bytes ` +
      `(empty window: ${empty.bytes} bytes, ${empty.clean} clean)`;
    expect(walked.clean, `too few windows without a GC: ${report}`).toBeGreaterThanOrEqual(3);
    expect(empty.clean, `too few empty windows without a GC: ${report}`).toBeGreaterThanOrEqual(3);
    const perEntry = Math.max(0, walked.bytes - empty.bytes) / steps;
    expect(perEntry, `bytes per entry; ${report}`).toBeLessThan(0.05);
  });

  it('sees allocation where there is some (decode() per entry allocates)', () => {
    // The control: the same measurement must catch a walk that allocates, or
    // the guard above could pass because it measures nothing.
    const collect = requireGc();
    const n = 256;
    function decodes(): void {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += table.get(i).decode().type;
      sink[0] = sum;
    }
    for (let k = 0; k < 200; k++) decodes();
    const empty = minDelta(collect, nothing);
    const decoded = minDelta(collect, decodes);
    expect(decoded.clean).toBeGreaterThanOrEqual(3);
    const perEntry = (decoded.bytes - empty.bytes) / n;
    // A decoded entry is an object with two bigints: well over 32 bytes.
    expect(perEntry).toBeGreaterThan(32);
  });
});

describe('allocation guard: re-pointing', () => {
  const HEAD = defineLayout({ name: 'head', format: 'memory', size: 8, fields: { tag: u8(0), pad: u8(1), kind: u16(2), count: u32(4) } });
  const ROW = defineLayout({ name: 'row', format: 'memory', size: 8, fields: { a: u32(0), b: u32(4) } });
  // Three arrays, one a subarray of a larger buffer; small values only (Smis:
  // a getter the inliner leaves a call cannot box what it returns).
  const arrays = [new Uint8Array(64).fill(1), new Uint8Array(200).fill(2).subarray(40, 120), new Uint8Array(48).fill(3)];
  const v = blankView(HEAD);
  const t = blankTable(ROW);
  const sink = new Float64Array(1);
  function steps(): void {
    for (let k = 0; k < 20_000; k++) {
      const b = arrays[k % 3] as Uint8Array;
      const access = bufferAccess(b);
      v.point(b, 0);
      t.point(access, 8, 3);
      sink[0] = (sink[0] as number) + v.kind + t.get(2).a + v.point(access, 16).tag;
    }
  }
  function nothing(): void {}

  it('points a view and a table at arrays seen before without allocating', () => {
    const collect = requireGc();
    for (let w = 0; w < 20; w++) steps();
    const empty = minDelta(collect, nothing);
    const pointed = minDelta(collect, steps);
    expect(pointed.clean).toBeGreaterThanOrEqual(3);
    expect(Math.max(0, pointed.bytes - empty.bytes) / 20_000, 'bytes per step').toBeLessThan(0.05);
  });
});
