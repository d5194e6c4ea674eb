import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, type MemoryRegion } from '../../src/core/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const seq = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('PhysicalMemory', () => {
  // [0x1000, 0x1010) and [0x1010, 0x1020) are adjacent; [0x2000, 0x2008) stands alone.
  const regions = (): MemoryRegion[] => [
    { paddr: 0x2000n, bytes: seq(8, 0x80), label: 'high' },
    { paddr: 0x1010n, bytes: seq(16, 0x10) },
    { paddr: 0x1000n, bytes: seq(16, 0x00) },
  ];

  it('sorts the regions and reads inside one of them as a subarray (no copy)', () => {
    const rs = regions();
    const m = createPhysicalMemory(rs);
    expect(m.regions().map((r) => r.paddr)).toEqual([0x1000n, 0x1010n, 0x2000n]);
    const r = m.read(0x2002n, 4);
    expect([...r]).toEqual([0x82, 0x83, 0x84, 0x85]);
    expect(r.buffer).toBe((rs[0] as MemoryRegion).bytes.buffer);
    expect(m.read(0x2000, 8)).toEqual(seq(8, 0x80)); // number addresses too
  });

  it('reads across adjacent regions by copying', () => {
    const m = createPhysicalMemory(regions());
    const r = m.read(0x1008n, 16);
    expect([...r]).toEqual([...seq(16, 0x08)]);
    r[0] = 0xff;
    expect(m.read(0x1008n, 1)[0]).toBe(0x08);
    expect(m.read(0x1000n, 32)).toEqual(seq(32));
  });

  it('throws UNMAPPED with the address and the caller context for gaps and unbacked bytes', () => {
    const m = createPhysicalMemory(regions());
    for (const [paddr, length] of [
      [0xfffn, 2], // starts before the first region
      [0x1018n, 16], // runs past the end of the adjacent pair
      [0x1020n, 1], // in the gap
      [0x2004n, 8], // runs past the last region
      [0x3000n, 1],
    ] as const) {
      const e = thrown(() => m.read(paddr, length, { format: 'pvh', structure: 'hvm_start_info', field: 'cmdline_paddr' }));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toMatchObject({ code: 'UNMAPPED', format: 'pvh', structure: 'hvm_start_info', field: 'cmdline_paddr', paddr });
      expect((e as Error).message).toContain(`paddr 0x${paddr.toString(16)}`);
    }
    expect(thrown(() => m.read(0x3000n, 1))).toMatchObject({ format: 'memory', structure: 'physical memory' });
    expect(thrown(() => m.read(0x1000n, -1))).toMatchObject({ code: 'UNMAPPED' });
    expect(thrown(() => m.read(0x1000n, 1.5))).toMatchObject({ code: 'UNMAPPED' });
  });

  it('reads zero bytes anywhere', () => {
    const m = createPhysicalMemory(regions());
    expect(m.read(0x5000n, 0).length).toBe(0);
    expect(m.read(0x1000n, 0).length).toBe(0);
  });

  it('available() counts contiguous backed bytes up to a bound', () => {
    const m = createPhysicalMemory(regions());
    expect(m.available(0x1000n, 100)).toBe(32);
    expect(m.available(0x1008n, 100)).toBe(24);
    expect(m.available(0x1008n, 10)).toBe(10);
    expect(m.available(0x101fn, 100)).toBe(1);
    expect(m.available(0x1020n, 100)).toBe(0);
    expect(m.available(0x2000n, 100)).toBe(8);
    expect(m.available(0xfffn, 100)).toBe(0);
    expect(m.available(0x1000n, 0)).toBe(0);
    expect(createPhysicalMemory().available(0n, 10)).toBe(0);
  });

  it('rejects overlapping regions', () => {
    const e = thrown(() =>
      createPhysicalMemory([
        { paddr: 0x1000n, bytes: new Uint8Array(16) },
        { paddr: 0x100fn, bytes: new Uint8Array(4) },
      ]),
    );
    expect(e).toMatchObject({ code: 'BAD_VALUE', format: 'memory', paddr: 0x100fn });
    expect(() => createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(8) }, { paddr: 0n, bytes: new Uint8Array(8) }])).toThrow(
      BootprotoError,
    );
  });

  it('writes in place, also across adjacent regions; a fixed memory refuses unbacked writes', () => {
    const rs = regions();
    const m = createPhysicalMemory(rs);
    m.write(0x100en, new Uint8Array([0xa0, 0xa1, 0xa2, 0xa3]));
    expect([...m.read(0x100cn, 8)]).toEqual([0x0c, 0x0d, 0xa0, 0xa1, 0xa2, 0xa3, 0x12, 0x13]);
    expect((rs[2] as MemoryRegion).bytes[15]).toBe(0xa1); // the caller's region bytes changed
    expect(thrown(() => m.write(0x101en, new Uint8Array(4)))).toMatchObject({ code: 'UNMAPPED', paddr: 0x101en });
    expect(thrown(() => m.write(0x4000n, new Uint8Array(1)))).toMatchObject({ code: 'UNMAPPED' });
    expect(m.regions()).toHaveLength(3);
  });

  it('a growable memory adds a region (a copy) for a write outside every region, and refuses a straddling one', () => {
    const m = createPhysicalMemory([], { growable: true });
    const data = seq(8, 0x40);
    m.write(0x5000n, data, { format: 'pvh', structure: 'hvm_start_info' });
    data[0] = 0;
    expect(m.read(0x5000n, 8)).toEqual(seq(8, 0x40));
    expect(m.regions()[0]).toMatchObject({ paddr: 0x5000n, label: 'hvm_start_info' });
    m.write(0x4000n, seq(4), { format: 'pvh', structure: 'hvm_modlist_entry', field: 'cmdline_paddr' });
    m.write(0x5008n, seq(8, 0x48)); // adjacent above
    expect(m.regions().map((r) => [r.paddr, r.label])).toEqual([
      [0x4000n, 'hvm_modlist_entry.cmdline_paddr'],
      [0x5000n, 'hvm_start_info'],
      [0x5008n, undefined],
    ]);
    expect(m.read(0x5000n, 16)).toEqual(seq(16, 0x40)); // across the adjacent pair
    m.write(0x5004n, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])); // inside existing regions: in place
    expect(m.regions()).toHaveLength(3);
    expect([...m.read(0x5002n, 12)]).toEqual([0x42, 0x43, 1, 2, 3, 4, 5, 6, 7, 8, 0x4c, 0x4d]);
    const e = thrown(() => m.write(0x3ffen, new Uint8Array(4)));
    expect(e).toMatchObject({ code: 'BAD_VALUE', paddr: 0x3ffen });
    expect(() => m.write(0x500cn, new Uint8Array(8))).toThrow(/straddles/);
    expect(m.regions()).toHaveLength(3);
  });

  it('handles addresses above 2^53 and near 2^64 exactly', () => {
    const top = (1n << 64n) - 16n;
    const m = createPhysicalMemory([{ paddr: top, bytes: seq(16) }, { paddr: (1n << 53n) + 1n, bytes: seq(2) }]);
    expect(m.read(top + 15n, 1)[0]).toBe(15);
    expect(m.read((1n << 53n) + 2n, 1)[0]).toBe(1);
    expect(() => m.read(1n << 53n, 1)).toThrow(/UNMAPPED/);
    expect(m.available(top, 100)).toBe(16);
  });
});
