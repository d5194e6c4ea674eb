/**
 * Allocation guard (DESIGN §4): walking a map through the view allocates
 * nothing per descriptor. The node project runs with --expose-gc and a
 * 64 MiB young generation, so a window of walks fits without a scavenge;
 * the smallest heapUsed delta over several windows is what the walk itself
 * allocated. The decoded-object path is measured the same way, to show
 * that the guard sees allocation when there is some.
 */
import { describe, expect, it } from 'vitest';
import { attributeHasBit, viewMemoryMap, type EfiMemoryMapView } from '../../src/efi-memmap/index.js';
import { rawMap, type RawDescriptor } from './helpers.js';

const gc = (globalThis as { gc?: () => void }).gc;

const N = 2000;
const raw: RawDescriptor[] = Array.from({ length: N }, (_, i) => ({
  type: i % 16,
  start: BigInt(i) * 0x10000n,
  pages: 16n,
  attribute: i % 3 === 0 ? 0x800000000000000fn : 0xfn,
}));
const bytes = rawMap(raw, 48);

function walk(view: EfiMemoryMapView): number {
  let pages = 0;
  let runtime = 0;
  for (let i = 0; i < view.count; i++) {
    const d = view.get(i);
    if (d.type === 7) pages += d.numberOfPages;
    if (attributeHasBit(d.attributeLo, d.attributeHi, 63)) runtime++;
    pages += d.physicalStart & 1;
  }
  return pages + runtime;
}

/** Smallest heapUsed growth per call of `fn` over `windows` windows of `calls` calls. */
function bytesPerCall(fn: () => number, calls: number, windows = 8): number {
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += fn();
  let best = Number.POSITIVE_INFINITY;
  for (let w = 0; w < windows; w++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) sink += fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / calls);
  }
  expect(sink).not.toBe(0.5);
  return best;
}

describe('allocation', () => {
  it.runIf(gc !== undefined)('a view walk allocates nothing per descriptor', () => {
    const view = viewMemoryMap(bytes, { descriptorSize: 48 });
    const perWalk = bytesPerCall(() => walk(view), 50);
    expect(perWalk / N).toBeLessThan(0.5);
    const perDecode = bytesPerCall(() => view.decodeAll().length, 5, 3);
    expect(perDecode / N).toBeGreaterThan(40);
  });
});
