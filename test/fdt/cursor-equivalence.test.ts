/**
 * The fast cursor walk (issue 10) against the cursor it replaced
 * (reference-cursor.ts): on the committed blobs, on seeded mutations of them
 * and on hand-assembled corner cases, both give the same tokens, the same
 * fields after every token, and the same BootprotoError (code, offset,
 * reason) at the same step; seek() walks agree too. Then openFdt's index
 * (typed arrays grown while walking, binary search by offset) is checked
 * against a plain walk, including trees large enough to grow it.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_NOP,
  FDT_PROP,
  FdtCursor,
  FdtWriter,
  fdtGeometry,
  openFdt,
  type FdtGeometry,
} from '../../src/fdt/index.js';
import { CORRUPT_CASES, TOLERATED_CASES, assemble, good } from './assemble.js';
import { FEATURE_BLOBS, QEMU_BLOBS, fixture } from './fixtures.js';
import { ReferenceFdtCursor } from './reference-cursor.js';
import { caught, rng } from '../helpers/equivalence.js';

type Walker = FdtCursor | ReferenceFdtCursor;

/** Everything a walk shows: each token with the fields it sets, then the error or FDT_END twice. */
function trace(c: Walker, steps = 100_000): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < steps; i++) {
    const r = caught(() => c.next()) as { value?: number; error?: unknown };
    if (r.error !== undefined) {
      out.push(r.error);
      // After an error the same call fails the same way.
      out.push(caught(() => c.next()));
      return out;
    }
    const t = r.value as number;
    const row: unknown[] = [t, c.token, c.offset, c.depth, c.nopCount];
    if (t === FDT_BEGIN_NODE) row.push(c.nameStart, c.nameLength);
    if (t === FDT_PROP) row.push(c.nameStart, c.nameoff, c.valueStart, c.valueLength, caught(() => c.nameLength));
    out.push(row);
    if (t === FDT_END) {
      out.push(caught(() => c.next()), c.token, c.offset);
      return out;
    }
  }
  return out;
}

function walkers(bytes: Uint8Array, maxDepth?: number): [FdtCursor, ReferenceFdtCursor] | undefined {
  let g: FdtGeometry;
  try {
    g = fdtGeometry(bytes);
  } catch (e) {
    if (e instanceof BootprotoError) return undefined;
    throw e;
  }
  const options = maxDepth === undefined ? {} : { maxDepth };
  return [new FdtCursor(bytes, options, g), new ReferenceFdtCursor(bytes, options, g)];
}

function same(bytes: Uint8Array, maxDepth?: number): number {
  const w = walkers(bytes, maxDepth);
  if (w === undefined) return 0;
  const [fast, ref] = w;
  const a = trace(fast);
  expect(a).toEqual(trace(ref));
  // A second walk of the same cursors after reset() agrees too (nopCount keeps counting in both).
  expect(trace(fast.reset())).toEqual(trace(ref.reset()));
  return a.length;
}

/** The blobs the mutations start from: every committed one and the hand-made ones. */
function seeds(): Uint8Array[] {
  return [
    ...QEMU_BLOBS.map(fixture),
    ...FEATURE_BLOBS.map(fixture),
    good,
    ...CORRUPT_CASES.map((c) => c[1]),
    ...TOLERATED_CASES.map((c) => c[1]),
  ];
}

