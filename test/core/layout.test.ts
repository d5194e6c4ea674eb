import { describe, expect, it } from 'vitest';
import {
  BootprotoError,
  blankTable,
  blankView,
  bufferAccess,
  bytes,
  copyOut,
  decodeLayout,
  defineLayout,
  encodeLayout,
  offsetsOf,
  specName,
  u16,
  u32,
  u64,
  u8,
  viewLayout,
  viewTable,
} from '../../src/core/index.js';

/** Runs `fn` and returns what it threw (or fails the test if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const FIELDS = {
  tag: u8(0),
  pad: u8(1),
  kind: u16(2, { spec: 'KindOfThing' }),
  count: u32(4),
  addr: u64(8),
  name: bytes(16, 4),
} as const;

const LE = defineLayout({ name: 'test_struct', format: 'memory', size: 20, fields: FIELDS });
const BE = defineLayout({ name: 'test_struct_be', format: 'fdt', size: 20, littleEndian: false, fields: FIELDS });

const VALUE = {
  tag: 0xab,
  pad: 0,
  kind: 0x1234,
  count: 0xdeadbeef,
  addr: 0x001f030405060708n,
  name: new Uint8Array([0x41, 0x42, 0x43, 0]),
};

/** The same value written by hand with DataView, independent of the library. */
function handWritten(littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(20);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, 0xab);
  dv.setUint16(2, 0x1234, littleEndian);
  dv.setUint32(4, 0xdeadbeef, littleEndian);
  dv.setBigUint64(8, 0x001f030405060708n, littleEndian);
  b.set([0x41, 0x42, 0x43, 0], 16);
  return b;
}

describe('defineLayout', () => {
  it('keeps the fields in offset order and derives size, endianness and offsets', () => {
    const shuffled = defineLayout({
      name: 'shuffled',
      format: 'memory',
      size: 8,
      fields: { b: u32(4), a: u32(0) },
    });
    expect(shuffled.order).toEqual(['a', 'b']);
    expect(shuffled.littleEndian).toBe(true);
    expect(BE.littleEndian).toBe(false);
    expect(offsetsOf(LE)).toEqual({ tag: 0, pad: 1, kind: 2, count: 4, addr: 8, name: 16 });
  });

  it('rejects a gap between fields', () => {
    expect(() => defineLayout({ name: 'gap', format: 'memory', size: 12, fields: { a: u32(0), b: u32(8) } })).toThrow(
      /layout gap: field b at 8, expected 4 \(gap or overlap\)/,
    );
  });

  it('rejects overlapping fields', () => {
    expect(() => defineLayout({ name: 'overlap', format: 'memory', size: 8, fields: { a: u64(0), b: u32(4) } })).toThrow(
      /layout overlap: field b at 4, expected 8/,
    );
  });

  it('rejects a size the fields do not reach, or exceed', () => {
    expect(() => defineLayout({ name: 'short', format: 'memory', size: 8, fields: { a: u32(0) } })).toThrow(
      /layout short: fields end at 4, size is 8/,
    );
    expect(() => defineLayout({ name: 'long', format: 'memory', size: 2, fields: { a: u32(0) } })).toThrow(
      /layout long: fields end at 4, size is 2/,
    );
  });

  it('rejects a layout that does not start at offset 0', () => {
    expect(() => defineLayout({ name: 'late', format: 'memory', size: 8, fields: { a: u32(4) } })).toThrow(/expected 0/);
  });

  it('names fields by their spec option or by the snake_case of the key', () => {
    expect(specName('memmapPaddr', u64(0))).toBe('memmap_paddr');
    expect(specName('kind', FIELDS.kind)).toBe('KindOfThing');
  });

  it('spells PascalCase names for a layout that asks for them, keeping explicit ones', () => {
    const l = defineLayout({
      name: 'IMAGE_THING',
      format: 'pecoff',
      size: 6,
      specCase: 'PascalCase',
      fields: { numberOfSections: u16(0), sizeOfImage: u16(2), eLfanew: u16(4, { spec: 'e_lfanew' }) },
    });
    expect(l.order.map((k) => specName(k, l.fields[k as keyof typeof l.fields]))).toEqual(['NumberOfSections', 'SizeOfImage', 'e_lfanew']);
  });
});

