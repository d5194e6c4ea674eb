/**
 * Round trips between the three memory maps — e820 (the zero page), the PVH
 * memmap (through a built handoff and bootParamsFromPvh) and the EFI memory
 * map (efi-memmap's fromE820/fromPvhMemmap, toE820/toPvhMemmap) — keep every
 * byte of RAM and every reserved, ACPI, NVS and unusable range, on random
 * maps (up to 300 ranges, so SETUP_E820_EXT is exercised too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { fromE820, fromPvhMemmap, toE820, toPvhMemmap } from '../../src/efi-memmap/index.js';
import { bootParamsFromPvh, decodeBootParams, decodeE820Entry, type BootE820Entry } from '../../src/linux-bootparams/index.js';
import { buildHandoff, decodeHandoff, type HvmMemmapTableEntry } from '../../src/pvh/index.js';

type Range = [bigint, bigint];
interface Entry {
  addr: bigint;
  size: bigint;
  type: number;
}

/** The bytes of `type`, as merged [start, end) ranges. */
function covered(entries: readonly Entry[], type: number): Range[] {
  const r = entries
    .filter((e) => e.type === type && e.size > 0n)
    .map((e): Range => [e.addr, e.addr + e.size])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Range[] = [];
  for (const x of r) {
    const last = out[out.length - 1];
    if (last !== undefined && x[0] <= last[1]) last[1] = x[1] > last[1] ? x[1] : last[1];
    else out.push([x[0], x[1]]);
  }
  return out;
}

const TYPES = [1, 2, 3, 4, 5];
const sameBytes = (a: readonly Entry[], b: readonly Entry[]): void => {
  for (const t of TYPES) expect(covered(b, t)).toEqual(covered(a, t));
};

/** Random e820 maps: sorted, page-aligned, not overlapping, gaps allowed, above 2 MiB. */
const maps = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 4 }), pages: fc.integer({ min: 1, max: 512 }), type: fc.constantFrom(...TYPES) }), { minLength: 1, maxLength: 300 })
  .map((xs) => {
    let at = 0x200000n;
    return xs.map((x): Entry => {
      at += BigInt(x.gap) * 0x1000n;
      const e = { addr: at, size: BigInt(x.pages) * 0x1000n, type: x.type };
      at += e.size;
      return e;
    });
  });

/** e820 → PVH memmap in a start_info → decodeHandoff → bootParamsFromPvh → the e820 (table and SETUP_E820_EXT), hole dropped. */
function throughPvh(e820: readonly Entry[]): BootE820Entry[] {
  const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x4000) }]);
  const { startInfoPaddr } = buildHandoff(memory, { memmap: e820 }, { startInfo: 0x100n });
  const built = bootParamsFromPvh(decodeHandoff(memory, startInfoPaddr), { e820ExtPaddr: 0x10000n });
  expect(built.problems).toEqual([]);
  const bp = decodeBootParams(built.zeroPage);
  const node = built.chunks.find((c) => c.paddr === 0x10000n);
  const ext = node === undefined ? [] : Array.from({ length: (node.bytes.length - 16) / 20 }, (_, i) => decodeE820Entry(node.bytes, 16 + i * 20));
  const all = [...bp.e820Table, ...ext];
  expect(all[all.length - 1]).toEqual({ addr: 0xa0000n, size: 0x60000n, type: 2 });
  return all.slice(0, -1);
}

describe('memory map round trips keep every byte of RAM and every reserved range', () => {
  it('e820 → PVH memmap → zero page (SETUP_E820_EXT beyond 128) → e820', () => {
    fc.assert(
      fc.property(maps, (e820) => {
        const back = throughPvh(e820);
        expect(back).toEqual(e820);
      }),
      { numRuns: 60 },
    );
  });

  it('e820 → EFI map → PVH memmap (Xen\'s rules) and → e820 (the EFI stub\'s rules)', () => {
    fc.assert(
      fc.property(maps, (e820) => {
        const efi = fromE820(e820);
        const pvh: HvmMemmapTableEntry[] = toPvhMemmap(efi);
        sameBytes(e820, pvh);
        const c = toE820(efi);
        sameBytes(e820, [...c.entries, ...c.extended]);
      }),
      { numRuns: 100 },
    );
  });

  it('the whole circle: e820 → PVH → zero page → EFI map → PVH memmap → EFI map → e820', () => {
    fc.assert(
      fc.property(maps, (e820) => {
        const zp = throughPvh(e820);
        const pvh = toPvhMemmap(fromE820(zp));
        const c = toE820(fromPvhMemmap(pvh));
        sameBytes(e820, [...c.entries, ...c.extended]);
      }),
      { numRuns: 60 },
    );
  });
});
