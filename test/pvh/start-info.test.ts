import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory } from '../../src/core/index.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  HVM_START_INFO,
  HVM_START_INFO_V0,
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_MEMMAP_TYPE_RESERVED,
  XEN_HVM_START_MAGIC_VALUE,
  buildHandoff,
  decodeHandoff,
  decodeStartInfo,
  encodeStartInfo,
  validateHandoff,
  validateStartInfo,
  viewMemmap,
} from '../../src/pvh/index.js';

/** A start_info written by hand, byte by byte, from the header's offset table. */
function handMade(version: number): Uint8Array {
  const b = new Uint8Array(version === 0 ? 40 : 56);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x336ec578, true);
  dv.setUint32(4, version, true);
  dv.setUint32(8, 3, true);
  dv.setUint32(12, 1, true);
  dv.setBigUint64(16, 0x1000n, true);
  dv.setBigUint64(24, 0x2000n, true);
  dv.setBigUint64(32, 0xf5a40n, true);
  if (version !== 0) {
    dv.setBigUint64(40, 0x3000n, true);
    dv.setUint32(48, 5, true);
  }
  return b;
}

describe('hvm_start_info layout', () => {
  it('has the sizes of start_info.h', () => {
    expect(HVM_START_INFO_V0.size).toBe(40);
    expect(HVM_START_INFO.size).toBe(56);
    expect(HVM_MODLIST_ENTRY.size).toBe(32);
    expect(HVM_MEMMAP_TABLE_ENTRY.size).toBe(24);
    expect(XEN_HVM_START_MAGIC_VALUE).toBe(0x336ec578);
  });

  it('decodes version 1 and encodes it back to the same bytes', () => {
    const bytes = handMade(1);
    const info = decodeStartInfo(bytes);
    expect(info).toEqual({
      magic: 0x336ec578, version: 1, flags: 3, nrModules: 1, modlistPaddr: 0x1000n, cmdlinePaddr: 0x2000n,
      rsdpPaddr: 0xf5a40n, memmapPaddr: 0x3000n, memmapEntries: 5, reserved: 0,
    });
    expect(encodeStartInfo(info)).toEqual(bytes);
  });

  it('decodes version 0 as 40 bytes without the memmap fields', () => {
    const bytes = handMade(0);
    const info = decodeStartInfo(bytes);
    expect(info.memmapPaddr).toBeUndefined();
    expect(encodeStartInfo(info)).toEqual(bytes);
  });

  it('throws BootprotoError naming the field on a bad magic, and on truncation', () => {
    const bytes = handMade(1);
    bytes[0] = 0;
    const e = (() => { try { decodeStartInfo(bytes); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(BootprotoError);
    expect(e).toMatchObject({ code: 'BAD_MAGIC', format: 'pvh', structure: 'hvm_start_info', field: 'magic', offset: 0 });
    expect(() => decodeStartInfo(handMade(1).subarray(0, 50))).toThrow(/TRUNCATED/);
  });

  it('warns on a newer version and reads it as 1', () => {
    const bytes = handMade(1);
    bytes[4] = 2;
    expect(decodeStartInfo(bytes).memmapEntries).toBe(5);
    expect(validateStartInfo(bytes)).toMatchObject([{ severity: 'warning', code: 'VERSION_NEWER', field: 'version', offset: 4 }]);
  });
});

describe('handoff builder and decoder', () => {
  const spec = {
    cmdline: 'console=ttyS0 root=/dev/vda',
    modules: [{ paddr: 0x400000n, cmdline: 'initrd', data: new Uint8Array([1, 2, 3, 4]) }],
    memmap: [
      { addr: 0n, size: 0x9fc00n, type: XEN_HVM_MEMMAP_TYPE_RAM },
      { addr: 0x100000n, size: 0x7f00000n, type: XEN_HVM_MEMMAP_TYPE_RAM },
      { addr: 0xfeffc000n, size: 0x4000n, type: XEN_HVM_MEMMAP_TYPE_RESERVED },
    ],
    rsdpPaddr: 0xf5a40n,
  };

  it('lays out a handoff and reads it back', () => {
    const memory = createPhysicalMemory([], { growable: true });
    const built = buildHandoff(memory, spec, { startInfo: 0x6000n });
    expect(built.startInfoPaddr).toBe(0x6000n);
    const h = decodeHandoff(memory, 0x6000n);
    expect(h.cmdline).toBe(spec.cmdline);
    expect(h.modules).toHaveLength(1);
    expect(h.modules[0]).toMatchObject({ paddr: 0x400000n, size: 4n, cmdline: 'initrd' });
    expect(h.memmap.map(({ addr, size, type }) => ({ addr, size, type }))).toEqual(spec.memmap);
    expect(h.rsdpPaddr).toBe(0xf5a40n);
    expect(validateHandoff(memory, 0x6000n, { checkModuleData: true })).toEqual([]);
  });

  it('walks the memmap through one view', () => {
    const memory = createPhysicalMemory([], { growable: true });
    buildHandoff(memory, spec, { startInfo: 0x6000n });
    const h = decodeHandoff(memory, 0x6000n);
    const table = memory.read(h.startInfo.memmapPaddr ?? 0n, 3 * 24);
    const t = viewMemmap(table, 0, 3);
    let ram = 0;
    for (let i = 0; i < t.count; i++) {
      const e = t.get(i);
      if (e.type === XEN_HVM_MEMMAP_TYPE_RAM) ram += e.size;
    }
    expect(ram).toBe(0x9fc00 + 0x7f00000);
  });

  it('reports overlapping structures, memmap overlaps and unterminated strings, all of them', () => {
    const memory = createPhysicalMemory([], { growable: true });
    buildHandoff(memory, {
      ...spec,
      modules: [...spec.modules, { paddr: 0x6020n, size: 0x100n }],
      memmap: [...spec.memmap, { addr: 0x200000n, size: 0x1000n, type: 9 }],
    }, { startInfo: 0x6000n });
    const codes = validateHandoff(memory, 0x6000n).map((p) => p.code).sort();
    expect(codes).toEqual(expect.arrayContaining(['MEMMAP_OVERLAP', 'MEMMAP_UNSORTED', 'OVERLAP', 'UNKNOWN_TYPE']));
  });
});

describe('a count without its list', () => {
  it('is an error for the decoder as for the validator, even when address 0 is backed', () => {
    const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x10000) }]);
    const info = decodeStartInfo(handMade(1));
    encodeStartInfo({ ...info, modlistPaddr: 0n, cmdlinePaddr: 0n, rsdpPaddr: 0n, memmapPaddr: 0x3000n, memmapEntries: 0 }, memory.read(0x6000, 56));
    expect(() => decodeHandoff(memory, 0x6000)).toThrow(expect.objectContaining({ code: 'BAD_VALUE', field: 'modlist_paddr', paddr: 0x6010n }));
    expect(validateHandoff(memory, 0x6000).map((p) => p.code)).toContain('MISSING_ADDRESS');
    encodeStartInfo({ ...info, nrModules: 0, cmdlinePaddr: 0n, rsdpPaddr: 0n, memmapPaddr: 0n, memmapEntries: 2 }, memory.read(0x6000, 56));
    expect(() => decodeHandoff(memory, 0x6000)).toThrow(expect.objectContaining({ code: 'BAD_VALUE', field: 'memmap_paddr' }));
  });
});

describe('addresses that are not addresses', () => {
  it('give BootprotoError BAD_VALUE from decoders and a problem from the validator', () => {
    const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x100) }]);
    for (const bad of [1.5, -1, Number.NaN, -1n, 1n << 64n]) {
      expect(() => decodeHandoff(memory, bad)).toThrow(expect.objectContaining({ code: 'BAD_VALUE', structure: 'hvm_start_info' }));
      expect(validateHandoff(memory, bad).map((p) => p.code)).toEqual(['BAD_VALUE']);
      expect(() => memory.read(bad, 1)).toThrow(BootprotoError);
    }
  });
});

describe('buildHandoff placement', () => {
  it('refuses pieces that overlap and writes nothing', () => {
    const memory = createPhysicalMemory([], { growable: true });
    expect(() => buildHandoff(memory, { cmdline: 'x', modules: [{ paddr: 0x6000n, data: new Uint8Array(8) }] }, { startInfo: 0x6000n }))
      .toThrow(expect.objectContaining({ code: 'BAD_VALUE' }));
    expect(memory.regions()).toEqual([]);
  });
});