const BOUNDARY = [0, 1, 2, 3, 4, 9, 0xff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

/** A copy of `blob` with a few words or bytes of its structure or strings block changed. */
function mutate(blob: Uint8Array, next: () => number): Uint8Array {
  const b = blob.slice();
  const dv = new DataView(b.buffer);
  const n = 1 + Math.floor(next() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(next() * (b.length - 4)) & ~(next() < 0.8 ? 3 : 0);
    const kind = next();
    if (kind < 0.4) dv.setUint32(at, BOUNDARY[Math.floor(next() * BOUNDARY.length)] as number);
    else if (kind < 0.6) dv.setUint32(at, [FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END][Math.floor(next() * 5)] as number);
    else if (kind < 0.8) b[at] = Math.floor(next() * 256);
    else b[at] = b[at] === 0 ? 0x61 : 0;
  }
  return b;
}

describe('the fast cursor walks as the reference cursor does', () => {
  it('on every committed and hand-made blob', () => {
    for (const blob of seeds()) same(blob);
  });

  it('on 3,000 seeded mutations of them (both structure and strings blocks)', () => {
    const next = rng(0x5eed10);
    const all = seeds();
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const blob = mutate(all[i % all.length] as Uint8Array, next);
      const w = walkers(blob);
      if (w === undefined) continue;
      const a = trace(w[0]);
      expect(a, `mutation ${i}`).toEqual(trace(w[1]));
      if (a.some((r) => typeof r === 'object' && r !== null && 'code' in r)) errors++;
    }
    // The pass must exercise the error paths, not only good blobs.
    expect(errors).toBeGreaterThan(300);
  });

  it('with a small maxDepth, and resumed with seek() at every node', () => {
    for (const blob of [...QEMU_BLOBS.map(fixture), fixture('features.dtb'), fixture('features-v2.dtb')]) {
      same(blob, 2);
      same(blob, 3);
      const fdt = openFdt(blob);
      const w = walkers(blob) as [FdtCursor, ReferenceFdtCursor];
      for (const node of fdt.nodes()) {
        const depth = fdt.nodeDepth(node);
        expect(trace(w[0].seek(node, depth), 8)).toEqual(trace(w[1].seek(node, depth), 8));
      }
    }
  });

  it('on names at every length around the word the scan reads, ending at the block end or not', () => {
    for (let len = 0; len <= 13; len++) {
      const name = 'n'.repeat(len);
      same(assemble([FDT_BEGIN_NODE, '', FDT_BEGIN_NODE, name, FDT_END_NODE, FDT_END_NODE, FDT_END], 'a\0'));
      // The name runs to the end of the block (no NUL): UNTERMINATED, never a read past the bytes.
      const raw = new TextEncoder().encode(name);
      const open = assemble([FDT_BEGIN_NODE, '', FDT_BEGIN_NODE, raw], '');
      same(open);
      // The same with the struct block's size cut inside the name.
      const cut = open.slice();
      new DataView(cut.buffer).setUint32(36, new DataView(cut.buffer).getUint32(36) - (len % 4));
      same(cut);
    }
  });

  it('on old versions (values aligned to 8 before version 16, full-path names)', () => {
    for (const v of [2, 3, 16]) {
      for (const len of [0, 4, 7, 8, 9, 16]) {
        const blob = assemble([FDT_BEGIN_NODE, '/', FDT_PROP, len, 0, ...Array(6).fill(0), FDT_BEGIN_NODE, '/a/b@1', FDT_END_NODE, FDT_END_NODE, FDT_END], 'a\0', { version: v });
        same(blob);
      }
    }
    expect(same(fixture('features-v2.dtb'))).toBeGreaterThan(10);
  });
});

describe('openFdt index', () => {
  /** Node offsets, parents and depths from a plain cursor walk. */
  function plainIndex(blob: Uint8Array): { offsets: number[]; depths: number[]; parents: number[] } {
    const c = new FdtCursor(blob);
    const offsets: number[] = [];
    const depths: number[] = [];
    const parents: number[] = [];
    const open: number[] = [];
    for (let t = c.next(); t !== FDT_END; t = c.next()) {
      if (t === FDT_BEGIN_NODE) {
        parents.push(open.length === 0 ? -1 : (offsets[open[open.length - 1] as number] as number));
        open.push(offsets.length);
        offsets.push(c.offset);
        depths.push(c.depth - 1);
      } else if (t === FDT_END_NODE) open.pop();
    }
    return { offsets, depths, parents };
  }

  function check(blob: Uint8Array): void {
    const fdt = openFdt(blob);
    const p = plainIndex(blob);
    expect(fdt.nodes()).toEqual(p.offsets);
    expect(fdt.nodeCount).toBe(p.offsets.length);
    p.offsets.forEach((off, i) => {
      expect(fdt.nodeDepth(off)).toBe(p.depths[i]);
      expect(fdt.parent(off)).toBe(p.parents[i] === -1 ? undefined : p.parents[i]);
      expect(fdt.pathOffset(fdt.nodePath(off))).toBe(off);
    });
  }

  it('matches a plain walk on every fixture', () => {
    for (const blob of [...QEMU_BLOBS.map(fixture), ...FEATURE_BLOBS.map(fixture)]) check(blob);
  });

  it('grows past its first guess on a tree of many small nodes (and deep ones)', () => {
    const w = new FdtWriter();
    w.beginNode('');
    for (let i = 0; i < 3000; i++) {
      w.beginNode(`n${i}`);
      if (i % 100 === 0) for (let d = 0; d < 20; d++) w.beginNode('d');
      if (i % 100 === 0) for (let d = 0; d < 20; d++) w.endNode();
      w.endNode();
    }
    w.endNode();
    const blob = w.finish();
    check(blob);
    expect(openFdt(blob).nodeCount).toBe(1 + 3000 + 30 * 20);
  });

  it('finds no node at offsets that are not a node', () => {
    const fdt = openFdt(fixture('features.dtb'));
    const nodes = new Set(fdt.nodes());
    for (const bad of [-4, -1, 0.5, 2, 4, 1e9, Number.NaN, Number.POSITIVE_INFINITY, -0.0001]) {
      if (nodes.has(bad)) continue;
      expect(() => fdt.nodeName(bad)).toThrow(BootprotoError);
      expect(() => fdt.nodeDepth(bad)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
    // A property's offset is not a node's.
    const prop = fdt.properties(fdt.root)[0];
    if (prop !== undefined) expect(() => fdt.parent(prop.offset)).toThrow(BootprotoError);
  });
});
