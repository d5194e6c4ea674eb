/**
 * Allocation guard (DESIGN §4) for the zero page's e820 walk: moving one
 * view over all 128 entries of `boot_params.e820_table` and reading its
 * number accessors must not allocate. Same method as test/core/alloc.test.ts
 * (full GC, heapUsed deltas over windows without a GC, the empty window
 * subtracted); no timing is asserted.
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { E820_MAX_ENTRIES_ZEROPAGE, encodeE820Entries, viewBootParams, viewZeroPageE820 } from '../../src/linux-bootparams/index.js';

const WALKS_PER_WINDOW = 160; // 160 × 128 = 20,480 steps a window
const WINDOWS = 10;
const gc = (globalThis as { gc?: () => void }).gc;

function zeroPage(): Uint8Array {
  const zp = new Uint8Array(4096);
  const entries = [];
  for (let i = 0; i < E820_MAX_ENTRIES_ZEROPAGE; i++) entries.push({ addr: BigInt(i) << 28n, size: 0x0ff00000n + BigInt(i), type: 1 + (i % 5) });
  encodeE820Entries(entries, zp, 0x2d0);
  zp[0x1e8] = E820_MAX_ENTRIES_ZEROPAGE;
  return zp;
}

function minDelta(collect: () => void, steps: () => void): { bytes: number; clean: number } {
  const clean: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    collect();
    const profiler = typeof v8.GCProfiler === 'function' ? new v8.GCProfiler() : undefined;
    profiler?.start();
    const before = process.memoryUsage().heapUsed;
    steps();
    const after = process.memoryUsage().heapUsed;
    const gcs = profiler?.stop()?.statistics.length ?? 0;
    if (gcs === 0 && after >= before) clean.push(after - before);
  }
  return { bytes: clean.length === 0 ? Number.NaN : Math.min(...clean), clean: clean.length };
}

describe('allocation guard: zero page e820 walk', () => {
  const zp = zeroPage();
  const sink = new Float64Array(1);
  const table = viewZeroPageE820(zp);
  const bp = viewBootParams(zp);

  function walk(): void {
    let sum = bp.e820Entries;
    for (let i = 0; i < table.count; i++) {
      const e = table.get(i);
      sum += e.addr + e.size + e.type;
    }
    sink[0] = sum;
  }
  function walks(): void {
    for (let k = 0; k < WALKS_PER_WINDOW; k++) walk();
  }

  it('walks 128 entries through one view without allocating', () => {
    if (typeof gc !== 'function') throw new Error('run with node --expose-gc (the node project passes it)');
    for (let k = 0; k < 5000; k++) walk();
    expect(sink[0]).toBeGreaterThan(0);
    const empty = minDelta(gc, () => {});
    const walked = minDelta(gc, walks);
    expect(walked.clean).toBeGreaterThanOrEqual(3);
    expect(empty.clean).toBeGreaterThanOrEqual(3);
    const perEntry = Math.max(0, walked.bytes - empty.bytes) / (WALKS_PER_WINDOW * E820_MAX_ENTRIES_ZEROPAGE);
    expect(perEntry).toBeLessThan(0.05);
  });

  it('sees allocation where there is some (decode() per entry)', () => {
    if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
    const decodes = (): void => {
      let sum = 0;
      for (let i = 0; i < table.count; i++) sum += table.get(i).decode().type;
      sink[0] = sum;
    };
    for (let k = 0; k < 200; k++) decodes();
    const empty = minDelta(gc, () => {});
    const decoded = minDelta(gc, decodes);
    expect(decoded.clean).toBeGreaterThanOrEqual(3);
    expect((decoded.bytes - empty.bytes) / table.count).toBeGreaterThan(32);
  });
});
