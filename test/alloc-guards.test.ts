// Allocation guards (DESIGN §4, issue 10) for the table views that had none
// of their own: the PVH module list, the devicetree reserve map and a Linux
// e820 table outside the zero page. The method is test/core/alloc.test.ts's:
// the node project runs with --expose-gc and a 64 MiB semi-space; each window
// is a minor GC, heapUsed, 20k walk steps, heapUsed; windows in which V8
// collected are set aside and the smallest delta of the rest, less that of an
// empty window, is what the walk allocated. No timing here (npm run bench).
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FDT_BEGIN_NODE, FDT_END, FDT_PROP, FdtCursor, FdtWriter, openFdt, viewFdtReserveMap } from '../src/fdt/index.js';
import { viewE820Table } from '../src/linux-bootparams/index.js';
import { Mb2TagCursor, encodeMb2Info, mb2TagsFromSpec } from '../src/multiboot/index.js';
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

/** A dtc-like tree of 1 + 8 × 64 nodes with a few properties each, written by FdtWriter. */
function fdtTree(): Uint8Array {
  const w = new FdtWriter();
  const u32 = (v: number): Uint8Array => new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
  const text = (v: string): Uint8Array => new TextEncoder().encode(`${v}\0`);
  w.beginNode('').property('#address-cells', u32(1)).property('#size-cells', u32(1));
  for (let b = 0; b < 8; b++) {
    w.beginNode(`bus@${b}`).property('compatible', text('simple-bus')).property('ranges', new Uint8Array());
    for (let d = 0; d < 64; d++) {
      w.beginNode(`dev@${d.toString(16)}`).property('compatible', text('vendor,dev')).property('reg', u32(d)).property('status', text('okay')).endNode();
    }
    w.endNode();
  }
  w.endNode();
  return w.finish();
}

// The walks issue 10 made faster (docs/fdt.md, docs/multiboot.md "Performance").
describe('allocation guards of the cursor walks', () => {
  it('walks a devicetree with one reused FdtCursor without allocating (names compared, cells read)', () => {
    const blob = fdtTree();
    const cursor = new FdtCursor(blob);
    const status = new TextEncoder().encode('status');
    let tokens = 0;
    cursor.reset();
    for (let t = cursor.next(); t !== FDT_END; t = cursor.next()) tokens++;
    const sink = new Float64Array(1);
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < WALKS; k++) {
        cursor.reset();
        for (let t = cursor.next(); t !== FDT_END; t = cursor.next()) {
          if (t === FDT_BEGIN_NODE) sum += cursor.nameLength + cursor.depth;
          else if (t === FDT_PROP) {
            if (cursor.nameIs(status)) sum += cursor.valueLength;
            else if (cursor.valueLength === 4) sum += cursor.cell(0);
          }
        }
      }
      sink[0] = sum;
    });
    expect(sink[0]).toBeGreaterThan(0);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (WALKS * tokens)).toBeLessThan(0.25);
  });

  it('walks Multiboot 2 tags and the memory map through one cursor without allocating (the mmap table is kept)', () => {
    const bytes = encodeMb2Info({
      tags: mb2TagsFromSpec({
        cmdline: 'console=ttyS0',
        modules: Array.from({ length: 1000 }, (_, i) => ({ start: 0x100000 * i, end: 0x100000 * i + 4096, string: 'm'.repeat(i % 11) })),
        mmap: Array.from({ length: 24 }, (_, i) => ({ addr: BigInt(i) << 28n, len: 1n << 28n, type: 1 + (i % 5) })),
      }),
    });
    const cursor = new Mb2TagCursor(bytes);
    let tags = 0;
    cursor.reset();
    while (cursor.next()) tags++;
    const sink = new Float64Array(1);
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < WALKS; k++) {
        cursor.reset();
        while (cursor.next()) {
          if (cursor.type === 3) sum += cursor.u32(12) - cursor.u32(8);
          else if (cursor.type === 6) {
            const t = cursor.mmap();
            for (let i = 0; i < t.count; i++) {
              const e = t.get(i);
              if (e.type === 1) sum += e.len;
            }
          }
        }
      }
      sink[0] = sum;
    });
    expect(sink[0]).toBeGreaterThan(0);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (WALKS * tags)).toBeLessThan(0.25);
  });

  it('openFdt keeps its index in typed arrays: a few heap bytes per node, not hundreds', () => {
    const blob = fdtTree();
    const nodes = openFdt(blob).nodeCount;
    const sink = new Float64Array(1);
    // heapUsed counts the JavaScript objects of each open (the Fdt, its
    // cursor, the header), not the typed arrays' backing stores; before
    // issue 10 the index took ~200 heap bytes a node (arrays and a Map).
    const r = allocated(() => {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += openFdt(blob).nodeCount;
      sink[0] = sum;
    });
    expect(sink[0]).toBe(4 * nodes);
    expect(r.clean).toBeGreaterThan(0);
    expect(r.bytes / (4 * nodes)).toBeLessThan(24);
  });
});
