// Allocation guards (DESIGN §4, issue 10) for the table views that had none
// of their own: the PVH module list, the devicetree reserve map and a Linux
// e820 table outside the zero page. The method is test/core/alloc.test.ts's:
// the node project runs with --expose-gc and a 64 MiB semi-space; each window
// is a minor GC, heapUsed, 20k walk steps, heapUsed; windows in which V8
// collected are set aside and the smallest delta of the rest, less that of an
// empty window, is what the walk allocated. No timing here (npm run bench).
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { viewFdtReserveMap } from '../src/fdt/index.js';
import { viewE820Table } from '../src/linux-bootparams/index.js';
import { viewModlist } from '../src/pvh/index.js';

const COUNT = 1024;
const WALKS = 20; // 20 × 1,024 steps a window
const WINDOWS = 10;
const gc = (globalThis as { gc?: (options?: { type?: 'major' | 'minor' }) => void }).gc;

/** Seeded bytes: every u32 below 2^20, so that u64 fields read as exact numbers. */
function filled(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const dv = new DataView(bytes.buffer);
  let s = seed;
  for (let o = 0; o + 4 <= length; o += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    dv.setUint32(o, (s >>> 0) & 0xfffff, true);
  }
  return bytes;
}

/** The smallest heapUsed delta of a window of `steps` with no GC in it, less that of an empty window. */
function allocated(steps: () => void): { bytes: number; clean: number } {
  if (typeof gc !== 'function') throw new Error('global.gc is missing: run the node project (it passes --expose-gc)');
  const run = (fn: () => void): number[] => {
    const clean: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      gc({ type: 'minor' });
      const profiler = new v8.GCProfiler();
      profiler.start();
      const before = process.memoryUsage().heapUsed;
      fn();
      const after = process.memoryUsage().heapUsed;
      const gcs = profiler.stop()?.statistics.length ?? 0;
      if (gcs === 0 && after >= before) clean.push(after - before);
    }
    return clean;
  };
  for (let i = 0; i < 50; i++) steps(); // optimised first
  const empty = run(() => undefined);
  const full = run(steps);
  return { bytes: Math.max(0, Math.min(...full) - Math.min(...empty)), clean: full.length };
}

/** A version-17 devicetree blob with `count` reserve entries and an empty root node. */
function fdtWithReserves(count: number): Uint8Array {
  const rsv = 40;
  const struct = rsv + (count + 1) * 16;
  const structSize = 16; // FDT_BEGIN_NODE, "" padded, FDT_END_NODE, FDT_END
  const strings = struct + structSize;
  const bytes = new Uint8Array(strings);
  const dv = new DataView(bytes.buffer);
  const head = [0xd00dfeed, strings, struct, strings, rsv, 17, 16, 0, 0, structSize];
  head.forEach((v, i) => dv.setUint32(i * 4, v));
  for (let i = 0; i < count; i++) {
    dv.setUint32(rsv + i * 16 + 4, 0x1000 * (i + 1));
    dv.setUint32(rsv + i * 16 + 12, 0x1000);
  }
  dv.setUint32(struct, 1);
  dv.setUint32(struct + 8, 2);
  dv.setUint32(struct + 12, 9);
  return bytes;
}

describe('allocation guards of the remaining table views', () => {
  it('walks a 1,024-entry PVH module list without allocating', () => {
    const table = viewModlist(filled(COUNT * 32, 0x1234567), 0, COUNT);
    const sink = new Float64Array(1); // a captured `let` would box every sum
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < WALKS; k++) {
        for (let i = 0; i < table.count; i++) {
          const e = table.get(i);
          sum += e.paddr + e.size + e.cmdlinePaddr;
        }
      }
      sink[0] = sum;
    });
    expect(sink[0]).toBeGreaterThan(0);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (WALKS * COUNT)).toBeLessThan(0.25);
  });

  it('walks a 1,024-entry devicetree reserve map without allocating', () => {
    const table = viewFdtReserveMap(fdtWithReserves(COUNT));
    expect(table.count).toBe(COUNT);
    const sink = new Float64Array(1); // a captured `let` would box every sum
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < WALKS; k++) {
        for (let i = 0; i < table.count; i++) {
          const e = table.get(i);
          sum += e.address + e.size;
        }
      }
      sink[0] = sum;
    });
    expect(sink[0]).toBeGreaterThan(0);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (WALKS * COUNT)).toBeLessThan(0.25);
  });

  it('walks a 1,024-entry e820 table (viewE820Table) without allocating', () => {
    const table = viewE820Table(filled(COUNT * 20, 0x7654321), 0, COUNT);
    const sink = new Float64Array(1); // a captured `let` would box every sum
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < WALKS; k++) {
        for (let i = 0; i < table.count; i++) {
          const e = table.get(i);
          sum += e.addr + e.size + e.type;
        }
      }
      sink[0] = sum;
    });
    expect(sink[0]).toBeGreaterThan(0);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (WALKS * COUNT)).toBeLessThan(0.25);
  });
});
