/**
 * Property tests (fast-check, seeded): the codecs are bijective at every
 * descriptor size, the view agrees with the decoder, the conversions keep
 * their invariants, and no input (random bytes, random shapes, or a mutated
 * OVMF map) makes a decoder throw anything but BootprotoError, or a
 * validator or operation throw at all.
 *
 * Change the seed with BOOTPROTO_FC_SEED=<n>.
 */
import { readText, testEnv } from '../helpers/files.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError, decodeLayout } from '../../src/core/index.js';
import {
  EFI_MEMORY_DESCRIPTOR,
  decodeMemoryMap,
  descriptorEnd,
  e820TypeOf,
  encodeMemoryMap,
  findMemoryDescriptor,
  fromE820,
  linuxEfiLog,
  linuxMemmapLines,
  memoryMapTotals,
  mergeMemoryMap,
  sortMemoryMap,
  toE820,
  toMultiboot2Mmap,
  toPvhMemmap,
  validateMemoryMap,
  viewMemoryMap,
  type EfiMemoryDescriptor,
  type EfiMemoryMap,
} from '../../src/efi-memmap/index.js';
import { parseEfiMemmapDump } from '../tools/efi-memmap-app/dump.js';

const SEED = Number(testEnv('BOOTPROTO_FC_SEED') ?? 0x5eedb007);
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

const U64_MAX = (1n << 64n) - 1n;
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
const type = fc.oneof(fc.integer({ min: 0, max: 17 }), u32);

/** A descriptor size and descriptors whose trailing bytes fit it (zero tails left out, as the decoder does). */
const mapArb: fc.Arbitrary<EfiMemoryMap> = fc
  .integer({ min: 40, max: 96 })
  .chain((descriptorSize) =>
    fc.record({
      descriptorSize: fc.constant(descriptorSize),
      descriptorVersion: fc.constant(1),
      descriptors: fc.array(
        fc
          .record({
            type,
            pad: u32,
            physicalStart: fc.oneof(u64, fc.bigInt({ min: 0n, max: 1n << 40n }).map((x) => x << 12n)),
            virtualStart: u64,
            numberOfPages: fc.oneof(u64, fc.bigInt({ min: 0n, max: 1n << 20n })),
            attribute: u64,
            tail: fc.uint8Array({ minLength: descriptorSize - 40, maxLength: descriptorSize - 40 }),
          })
          .map(({ tail, ...d }): EfiMemoryDescriptor => (tail.some((b) => b !== 0) ? { ...d, trailing: tail } : d)),
        { maxLength: 40 },
      ),
    }),
  );

const ovmf = parseEfiMemmapDump(readText('test/fixtures/efi-memmap/ovmf-q35-256M.serial.txt'));

/** Runs `fn`; passes when it returns or throws a BootprotoError. */
function onlyBootprotoErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
}

/** Everything a caller might do with bytes and a shape. */
function exercise(bytes: Uint8Array, where: { descriptorSize: number; descriptorVersion?: number; offset?: number; mapSize?: number }): void {
  expect(() => validateMemoryMap(bytes, where)).not.toThrow();
  onlyBootprotoErrors(() => {
    const map = decodeMemoryMap(bytes, where);
    expect(() => validateMemoryMap(map)).not.toThrow();
    toE820(map);
    toPvhMemmap(map);
    toMultiboot2Mmap(map);
    linuxMemmapLines(map);
    linuxEfiLog(map, { unaccepted: false });
    mergeMemoryMap(sortMemoryMap(map));
    memoryMapTotals(map);
    findMemoryDescriptor(map, 0x100000);
    encodeMemoryMap(map);
  });
  onlyBootprotoErrors(() => {
    const view = viewMemoryMap(bytes, where);
    view.find(0x100000);
    for (let i = 0; i < view.count; i++) {
      const d = view.get(i);
      void (d.type + d.physicalStartLo + d.physicalStartHi + d.attributeHi + d.numberOfPagesLo);
      onlyBootprotoErrors(() => d.physicalStart + d.numberOfPages + d.attribute);
    }
  });
}

describe('codecs', () => {
  it('decode(encode(map)) is the map, and encode(decode(bytes)) the bytes, at any descriptor size', () => {
    fc.assert(
      fc.property(mapArb, (map) => {
        const bytes = encodeMemoryMap(map);
        expect(bytes.length).toBe(map.descriptorSize * map.descriptors.length);
        const back = decodeMemoryMap(bytes, { descriptorSize: map.descriptorSize });
        expect(back).toEqual(map);
        expect(encodeMemoryMap(back)).toEqual(bytes);
        expect(viewMemoryMap(bytes, { descriptorSize: map.descriptorSize }).decode()).toEqual(map);
        // The fast decoder gives what the layout's typed-binary decoder gives.
        back.descriptors.forEach(({ trailing: _t, ...d }, i) => expect(decodeLayout(EFI_MEMORY_DESCRIPTOR, bytes, i * map.descriptorSize)).toEqual(d));
      }),
      params(300),
    );
  });

  it('any bytes at any size of at least 40 decode and encode back to themselves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 80 }), fc.integer({ min: 0, max: 6 }), fc.integer(), (size, n, seed) => {
        const bytes = new Uint8Array(size * n).map((_, i) => (Math.imul(seed ^ i, 0x9e3779b1) >>> 13) & 0xff);
        expect(encodeMemoryMap(decodeMemoryMap(bytes, { descriptorSize: size }))).toEqual(bytes);
      }),
      params(200),
    );
  });

  it('the view reads what the decoder reads, and finds what findMemoryDescriptor finds', () => {
    fc.assert(
      fc.property(mapArb, fc.array(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { maxLength: 8 }), (map, addresses) => {
        const bytes = encodeMemoryMap(map);
        const view = viewMemoryMap(bytes, { descriptorSize: map.descriptorSize });
        map.descriptors.forEach((d, i) => {
          const v = view.get(i);
          expect(v.type).toBe(d.type);
          expect(v.physicalStartBig).toBe(d.physicalStart);
          expect(BigInt(v.attributeHi) * 2n ** 32n + BigInt(v.attributeLo)).toBe(d.attribute);
          expect(BigInt(v.numberOfPagesHi) * 2n ** 32n + BigInt(v.numberOfPagesLo)).toBe(d.numberOfPages);
        });
        const starts = map.descriptors.filter((d) => d.physicalStart < 1n << 53n).map((d) => Number(d.physicalStart));
        for (const a of [...addresses, ...starts]) expect(view.find(a)).toBe(findMemoryDescriptor(map, a));
      }),
      params(200),
    );
  });
});