describe('decodeLayout / encodeLayout', () => {
  for (const [label, layout, le] of [
    ['little-endian', LE, true],
    ['big-endian', BE, false],
  ] as const) {
    it(`round-trips a ${label} structure against hand-written bytes`, () => {
      const b = handWritten(le);
      const decoded = decodeLayout(layout, b);
      expect(decoded).toEqual(VALUE);
      expect(encodeLayout(layout, decoded)).toEqual(b);
      expect(encodeLayout(layout, VALUE)).toEqual(b);
    });
  }

  it('decodes at an offset and within a subarray, and copies byte fields', () => {
    const outer = new Uint8Array(40).fill(0xee);
    outer.set(handWritten(true), 13);
    const window = outer.subarray(3, 33); // structure at window offset 10
    const decoded = decodeLayout(LE, window, 10);
    expect(decoded).toEqual(VALUE);
    window[26] = 0x58; // the name's first byte
    expect(decoded.name[0]).toBe(0x41);
    expect(() => decodeLayout(LE, window, 11)).toThrow(BootprotoError);
  });

  it('throws TRUNCATED or OUT_OF_BOUNDS naming the structure when the bytes are too short', () => {
    expect(thrown(() => decodeLayout(LE, new Uint8Array(19)))).toMatchObject({
      code: 'TRUNCATED',
      format: 'memory',
      structure: 'test_struct',
      offset: 0,
    });
    expect(thrown(() => decodeLayout(LE, new Uint8Array(20), 21))).toMatchObject({ code: 'OUT_OF_BOUNDS', offset: 21 });
    expect(thrown(() => decodeLayout(LE, new Uint8Array(40), -1))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(thrown(() => decodeLayout(LE, new Uint8Array(40), 1.5))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
  });

  it('encodes into a caller buffer at an offset and leaves the rest alone', () => {
    const out = new Uint8Array(30).fill(0x77);
    const ret = encodeLayout(LE, VALUE, out, 5);
    expect(ret).toBe(out);
    expect(out.subarray(5, 25)).toEqual(handWritten(true));
    expect([...out.subarray(0, 5), ...out.subarray(25)].every((b) => b === 0x77)).toBe(true);
    expect(thrown(() => encodeLayout(LE, VALUE, new Uint8Array(24), 5))).toMatchObject({ code: 'TRUNCATED' });
  });

  it('encodes without a buffer at an offset into a new buffer of offset + size bytes', () => {
    const out = encodeLayout(LE, VALUE, undefined, 4);
    expect(out.length).toBe(24);
    expect(out.subarray(4)).toEqual(handWritten(true));
  });

  const bad: [string, Record<string, unknown>, string, number][] = [
    ['u8 256', { tag: 256 }, 'tag', 0],
    ['u8 negative', { pad: -1 }, 'pad', 1],
    ['u16 65536', { kind: 0x10000 }, 'KindOfThing', 2],
    ['u32 2^32', { count: 2 ** 32 }, 'count', 4],
    ['u32 fractional', { count: 1.5 }, 'count', 4],
    ['u32 NaN', { count: Number.NaN }, 'count', 4],
    ['u32 as bigint', { count: 1n }, 'count', 4],
    ['u64 2^64', { addr: 1n << 64n }, 'addr', 8],
    ['u64 negative', { addr: -1n }, 'addr', 8],
    ['u64 as number', { addr: 5 }, 'addr', 8],
    ['bytes too short', { name: new Uint8Array(3) }, 'name', 16],
    ['bytes missing', { name: undefined }, 'name', 16],
  ];
  for (const [label, patch, field, offset] of bad) {
    it(`encode throws BAD_VALUE naming the field: ${label}`, () => {
      const e = thrown(() => encodeLayout(LE, { ...VALUE, ...patch } as typeof VALUE));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toMatchObject({ code: 'BAD_VALUE', format: 'memory', structure: 'test_struct', field, offset });
      expect((e as Error).message).toContain(`test_struct.${field} at offset ${offset}`);
    });
  }

  it('accepts the extremes of every field kind', () => {
    const max = { tag: 0xff, pad: 0, kind: 0xffff, count: 0xffffffff, addr: 0xffffffffffffffffn, name: new Uint8Array(4).fill(0xff) };
    const b = encodeLayout(BE, max);
    expect(b.every((x, i) => (i === 1 ? x === 0 : x === 0xff))).toBe(true);
    expect(decodeLayout(BE, b)).toEqual(max);
  });
});

describe('views', () => {
  it('reads every field through getters, in either byte order', () => {
    for (const [layout, le] of [
      [LE, true],
      [BE, false],
    ] as const) {
      const v = viewLayout(layout, handWritten(le));
      expect(v.tag).toBe(0xab);
      expect(v.kind).toBe(0x1234);
      expect(v.count).toBe(0xdeadbeef);
      expect(v.addr).toBe(0x001f030405060708);
      expect(v.addrBig).toBe(0x001f030405060708n);
      expect(v.addrLo).toBe(0x05060708);
      expect(v.addrHi).toBe(0x001f0304);
      expect([...v.name]).toEqual([0x41, 0x42, 0x43, 0]);
      expect(v.decode()).toEqual(VALUE);
      expect(v.layout).toBe(layout);
      expect(v.byteOffset).toBe(0);
    }
  });

  it('reads the caller bytes live, and byte fields are subarrays of them', () => {
    const b = handWritten(true);
    const v = viewLayout(LE, b);
    b[4] = 0;
    expect(v.count).toBe(0xdeadbe00);
    v.name[0] = 0x5a;
    expect(b[16]).toBe(0x5a);
  });

  it('reads u64 exactly up to 2^53 - 1 and throws LIMIT above, while Big/Lo/Hi still work', () => {
    const b = handWritten(true);
    const dv = new DataView(b.buffer);
    const v = viewLayout(LE, b);
    dv.setBigUint64(8, 2n ** 53n - 1n, true);
    expect(v.addr).toBe(Number.MAX_SAFE_INTEGER);
    dv.setBigUint64(8, 2n ** 53n, true);
    const e = thrown(() => v.addr);
    expect(e).toBeInstanceOf(BootprotoError);
    expect(e).toMatchObject({ code: 'LIMIT', structure: 'test_struct', field: 'addr', offset: 8 });
    expect(v.addrBig).toBe(2n ** 53n);
    expect(v.addrHi).toBe(0x200000);
    expect(v.addrLo).toBe(0);
    dv.setBigUint64(8, 0xffffffffffffffffn, true);
    expect(() => v.addr).toThrow(/LIMIT/);
    expect(v.addrBig).toBe(0xffffffffffffffffn);
    expect(v.addrLo).toBe(0xffffffff);
    expect(v.addrHi).toBe(0xffffffff);
  });

  it('names the LIMIT offset relative to the buffer after at()', () => {
    const b = new Uint8Array(60);
    new DataView(b.buffer).setBigUint64(40 + 8, 1n << 60n, true);
    const v = viewLayout(LE, b, 0).at(40);
    expect(thrown(() => v.addr)).toMatchObject({ code: 'LIMIT', offset: 48 });
  });

  it('at() moves the view, returns it, and checks bounds without moving on failure', () => {
    const b = new Uint8Array(60);
    b[20] = 1;
    b[40] = 2;
    const v = viewLayout(LE, b);
    expect(v.at(20)).toBe(v);
    expect(v.tag).toBe(1);
    expect(v.at(40).tag).toBe(2);
    expect(thrown(() => v.at(41))).toMatchObject({ code: 'TRUNCATED', structure: 'test_struct', offset: 41 });
    expect(thrown(() => v.at(61))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(thrown(() => v.at(-1))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(thrown(() => v.at(0.5))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(thrown(() => v.at(Number.NaN))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(v.byteOffset).toBe(40);
    expect(v.tag).toBe(2);
  });

  it('throws TRUNCATED at creation when the structure does not fit', () => {
    expect(thrown(() => viewLayout(LE, new Uint8Array(19)))).toMatchObject({ code: 'TRUNCATED' });
  });

  it('a view over a subarray never reads outside its window', () => {
    // 0xEE sentinels around a 40-byte window holding two structures of 0x00..
    const outer = new Uint8Array(100).fill(0xee);
    const window = outer.subarray(30, 70);
    window.fill(0);
    window.set(handWritten(true), 20);
    const v = viewLayout(LE, window, 20);
    expect(v.decode()).toEqual(VALUE);
    expect(v.at(0).count).toBe(0);
    expect(v.addrHi).toBe(0);
    // The last position that fits reads only window bytes (all 0 but the structure at 20).
    v.at(window.length - LE.size);
    expect(v.byteOffset).toBe(20);
    // One past would need outer's 0xEE bytes: refused.
    expect(thrown(() => v.at(window.length - LE.size + 1))).toMatchObject({ code: 'TRUNCATED' });
    expect(v.name.byteOffset).toBe(outer.byteOffset + 30 + 20 + 16);
    expect(v.name.length).toBe(4);
    // A table over the window cannot reach the sentinels either.
    expect(() => viewTable(LE, window, 0, 3)).toThrow(/TRUNCATED/);
    const t = viewTable(LE, window, 0, 2);
    expect(t.get(1).tag).toBe(0xab);
    for (let i = 0; i < 2; i++) {
      const e = t.get(i);
      expect([e.tag, e.pad, e.kind, e.count, e.addrLo, e.addrHi, ...e.name]).not.toContain(0xee);
      expect(e.kind).not.toBe(0xeeee);
    }
    // decodeLayout too.
    expect(() => decodeLayout(LE, window, 21)).toThrow(/TRUNCATED/);
  });
});

describe('viewTable', () => {
  const ENTRY = defineLayout({ name: 'entry', format: 'memory', size: 8, fields: { a: u32(0), b: u32(4) } });
  const table = (n: number, stride = 8): Uint8Array => {
    const b = new Uint8Array(n * stride);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) {
      dv.setUint32(i * stride, i, true);
      dv.setUint32(i * stride + 4, 100 + i, true);
    }
    return b;
  };

  it('walks entries through one shared view', () => {
    const t = viewTable(ENTRY, table(4), 0, 4);
    expect(t.count).toBe(4);
    expect(t.stride).toBe(8);
    const first = t.get(0);
    expect(t.get(3)).toBe(first);
    expect(first.b).toBe(103);
    expect(t.decodeAll()).toEqual([0, 1, 2, 3].map((i) => ({ a: i, b: 100 + i })));
  });

  it('honours a stride larger than the entry, and an offset', () => {
    const b = new Uint8Array(4 + 3 * 12);
    b.set(table(3, 12), 4);
    const t = viewTable(ENTRY, b, 4, 3, 12);
    expect(t.get(2).a).toBe(2);
    expect(t.decodeAll().map((e) => e.b)).toEqual([100, 101, 102]);
    // The last entry needs only 8 of its 12 bytes.
    expect(viewTable(ENTRY, b.subarray(0, 4 + 2 * 12 + 8), 4, 3, 12).get(2).b).toBe(102);
  });

  // Regression: get(0.5) used to return the view moved to half an entry (offset 4) and read garbage.
  it('checks the index: negative, too large, fractional', () => {
    const t = viewTable(ENTRY, table(2), 0, 2);
    for (const i of [-1, 2, 0.5, Number.NaN]) {
      expect(thrown(() => t.get(i))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'entry' });
    }
  });

  it('an empty table has nothing to get', () => {
    const t = viewTable(ENTRY, new Uint8Array(0), 0, 0);
    expect(t.decodeAll()).toEqual([]);
    expect(() => t.get(0)).toThrow(/OUT_OF_BOUNDS/);
  });

  it('rejects a bad shape and a table that does not fit', () => {
    expect(thrown(() => viewTable(ENTRY, table(2), 0, -1))).toMatchObject({ code: 'BAD_VALUE' });
    expect(thrown(() => viewTable(ENTRY, table(2), 0, 1.5))).toMatchObject({ code: 'BAD_VALUE' });
    expect(thrown(() => viewTable(ENTRY, table(2), 0, 2, 4))).toMatchObject({ code: 'BAD_VALUE' });
    expect(thrown(() => viewTable(ENTRY, table(2), 0, 3))).toMatchObject({ code: 'TRUNCATED' });
    expect(thrown(() => viewTable(ENTRY, table(2), 4, 2))).toMatchObject({ code: 'TRUNCATED' });
    expect(thrown(() => viewTable(ENTRY, table(2), 0, 2 ** 40))).toMatchObject({ code: 'TRUNCATED' });
  });
});

// ---------------------------------------------------------------------------
// Re-pointable views and tables: view.point, blankView, blankTable with
// table.point, bufferAccess, and the exported copyOut. A pointed view reads
// what a view made on the same bytes reads; pointing is checked like making
// a view, a failed point leaves the view where it was, and pointing at
// arrays seen before allocates nothing.

const ROW = defineLayout({ name: 'entry', format: 'memory', size: 8, fields: { a: u32(0), b: u32(4) } });

/** `n` structures of LE (or BE) at `at`, `tag` i + `seed`, other fields derived from it. */
function structs(n: number, seed: number, le = true, at = 0, total = at + n * 20): Uint8Array {
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < n; i++) {
    const o = at + i * 20;
    const t = (seed + i) & 0xff;
    dv.setUint8(o, t);
    dv.setUint16(o + 2, 0x1200 + t, le);
    dv.setUint32(o + 4, 0xdead0000 + t, le);
    dv.setBigUint64(o + 8, BigInt(t) << 40n, le);
    b.set([0x41, t, 0x43, 0], o + 16);
  }
  return b;
}

/** Every field of a view, by its getters. */
function read(v: ReturnType<typeof viewLayout<typeof FIELDS>>): unknown[] {
  return [v.tag, v.pad, v.kind, v.count, v.addr, v.addrBig, v.addrLo, v.addrHi, [...v.name], v.byteOffset];
}

describe('view.point', () => {
  it('reads what a view made on the same bytes reads, in either byte order, and returns the view', () => {
    for (const [layout, le] of [
      [LE, true],
      [BE, false],
    ] as const) {
      const a = structs(3, 1, le);
      const b = structs(2, 50, le, 7);
      const v = viewLayout(layout, a, 20);
      expect(v.point(b, 27)).toBe(v);
      expect(read(v)).toEqual(read(viewLayout(layout, b, 27)));
      expect(v.buffer).toBe(b);
      expect(v.decode()).toEqual(decodeLayout(layout, b, 27));
      // at() then moves within the new array.
      expect(v.at(7).tag).toBe(50);
      // Back to the first array, offset defaulting to 0.
      expect(v.point(a).tag).toBe(1);
      expect(v.byteOffset).toBe(0);
      expect(read(v.point(a, 40))).toEqual(read(viewLayout(layout, a, 40)));
    }
  });

  it('takes the bufferAccess of an array in place of the array', () => {
    const a = structs(2, 1);
    const b = structs(2, 9);
    const v = viewLayout(LE, a);
    v.point(bufferAccess(b), 20);
    expect(v.buffer).toBe(b);
    expect(read(v)).toEqual(read(viewLayout(LE, b, 20)));
    v.point(bufferAccess(b), 0);
    expect(v.tag).toBe(9);
  });

  it('keeps reads inside a subarray window it is pointed at', () => {
    const outer = new Uint8Array(100).fill(0xee);
    const window = outer.subarray(30, 70);
    window.fill(0);
    window.set(structs(1, 5), 20);
    const v = blankView(LE).point(window, 20);
    expect(v.tag).toBe(5);
    expect(v.name.byteOffset).toBe(outer.byteOffset + 50 + 16);
    expect(thrown(() => v.point(window, 21))).toMatchObject({ code: 'TRUNCATED', structure: 'test_struct', offset: 21 });
    expect(v.point(window, 0).kind).toBe(0);
  });

  it('throws as viewLayout throws, and stays where it was', () => {
    const a = structs(2, 1);
    const b = structs(1, 7);
    const v = viewLayout(LE, a, 20);
    for (const [offset, code] of [
      [1, 'TRUNCATED'],
      [21, 'OUT_OF_BOUNDS'],
      [-1, 'OUT_OF_BOUNDS'],
      [0.5, 'OUT_OF_BOUNDS'],
      [Number.NaN, 'OUT_OF_BOUNDS'],
    ] as const) {
      const e = thrown(() => v.point(b, offset));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toMatchObject({ code, structure: 'test_struct' });
      expect(e).toEqual(thrown(() => viewLayout(LE, b, offset)));
      expect(v.buffer).toBe(a);
      expect(v.byteOffset).toBe(20);
      expect(v.tag).toBe(2);
    }
    expect(thrown(() => v.point(new Uint8Array(19)))).toMatchObject({ code: 'TRUNCATED' });
  });

  it('names the LIMIT offset within the array it was pointed at', () => {
    const b = new Uint8Array(60);
    new DataView(b.buffer).setBigUint64(40 + 8, 1n << 60n, true);
    const v = viewLayout(LE, structs(1, 1)).point(b, 40);
    expect(thrown(() => v.addr)).toMatchObject({ code: 'LIMIT', field: 'addr', offset: 48 });
  });

  it('a view pointed where it is already stays there, and follows at() moves', () => {
    const a = structs(3, 1);
    const v = viewLayout(LE, a, 20);
    expect(v.point(a, 20).tag).toBe(2);
    v.at(40);
    expect(v.point(a, 20).tag).toBe(2);
    expect(v.byteOffset).toBe(20);
  });
});

describe('blankView', () => {
  it('reads zeros of its own until pointed', () => {
    const v = blankView(LE);
    expect(v.layout).toBe(LE);
    expect(v.buffer.length).toBe(LE.size);
    expect(read(v)).toEqual([0, 0, 0, 0, 0, 0n, 0, 0, [0, 0, 0, 0], 0]);
    const b = structs(1, 3);
    expect(v.point(b).decode()).toEqual(decodeLayout(LE, b));
  });
});

describe('blankTable and table.point', () => {
  const table = (n: number, seed: number, stride = 8, at = 0): Uint8Array => {
    const b = new Uint8Array(at + n * stride);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) {
      dv.setUint32(at + i * stride, seed + i, true);
      dv.setUint32(at + i * stride + 4, 100 + seed + i, true);
    }
    return b;
  };

  it('starts empty and walks each table it is pointed at as viewTable does', () => {
    const t = blankTable(ROW);
    expect(t.count).toBe(0);
    expect(t.stride).toBe(8);
    expect(t.decodeAll()).toEqual([]);
    expect(thrown(() => t.get(0))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'entry' });
    const a = table(3, 0);
    const b = table(5, 10, 8, 4);
    expect(t.point(a, 0, 3)).toBe(t);
    expect(t.count).toBe(3);
    const row = t.get(2);
    expect(row.a).toBe(2);
    expect(t.decodeAll()).toEqual(viewTable(ROW, a, 0, 3).decodeAll());
    t.point(bufferAccess(b), 4, 5);
    expect(t.get(0)).toBe(row);
    expect(t.get(4).b).toBe(114);
    expect(t.decodeAll()).toEqual(viewTable(ROW, b, 4, 5).decodeAll());
    expect(thrown(() => t.get(5))).toMatchObject({ code: 'OUT_OF_BOUNDS', offset: 4 });
    t.point(b, 12, 2);
    expect(t.get(0).a).toBe(11);
    t.point(a, 0, 0);
    expect(t.count).toBe(0);
    expect(() => t.get(0)).toThrow(/OUT_OF_BOUNDS/);
  });

  it('honours a stride larger than the entry (the last entry may end before its stride)', () => {
    const t = blankTable(ROW, 12);
    const b = table(3, 0, 12);
    t.point(b.subarray(0, 2 * 12 + 8), 0, 3);
    expect(t.get(2).b).toBe(102);
    expect(t.decodeAll().map((e) => e.a)).toEqual([0, 1, 2]);
    expect(thrown(() => blankTable(ROW, 4))).toMatchObject({ code: 'BAD_VALUE', structure: 'entry' });
  });

  it('throws what viewTable throws, and stays where it was', () => {
    const a = table(2, 0);
    const b = table(2, 7);
    const t = blankTable(ROW).point(a, 0, 2);
    for (const [offset, count] of [
      [0, -1],
      [0, 1.5],
      [0, 3],
      [4, 2],
      [0, 2 ** 40],
      [-8, 1],
      [0.5, 1],
      [17, 0],
    ] as const) {
      const e = thrown(() => t.point(b, offset, count));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toEqual(thrown(() => viewTable(ROW, b, offset, count)));
      expect(t.count).toBe(2);
      expect(t.get(1).a).toBe(1);
      expect(t.get(0).buffer).toBe(a);
    }
  });
});

describe('bufferAccess and copyOut', () => {
  it('gives one access per array and one DataView per ArrayBuffer', () => {
    const outer = new Uint8Array(64);
    const x = outer.subarray(8, 40);
    const y = outer.subarray(16);
    const ax = bufferAccess(x);
    expect(bufferAccess(x)).toBe(ax);
    expect(ax.bytes).toBe(x);
    expect(ax.base).toBe(8);
    expect(ax.dv.buffer).toBe(outer.buffer);
    expect(ax.dv.byteLength).toBe(64);
    expect(bufferAccess(y).dv).toBe(ax.dv);
    expect(bufferAccess(y).base).toBe(16);
  });

  it('copyOut gives the decoded object: bigints for 64-bit fields, copies of byte fields', () => {
    const b = structs(2, 4);
    const v = viewLayout(LE, b, 20);
    const out = copyOut(LE, v);
    expect(out).toEqual(decodeLayout(LE, b, 20));
    expect(out).toEqual(v.decode());
    expect(typeof out.addr).toBe('bigint');
    out.name[0] = 0;
    expect(b[36]).toBe(0x41);
  });
});
