import { describe, expect, it } from 'vitest';
import { BootprotoError, offsetsOf } from '../../src/core/index.js';
import {
  EFI_MEMORY_ATTRIBUTE_BITS,
  EFI_MEMORY_CPU_CRYPTO,
  EFI_MEMORY_DESCRIPTOR,
  EFI_MEMORY_HOT_PLUGGABLE,
  EFI_MEMORY_ISA_MASK,
  EFI_MEMORY_ISA_VALID,
  EFI_MEMORY_MORE_RELIABLE,
  EFI_MEMORY_NV,
  EFI_MEMORY_RO,
  EFI_MEMORY_RP,
  EFI_MEMORY_RUNTIME,
  EFI_MEMORY_SP,
  EFI_MEMORY_TYPES,
  EFI_MEMORY_UC,
  EFI_MEMORY_UCE,
  EFI_MEMORY_WB,
  EFI_MEMORY_WC,
  EFI_MEMORY_WP,
  EFI_MEMORY_WT,
  EFI_MEMORY_XP,
  EfiConventionalMemory,
  EfiPersistentMemory,
  EfiUnacceptedMemoryType,
  attributeHasBit,
  attributeNames,
  decodeMemoryDescriptor,
  decodeMemoryMap,
  encodeMemoryDescriptor,
  encodeMemoryMap,
  memoryTypeName,
  memoryTypeRange,
  viewMemoryMap,
} from '../../src/efi-memmap/index.js';
import { RAM_ATTR, RUNTIME, everyTypeMap, rawMap } from './helpers.js';

const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('EFI_MEMORY_DESCRIPTOR layout', () => {
  it('has the offsets of UefiSpec.h: Type 0, padding 4, PhysicalStart 8, VirtualStart 16, NumberOfPages 24, Attribute 32; 40 bytes', () => {
    expect(EFI_MEMORY_DESCRIPTOR.size).toBe(40);
    expect(offsetsOf(EFI_MEMORY_DESCRIPTOR)).toEqual({ type: 0, pad: 4, physicalStart: 8, virtualStart: 16, numberOfPages: 24, attribute: 32 });
  });

  it('names the types 0–15 as UEFI does, and the OEM and OS ranges', () => {
    expect(Object.keys(EFI_MEMORY_TYPES)).toHaveLength(16);
    expect(memoryTypeName(0)).toBe('EfiReservedMemoryType');
    expect(memoryTypeName(EfiConventionalMemory)).toBe('EfiConventionalMemory');
    expect(memoryTypeName(EfiPersistentMemory)).toBe('EfiPersistentMemory');
    expect(memoryTypeName(EfiUnacceptedMemoryType)).toBe('EfiUnacceptedMemoryType');
    expect(memoryTypeName(0x70000000)).toBe('OEM 0x70000000');
    expect(memoryTypeName(0x7fffffff)).toBe('OEM 0x7fffffff');
    expect(memoryTypeName(0x80000000)).toBe('OS 0x80000000');
    expect(memoryTypeName(0xffffffff)).toBe('OS 0xffffffff');
    expect(memoryTypeName(16)).toBe('invalid 0x10');
    expect([15, 16, 0x6fffffff, 0x70000000, 0x80000000].map(memoryTypeRange)).toEqual(['standard', 'invalid', 'invalid', 'oem', 'os']);
  });

  it('has every attribute value of UefiSpec.h', () => {
    expect([EFI_MEMORY_UC, EFI_MEMORY_WC, EFI_MEMORY_WT, EFI_MEMORY_WB, EFI_MEMORY_UCE]).toEqual([0x1n, 0x2n, 0x4n, 0x8n, 0x10n]);
    expect([EFI_MEMORY_WP, EFI_MEMORY_RP, EFI_MEMORY_XP, EFI_MEMORY_NV, EFI_MEMORY_MORE_RELIABLE, EFI_MEMORY_RO]).toEqual([
      0x1000n, 0x2000n, 0x4000n, 0x8000n, 0x10000n, 0x20000n,
    ]);
    expect([EFI_MEMORY_SP, EFI_MEMORY_CPU_CRYPTO, EFI_MEMORY_HOT_PLUGGABLE]).toEqual([0x40000n, 0x80000n, 0x100000n]);
    expect(EFI_MEMORY_RUNTIME).toBe(0x8000000000000000n);
    expect(EFI_MEMORY_ISA_VALID).toBe(0x4000000000000000n);
    expect(EFI_MEMORY_ISA_MASK).toBe(0x0ffff00000000000n);
    for (const [name, bit] of Object.entries(EFI_MEMORY_ATTRIBUTE_BITS)) expect(attributeNames(1n << BigInt(bit))).toEqual([name]);
    expect(attributeNames(RUNTIME | RAM_ATTR)).toEqual(['EFI_MEMORY_UC', 'EFI_MEMORY_WC', 'EFI_MEMORY_WT', 'EFI_MEMORY_WB', 'EFI_MEMORY_RUNTIME']);
    expect(attributeNames(EFI_MEMORY_ISA_VALID | (0x12n << 44n) | (1n << 30n))).toEqual(['bit 30', 'EFI_MEMORY_ISA_VALID', 'EFI_MEMORY_ISA_MASK(0x12)']);
    expect(attributeHasBit(0, 0x80000000, 63)).toBe(true);
    expect(attributeHasBit(8, 0, 3)).toBe(true);
    expect(attributeHasBit(8, 0, 2)).toBe(false);
  });
});