describe('operations and conversions', () => {
  it('sort orders, merge keeps every byte, totals add up', () => {
    fc.assert(
      fc.property(mapArb, (map) => {
        const sorted = sortMemoryMap(map);
        expect(validateMemoryMap(sorted).some((p) => p.code === 'MEMMAP_UNSORTED')).toBe(false);
        const merged = mergeMemoryMap(sorted);
        expect(memoryMapTotals(merged).pages).toBe(memoryMapTotals(map).pages);
        expect(merged.descriptors.length).toBeLessThanOrEqual(map.descriptors.length);
      }),
      params(200),
    );
  });

  it('toE820 keeps every byte it maps (mod 2^64) and fills the zero page first', () => {
    fc.assert(
      fc.property(mapArb, fc.boolean(), fc.boolean(), (map, softReserve, unacceptedMemory) => {
        const options = { softReserve, unacceptedMemory };
        const { entries, extended } = toE820(map, options);
        expect(entries.length).toBeLessThanOrEqual(128);
        if (extended.length > 0) expect(entries).toHaveLength(128);
        let mapped = 0n;
        for (const d of map.descriptors) if (e820TypeOf(d, options) !== undefined) mapped += (d.numberOfPages << 12n) & U64_MAX;
        const total = [...entries, ...extended].reduce((a, e) => a + e.size, 0n);
        expect(total & U64_MAX).toBe(mapped & U64_MAX);
        for (const e of [...entries, ...extended]) expect(e.size).toBeLessThanOrEqual(U64_MAX);
      }),
      params(300),
    );
  });

  it('fromE820 then toE820 gives back page-aligned tables whose neighbours differ in type or do not touch', () => {
    const TYPES = [1, 2, 3, 4, 5, 7, 0xefffffff];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.constantFrom(...TYPES)), { maxLength: 30 }),
        (parts) => {
          const entries: { addr: bigint; size: bigint; type: number }[] = [];
          let at = 0n;
          for (const [gap, pages, t] of parts) {
            const addr = at + BigInt(gap) * 4096n;
            const prev = entries.at(-1);
            if (prev !== undefined && prev.type === t && prev.addr + prev.size === addr) continue;
            entries.push({ addr, size: BigInt(pages) * 4096n, type: t });
            at = addr + BigInt(pages) * 4096n;
          }
          const efi = fromE820(entries);
          expect(validateMemoryMap(efi).filter((p) => p.severity === 'error')).toEqual([]);
          expect(toE820(efi).entries).toEqual(entries.slice(0, 128));
        },
      ),
      params(300),
    );
  });

  it('the OVMF map, sorted and merged, still describes the same memory', () => {
    const map = decodeMemoryMap(ovmf.bytes, { descriptorSize: ovmf.descriptorSize, mapSize: ovmf.mapSize });
    const merged = mergeMemoryMap(sortMemoryMap(map));
    for (let a = 0n; a < 0x10000000n; a += 0x7000n) {
      const i = findMemoryDescriptor(map, a);
      const j = findMemoryDescriptor(merged, a);
      expect(i === -1).toBe(j === -1);
      if (i >= 0) expect(merged.descriptors[j]?.type).toBe(map.descriptors[i]?.type);
    }
    expect(merged.descriptors.every((d) => descriptorEnd(d) > d.physicalStart)).toBe(true);
  });
});

describe('bad input', () => {
  it('random bytes with random shapes: only BootprotoError escapes, validators never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.oneof(fc.integer({ min: -8, max: 200 }), fc.constantFrom(0, 39, 40, 48, Number.NaN, Infinity, 1e300, 2 ** 53)),
        fc.option(fc.integer({ min: -4, max: 700 })),
        fc.option(fc.integer({ min: -4, max: 700 })),
        u32,
        (bytes, descriptorSize, offset, mapSize, descriptorVersion) => {
          const where: { descriptorSize: number; descriptorVersion: number; offset?: number; mapSize?: number } = { descriptorSize, descriptorVersion };
          if (offset !== null) where.offset = offset;
          if (mapSize !== null) where.mapSize = mapSize;
          exercise(bytes, where);
        },
      ),
      params(1500),
    );
  });

  it('the OVMF map with bytes flipped, cut short or given a wrong size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(ovmf.bytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.nat(ovmf.bytes.length),
        fc.constantFrom(40, 44, 48, 56, 0, 24),
        (flips, cut, size) => {
          const bytes = ovmf.bytes.slice(0, cut);
          for (const [at, b] of flips) if (at < bytes.length) bytes[at] = b;
          exercise(bytes, { descriptorSize: size });
          exercise(bytes, { descriptorSize: size, mapSize: ovmf.mapSize });
        },
      ),
      params(400),
    );
  });
});
