/** One corrupt map per validation rule (written byte by byte), and the rules' edges. */
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/core/index.js';
import { decodeMemoryMap, validateMemoryMap, type EfiMemoryMap } from '../../src/efi-memmap/index.js';
import { RAM_ATTR, everyTypeMap, rawMap, type RawDescriptor } from './helpers.js';

const good: RawDescriptor[] = [
  { type: 7, start: 0n, pages: 0xa0n, attribute: RAM_ATTR },
  { type: 7, start: 0x100000n, pages: 0x100n, attribute: RAM_ATTR },
  { type: 4, start: 0x200000n, pages: 0x10n, attribute: RAM_ATTR },
];
const codes = (ps: Problem[]): string[] => ps.map((p) => `${p.severity} ${p.code}`);
const check = (descriptors: RawDescriptor[], size = 48, extra: { descriptorVersion?: number; mapSize?: number } = {}): Problem[] =>
  validateMemoryMap(rawMap(descriptors, size), { descriptorSize: size, ...extra });

describe('validateMemoryMap', () => {
  it('finds nothing wrong with a good map, or with one descriptor of every type at any size', () => {
    expect(check(good)).toEqual([]);
    expect(check(everyTypeMap(), 40).filter((p) => p.severity !== 'info')).toEqual([]);
    expect(codes(check(everyTypeMap(), 40))).toEqual(['info OEM_TYPE', 'info OS_TYPE']);
  });

  it('version other than 1', () => {
    expect(check(good, 48, { descriptorVersion: 2 })).toMatchObject([{ severity: 'error', code: 'UNSUPPORTED_VERSION', format: 'efi-memmap' }]);
    expect(codes(check(good, 48, { descriptorVersion: 0 }))).toEqual(['error UNSUPPORTED_VERSION']);
  });

  it('descriptor size below 40 (and 0: no loop), or not a multiple of 8', () => {
    const bytes = rawMap(good, 48);
    for (const size of [0, 8, 39]) expect(codes(validateMemoryMap(bytes, { descriptorSize: size }))).toEqual(['error BAD_DESCRIPTOR_SIZE']);
    expect(codes(check(good, 44))).toEqual(['warning BAD_DESCRIPTOR_SIZE']);
    expect(codes(validateMemoryMap(bytes))).toEqual(['error BAD_DESCRIPTOR_SIZE']);
  });

  it('a map size that is not a whole number of descriptors, and a map larger than the bytes', () => {
    expect(codes(check(good, 48, { mapSize: 48 * 3 - 4 }))).toEqual(['warning MAP_SIZE_REMAINDER']);
    expect(codes(check(good, 48, { mapSize: 48 * 4 }))).toEqual(['error TRUNCATED']);
  });

  it('zero pages', () => {
    const ps = check([good[0] as RawDescriptor, { type: 7, start: 0x100000n, pages: 0n, attribute: RAM_ATTR }]);
    expect(ps).toMatchObject([{ severity: 'error', code: 'EMPTY_DESCRIPTOR', field: 'NumberOfPages', offset: 48 + 24 }]);
  });

  it('a range that overflows 64 bits (but one that ends exactly at 2^64 is fine)', () => {
    const top = (1n << 64n) - 0x1000n;
    expect(check([{ type: 0, start: top, pages: 1n }])).toEqual([]);
    expect(check([{ type: 0, start: top, pages: 2n }])).toMatchObject([{ severity: 'error', code: 'RANGE_OVERFLOW', field: 'NumberOfPages', offset: 24 }]);
    expect(codes(check([{ type: 7, start: 0n, pages: 1n << 60n }]))).toEqual(['error RANGE_OVERFLOW']);
  });

  it('starts not 4 KiB aligned (physical: error; a virtual start that is set: warning)', () => {
    expect(check([{ type: 7, start: 0x100800n, pages: 1n }])).toMatchObject([{ severity: 'error', code: 'NOT_PAGE_ALIGNED', field: 'PhysicalStart', offset: 8 }]);
    expect(check([{ type: 5, start: 0x100000n, pages: 1n, virtualStart: 0xffff800000000010n }])).toMatchObject([
      { severity: 'warning', code: 'NOT_PAGE_ALIGNED', field: 'VirtualStart', offset: 16 },
    ]);
  });

  it('unsorted order', () => {
    const ps = check([good[1] as RawDescriptor, good[0] as RawDescriptor, good[2] as RawDescriptor]);
    expect(ps).toMatchObject([{ severity: 'warning', code: 'MEMMAP_UNSORTED', offset: 48 + 8 }]);
  });

  it('overlaps, each reported once against the range it runs into', () => {
    const ps = check([
      { type: 7, start: 0x100000n, pages: 0x100n },
      { type: 4, start: 0x180000n, pages: 0x10n },
      { type: 3, start: 0x1ff000n, pages: 0x2n },
      { type: 3, start: 0x300000n, pages: 0x1n },
    ]);
    expect(ps).toMatchObject([
      { severity: 'error', code: 'MEMMAP_OVERLAP', offset: 48 + 8 },
      { severity: 'error', code: 'MEMMAP_OVERLAP', offset: 96 + 8 },
    ]);
    expect(ps[0]?.message).toMatch(/descriptor 1 .* overlaps descriptor 0/);
    expect(codes(check([good[1] as RawDescriptor, good[1] as RawDescriptor]))).toEqual(['error MEMMAP_OVERLAP']);
  });

  it('types in the invalid range, undefined attribute bits, non-zero padding', () => {
    expect(check([{ type: 16, start: 0n, pages: 1n }])).toMatchObject([{ severity: 'warning', code: 'UNKNOWN_TYPE', field: 'Type' }]);
    expect(check([{ type: 0x6fffffff, start: 0n, pages: 1n }])).toMatchObject([{ code: 'UNKNOWN_TYPE' }]);
    expect(check([{ type: 7, start: 0n, pages: 1n, attribute: RAM_ATTR | (1n << 40n) }])).toMatchObject([
      { severity: 'warning', code: 'UNKNOWN_ATTRIBUTE', field: 'Attribute', offset: 32 },
    ]);
    expect(check([{ type: 7, start: 0n, pages: 1n, pad: 0xcccccccc }])).toMatchObject([{ severity: 'info', code: 'PAD_NONZERO', offset: 4 }]);
  });

  it('validates decoded maps the same way, and never throws on nonsense', () => {
    const map = decodeMemoryMap(rawMap(good), { descriptorSize: 48 });
    expect(validateMemoryMap(map)).toEqual([]);
    const broken = { descriptorSize: 48, descriptorVersion: 1, descriptors: [{ type: 7 }] } as unknown as EfiMemoryMap;
    expect(() => validateMemoryMap(broken)).not.toThrow();
    expect(validateMemoryMap(broken)[0]?.severity).toBe('error');
    expect(codes(validateMemoryMap({ ...map, descriptorSize: 12 }))).toEqual(['error BAD_DESCRIPTOR_SIZE']);
    const wide = { ...map, descriptors: map.descriptors.map((d, i) => (i === 1 ? { ...d, trailing: new Uint8Array(9) } : d)) };
    expect(validateMemoryMap(wide)).toMatchObject([{ severity: 'error', code: 'BAD_VALUE', field: 'trailing', offset: 48 + 40 }]);
    expect(() => validateMemoryMap(new Uint8Array(10), { descriptorSize: 48, offset: 99 })).not.toThrow();
  });
});
