/**
 * The faster Mb2TagCursor (issue 10) against the cursor it replaced
 * (reference-cursor.ts): on the committed GRUB/QEMU information blocks, a
 * built one with every tag type, and seeded mutations of them, both give the
 * same tags, the same u32 reads and memory-map tables, and the same
 * BootprotoError at the same step (one deliberate difference: a memory-map
 * tag under 16 bytes is refused before its entry_size is read, where the
 * reference read it past the tag). Then the memory-map table the cursor
 * keeps between walks follows the bytes when they change. One more cursor,
 * kept across all the blocks and moved to each with `point`, must give the
 * same as a new one.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import { Mb2TagCursor, buildMb2Info, encodeMb2Info, mb2TagsFromSpec } from '../../src/multiboot/index.js';
import { ReferenceMb2TagCursor } from './reference-cursor.js';
import { caught, rng } from '../helpers/equivalence.js';

type Cursor = Mb2TagCursor | ReferenceMb2TagCursor;

function trace(c: Cursor, probes: number[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < 100_000; i++) {
    const r = caught(() => c.next()) as { value?: boolean; error?: unknown };
    out.push(r, c.offset, c.type, c.size);
    if (r.error !== undefined || r.value === false) {
      out.push(caught(() => c.next()), c.offset, c.type, c.size);
      return out;
    }
    for (const at of probes) out.push(caught(() => c.u32(at)));
    out.push(c.payload().length);
    if (c.type === 6 && c.size < 16) {
      // A deliberate difference: the reference read entry_size past such a
      // tag (then failed on the table's shape, or TRUNCATED at the buffer's
      // end); the cursor now refuses it before reading. Both throw.
      expect(() => c.mmap()).toThrow(BootprotoError);
      out.push('mmap tag under 16 bytes');
      continue;
    }
    out.push(
      caught(() => {
        const t = c.mmap();
        const rows: unknown[] = [t.count, t.stride];
        for (let k = 0; k < Math.min(t.count, 4); k++) rows.push(t.get(k).addrBig, t.get(k).lenBig, t.get(k).type);
        return rows;
      }),
    );
  }
  return out;
}

/** One cursor kept across every block of the file and pointed at each (`point`), as a caller reading block after block would. */
const kept = new Mb2TagCursor(encodeMb2Info({ tags: [] }));

function make(bytes: Uint8Array, offset: number): [Mb2TagCursor, ReferenceMb2TagCursor] | undefined {
  const a = caught(() => new Mb2TagCursor(bytes, offset)) as { value?: Mb2TagCursor; error?: unknown };
  const b = caught(() => new ReferenceMb2TagCursor(bytes, offset)) as { value?: ReferenceMb2TagCursor; error?: unknown };
  expect(a.error).toEqual(b.error);
  const k = caught(() => kept.point(bytes, offset)) as { value?: Mb2TagCursor; error?: unknown };
  expect(k.error).toEqual(b.error);
  if (k.error !== undefined) expect(kept.next()).toBe(false);
  return a.value && b.value ? [a.value, b.value] : undefined;
}

const PROBES = [-1, 0, 4, 8, 12, 16, 0.5, Number.NaN, 1e9];

function same(bytes: Uint8Array, offset = 0): void {
  const w = make(bytes, offset);
  if (w === undefined) return;
  const a = trace(w[0], PROBES);
  expect(a).toEqual(trace(w[1], PROBES));
  expect(trace(kept, PROBES)).toEqual(a);
  w[0].reset();
  w[1].reset();
  expect(trace(w[0], PROBES)).toEqual(trace(w[1], PROBES));
}

function everything(): Uint8Array {
  const memory = createPhysicalMemory([], { growable: true });
  const built = buildMb2Info(
    memory,
    {
      cmdline: 'console=ttyS0',
      bootLoaderName: 'bootproto',
      modules: [
        { start: 0x100000, end: 0x200000, string: 'initrd' },
        { start: 0x200000, end: 0x200001 },
      ],
      basicMeminfo: { memLower: 639, memUpper: 130048 },
      mmap: Array.from({ length: 9 }, (_, i) => ({ addr: BigInt(i) << 20n, len: 1n << 20n, type: 1 + (i % 5) })),
      acpiNew: new Uint8Array(36),
    },
    0x10000,
  );
  return memory.read(built.infoPaddr, built.totalSize);
}

