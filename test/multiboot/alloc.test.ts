/**
 * The allocation guard for the Multiboot 2 tag cursor (DESIGN §4): walking a
 * large information block with one reused cursor allocates nothing per tag.
 * Method as test/core/alloc.test.ts: full GC, heapUsed, the walks, heapUsed;
 * windows in which V8 collected are set aside; the smallest clean delta, less
 * that of an empty window, is what the walk allocated. No timing asserted.
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Mb2TagCursor, encodeMb2Info, mb2TagsFromSpec } from '../../src/multiboot/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const WINDOWS = 10;

/** 2,000 module tags with strings of varied length (so varied padding), a memory map and the rest. */
function bigInfo(): Uint8Array {
  return encodeMb2Info({
    tags: mb2TagsFromSpec({
      cmdline: 'console=ttyS0',
      bootLoaderName: 'bootproto',
      modules: Array.from({ length: 2000 }, (_, i) => ({ start: 0x1000000 + i * 0x1000, end: 0x1000000 + i * 0x1000 + 100, string: 'm'.repeat(i % 13) })),
      basicMeminfo: { memLower: 639, memUpper: 1 << 20 },
      mmap: Array.from({ length: 64 }, (_, i) => ({ addr: BigInt(i) << 30n, len: 1n << 30n, type: 1 + (i % 5) })),
    }),
  });
}

function measure(collect: () => void, steps: () => void): number {
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
  expect(clean.length, 'too few windows without a GC').toBeGreaterThanOrEqual(3);
  return Math.min(...clean);
}

describe('allocation guard: Mb2TagCursor', () => {
  it('walks two blocks of one array in turn, memory maps included, with one cursor moved by point() without allocating', () => {
    if (typeof gc !== 'function') throw new Error('run with node --expose-gc (the node project of vitest.config.ts does)');
    const one = bigInfo();
    const bytes = new Uint8Array(2 * one.length);
    bytes.set(one);
    bytes.set(one, one.length);
    const cursor = new Mb2TagCursor(bytes);
    const sink = new Float64Array(1);
    let tags = 0;
    const walk = (at: number): void => {
      let sum = 0;
      tags = 0;
      cursor.point(bytes, at);
      while (cursor.next()) {
        sum += cursor.type + cursor.size;
        if (cursor.type === 6) {
          const t = cursor.mmap();
          for (let i = 0; i < t.count; i++) sum += t.get(i).type;
        }
        tags++;
      }
      sink[0] = sum;
    };
    const walks = (): void => {
      for (let k = 0; k < 10; k++) walk((k & 1) * one.length);
    };
    for (let k = 0; k < 500; k++) walk((k & 1) * one.length);
    expect(tags).toBe(2004);
    const empty = measure(gc, () => {});
    const walked = measure(gc, walks);
    const perTag = Math.max(0, walked - empty) / (10 * tags);
    expect(perTag, `${walked} bytes over ${10 * tags} tags (empty window ${empty})`).toBeLessThan(0.05);
  });

  it('walks 2,000+ tags with one cursor without allocating', () => {
    if (typeof gc !== 'function') throw new Error('run with node --expose-gc (the node project of vitest.config.ts does)');
    const bytes = bigInfo();
    const cursor = new Mb2TagCursor(bytes);
    const sink = new Float64Array(1);
    let tags = 0;
    const walk = (): void => {
      let sum = 0;
      tags = 0;
      cursor.reset();
      while (cursor.next()) {
        sum += cursor.type + cursor.size;
        if (cursor.type === 3) sum += cursor.u32(8);
        tags++;
      }
      sink[0] = sum;
    };
    const walks = (): void => {
      for (let k = 0; k < 10; k++) walk();
    };
    for (let k = 0; k < 500; k++) walk();
    expect(tags).toBe(2004);
    const empty = measure(gc, () => {});
    const walked = measure(gc, walks);
    const perTag = Math.max(0, walked - empty) / (10 * tags);
    expect(perTag, `${walked} bytes over ${10 * tags} tags (empty window ${empty})`).toBeLessThan(0.05);
  });
});
