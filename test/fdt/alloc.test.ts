/**
 * Allocation guard: a full cursor walk (every token, names compared, cells
 * read) allocates nothing per node or property. Runs under the node
 * project's --expose-gc and fixed semi-space flags (DESIGN §4): warm up, then
 * take the smallest heapUsed delta over several windows, skipping windows in
 * which a collection ran (heapUsed went down).
 */
import { describe, expect, it } from 'vitest';
import { FDT_BEGIN_NODE, FDT_END, FDT_PROP, FdtCursor } from '../../src/fdt/index.js';
import { fixture } from './fixtures.js';

const gc = (globalThis as { gc?: () => void }).gc;

describe.skipIf(gc === undefined)('allocation', () => {
  it('the cursor walk allocates 0 bytes per token', () => {
    const blob = fixture('qemu-aarch64-virt-4cpu-2G.dtb.gz');
    const cursor = new FdtCursor(blob);
    const compatible = new TextEncoder().encode('compatible');
    let tokens = 0;
    let sink = 0;
    const walk = (): void => {
      cursor.reset();
      for (let t = cursor.next(); t !== FDT_END; t = cursor.next()) {
        tokens++;
        if (t === FDT_BEGIN_NODE) sink += cursor.nameLength + cursor.depth;
        else if (t === FDT_PROP) {
          if (cursor.nameIs(compatible)) sink += cursor.valueLength;
          if (cursor.valueLength >= 4) sink ^= cursor.cell(0);
        }
      }
    };
    for (let i = 0; i < 2000; i++) walk();
    const deltas: number[] = [];
    for (let w = 0; w < 8; w++) {
      (gc as () => void)();
      tokens = 0;
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 200; i++) walk();
      const after = process.memoryUsage().heapUsed;
      if (after >= before) deltas.push((after - before) / tokens);
    }
    expect(sink).not.toBe(0.5);
    expect(deltas.length).toBeGreaterThan(0);
    // A memoryUsage() call itself costs a few hundred bytes over ~100k tokens.
    expect(Math.min(...deltas)).toBeLessThan(0.05);
  });
});