const BOUNDARY = [0, 1, 6, 7, 8, 9, 15, 16, 23, 24, 0x7fffffff, 0xffffffff];

describe('the faster tag cursor walks as the reference cursor does', () => {
  const seeds = [
    everything(),
    encodeMb2Info({ tags: mb2TagsFromSpec({ cmdline: 'x', modules: [{ start: 1, end: 2 }], mmap: [{ addr: 0n, len: 0x1000n, type: 1 }] }) }),
  ];

  it('on the seeds, at offset 0 and inside a larger buffer', () => {
    for (const s of seeds) {
      same(s);
      const big = new Uint8Array(s.length + 24);
      big.set(s, 16);
      same(big, 16);
    }
  });

  it('on 4,000 seeded mutations (sizes, types, entry_size, total_size, truncations)', () => {
    const next = rng(0x4d42);
    let errors = 0;
    for (let i = 0; i < 4000; i++) {
      const seed = seeds[i % seeds.length] as Uint8Array;
      let b = seed.slice();
      const dv = new DataView(b.buffer);
      const n = 1 + Math.floor(next() * 3);
      for (let k = 0; k < n; k++) {
        const at = Math.floor(next() * (b.length - 4)) & ~(next() < 0.7 ? 3 : 0);
        if (next() < 0.6) dv.setUint32(at, BOUNDARY[Math.floor(next() * BOUNDARY.length)] as number, true);
        else b[at] = Math.floor(next() * 256);
      }
      if (next() < 0.1) b = b.subarray(0, Math.floor(next() * b.length));
      const w = make(b, 0);
      if (w === undefined) continue;
      const a = trace(w[0], PROBES);
      expect(a, `mutation ${i}`).toEqual(trace(w[1], PROBES));
      if (JSON.stringify(a).includes('"code"')) errors++;
    }
    expect(errors).toBeGreaterThan(400);
  });
});

describe('the memory-map table the cursor keeps', () => {
  it('is the same object on the next walk over unchanged bytes, and follows entry_size and size when they change', () => {
    const bytes = everything();
    const c = new Mb2TagCursor(bytes);
    const find = (): number => {
      c.reset();
      while (c.next()) if (c.type === 6) return c.offset;
      throw new Error('no mmap tag');
    };
    const at = find();
    const t1 = c.mmap();
    expect(t1.count).toBe(9);
    find();
    expect(c.mmap()).toBe(t1);
    // entry_size 24 -> 48: half as many entries (the tag keeps its size).
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    dv.setUint32(at + 8, 48, true);
    find();
    const t2 = c.mmap();
    expect(t2).not.toBe(t1);
    expect([t2.count, t2.stride]).toEqual([Math.floor((9 * 24) / 48), 48]);
    // entry_size below 24: BAD_VALUE, and the walk goes on.
    dv.setUint32(at + 8, 16, true);
    find();
    expect(() => c.mmap()).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    expect(c.type).toBe(6);
  });

  it('refuses a memory-map tag too small to hold entry_size', () => {
    const bytes = encodeMb2Info({ tags: [{ type: 6, kind: 'unknown', data: new Uint8Array(4) } as never] });
    const c = new Mb2TagCursor(bytes);
    expect(c.next()).toBe(true);
    expect(c.type).toBe(6);
    expect(() => c.mmap()).toThrow(BootprotoError);
  });

  it('ends a walk after an error: next() then returns false', () => {
    const bytes = everything();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8 + 4, 3, true); // first tag's size 3
    const c = new Mb2TagCursor(bytes);
    expect(() => c.next()).toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    expect(c.next()).toBe(false);
  });
});