describe('decode and encode', () => {
  const raw = [
    { type: 7, start: 0x100000n, pages: 0x706n, attribute: RAM_ATTR },
    { type: 5, start: 0xf5ec000n, pages: 0x100n, attribute: RAM_ATTR | RUNTIME, virtualStart: 0xfffffffeeee00000n },
  ];

  it('decodes a hand-made 48-byte map and encodes it back to the same bytes', () => {
    const bytes = rawMap(raw, 48);
    const map = decodeMemoryMap(bytes, { descriptorSize: 48 });
    expect(map).toEqual({
      descriptorSize: 48,
      descriptorVersion: 1,
      descriptors: [
        { type: 7, pad: 0, physicalStart: 0x100000n, virtualStart: 0n, numberOfPages: 0x706n, attribute: 0xfn },
        { type: 5, pad: 0, physicalStart: 0xf5ec000n, virtualStart: 0xfffffffeeee00000n, numberOfPages: 0x100n, attribute: 0x800000000000000fn },
      ],
    });
    expect(encodeMemoryMap(map)).toEqual(bytes);
  });

  it('steps by DescriptorSize, never by 40, and keeps the extra bytes of each descriptor', () => {
    for (const size of [40, 44, 48, 56, 64, 4096]) {
      const withTail = raw.map((d, i) => (size > 40 ? { ...d, trailing: [0xa0 + i, 0, 0, 0xff].slice(0, size - 40) } : d));
      const bytes = rawMap(withTail, size);
      const map = decodeMemoryMap(bytes, { descriptorSize: size });
      expect(map.descriptors.map((d) => d.physicalStart)).toEqual([0x100000n, 0xf5ec000n]);
      if (size > 40) expect(map.descriptors[1]?.trailing?.[0]).toBe(0xa1);
      expect(encodeMemoryMap(map)).toEqual(bytes);
      const view = viewMemoryMap(bytes, { descriptorSize: size });
      expect(view.get(1).numberOfPages).toBe(0x100);
    }
  });

  it('leaves trailing out when the extra bytes are zero', () => {
    const map = decodeMemoryMap(rawMap(raw, 48), { descriptorSize: 48 });
    expect(map.descriptors[0]).not.toHaveProperty('trailing');
  });

  it('re-encodes a map at another descriptor size', () => {
    const map = decodeMemoryMap(rawMap(raw, 40), { descriptorSize: 40 });
    const wide = encodeMemoryMap({ ...map, descriptorSize: 48 });
    expect(wide).toEqual(rawMap(raw, 48));
  });

  it('counts floor(MemoryMapSize / DescriptorSize) descriptors and honours offset', () => {
    const bytes = new Uint8Array(8 + 96 + 20);
    bytes.set(rawMap(raw, 48), 8);
    const map = decodeMemoryMap(bytes, { descriptorSize: 48, offset: 8, mapSize: 96 + 20 });
    expect(map.descriptors).toHaveLength(2);
    expect(viewMemoryMap(bytes, { descriptorSize: 48, offset: 8, mapSize: 116 }).count).toBe(2);
  });

  it('throws BootprotoError for sizes below 40, zero, fractional, and for truncation; never loops', () => {
    const bytes = rawMap(raw, 48);
    for (const size of [0, 39, -48, 40.5, Number.NaN]) {
      const e = caught(() => decodeMemoryMap(bytes, { descriptorSize: size }));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toMatchObject({ code: 'BAD_VALUE', format: 'efi-memmap' });
    }
    expect(caught(() => decodeMemoryMap(bytes, { descriptorSize: 48, mapSize: 200 }))).toMatchObject({ code: 'TRUNCATED' });
    expect(caught(() => decodeMemoryMap(bytes, { descriptorSize: 48, offset: 500 }))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    expect(caught(() => decodeMemoryDescriptor(bytes, 60, 48))).toMatchObject({ code: 'TRUNCATED' });
  });

  it('rejects values that do not fit, naming the field', () => {
    const d = { type: 7, pad: 0, physicalStart: 1n << 64n, virtualStart: 0n, numberOfPages: 1n, attribute: 0n };
    expect(caught(() => encodeMemoryDescriptor(d))).toMatchObject({ code: 'BAD_VALUE', field: 'PhysicalStart' });
    expect(caught(() => encodeMemoryDescriptor({ ...d, physicalStart: 0n, trailing: new Uint8Array(9) }, undefined, 0, 48))).toMatchObject({
      code: 'BAD_VALUE',
      field: 'trailing',
    });
  });
});

describe('the view', () => {
  const bytes = rawMap(everyTypeMap(), 48);
  const view = viewMemoryMap(bytes, { descriptorSize: 48 });

  it('reads every field exactly, and bit 63 through the halves', () => {
    expect(view.count).toBe(18);
    const rt = view.get(5);
    expect(rt.type).toBe(5);
    expect(rt.physicalStart).toBe(0x100000 + 5 * 16 * 4096);
    expect(rt.numberOfPages).toBe(16);
    expect(rt.attributeLo).toBe(0xf);
    expect(rt.attributeHi).toBe(0x80000000);
    expect(rt.attributeBig).toBe(RAM_ATTR | RUNTIME);
    expect(attributeHasBit(rt.attributeLo, rt.attributeHi, 63)).toBe(true);
    expect(() => rt.attribute).toThrow(BootprotoError);
    expect(view.get(7).attribute).toBe(0xf);
  });

  it('finds the descriptor covering an address without allocating', () => {
    expect(view.find(0x100000)).toBe(0);
    expect(view.find(0x100000 + 16 * 4096 - 1)).toBe(0);
    expect(view.find(0x100000 + 16 * 4096)).toBe(1);
    expect(view.find(0xfffff)).toBe(-1);
    expect(view.find(0x100000 + 18 * 16 * 4096)).toBe(-1);
    expect(view.find(-1)).toBe(-1);
  });

  it('throws OUT_OF_BOUNDS outside the map', () => {
    expect(() => view.get(18)).toThrow(BootprotoError);
    expect(() => view.get(-1)).toThrow(/OUT_OF_BOUNDS/);
  });

  it('decodes to the same objects as decodeMemoryMap', () => {
    expect(view.decode()).toEqual(decodeMemoryMap(bytes, { descriptorSize: 48 }));
  });
});
