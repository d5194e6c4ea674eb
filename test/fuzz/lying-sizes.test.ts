/**
 * A size or count field that lies must not make a decoder allocate what it
 * claims: each real input below gets one such field set to a huge value
 * (totalsize, total_size, a tag's size, nr_modules, memmap_entries,
 * mods_count, mmap_length, a setup_data len, NumberOfSections,
 * NumberOfRvaAndSizes, an EFI map's size), is run through its fuzz target
 * (only BootprotoError, validators total) and the heap plus array buffers
 * must grow by less than 8 MiB — far below the gigabytes the field claims.
 */
import { describe, expect, it } from 'vitest';
import { checkOne } from './harness.js';
import { fixture, linuxDumps, makeContainer, mb1Dumps, mb2Dumps, pvhDumps, withMapHeader } from './seeds.js';
import { targetByName } from './targets.js';

const gc = (globalThis as { gc?: () => void }).gc;

function patched(bytes: Uint8Array, at: number, value: number, littleEndian: boolean): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, littleEndian);
  return out;
}

type Region = { label: string; paddr: bigint; bytes: Uint8Array };
function patchRegion(root: number | bigint, regions: Region[], label: string, at: number, value: number): Uint8Array {
  return makeContainer(
    root,
    regions.map((r) => (r.label === label ? { ...r, bytes: patched(r.bytes, at, value, true) } : r)),
  );
}

const HUGE = 0xfffffff0;
const pe = fixture('pecoff/app64.efi');
const peOffset = new DataView(pe.buffer).getUint32(0x3c, true);
const pvhDump = pvhDumps()[0]!;
const mb1Dump = mb1Dumps()[0]!;
const mb2Dump = mb2Dumps()[0]!;
const linuxDump = linuxDumps()[0]!;

const CASES: [string, string, () => Uint8Array][] = [
  ['FDT totalsize', 'fdt/tree', () => patched(fixture('fdt/features.dtb'), 4, HUGE, false)],
  ['FDT size_dt_struct', 'fdt/blob', () => patched(fixture('fdt/features.dtb'), 36, HUGE, false)],
  ['FDT size_dt_strings', 'fdt/openFdt', () => patched(fixture('fdt/features.dtb'), 32, HUGE, false)],
  ['Multiboot 2 total_size', 'multiboot/mb2Info', () => patched(mb2Dump.regions.find((r) => r.label === 'info')!.bytes, 0, HUGE, true)],
  ['Multiboot 2 first tag size', 'multiboot/mb2Info', () => patched(mb2Dump.regions.find((r) => r.label === 'info')!.bytes, 12, HUGE, true)],
  ['Multiboot 2 total_size in memory', 'multiboot/mb2Handoff', () => patchRegion(mb2Dump.ebx, mb2Dump.regions, 'info', 0, HUGE)],
  ['PVH nr_modules', 'pvh/handoff', () => patchRegion(pvhDump.ebx, pvhDump.regions, 'start_info', 12, HUGE)],
  ['PVH memmap_entries', 'pvh/handoff', () => patchRegion(pvhDump.ebx, pvhDump.regions, 'start_info', 48, HUGE)],
  ['Multiboot 1 mods_count', 'multiboot/mb1Handoff', () => patchRegion(mb1Dump.ebx, mb1Dump.regions, 'info', 20, HUGE)],
  ['Multiboot 1 mmap_length', 'multiboot/mb1Handoff', () => patchRegion(mb1Dump.ebx, mb1Dump.regions, 'info', 44, HUGE)],
  ['Linux setup_data len', 'linux-bootparams/zeroPageInMemory', () => patchRegion(linuxDump.root, linuxDump.regions, 'setup_data0', 12, HUGE)],
  ['PE NumberOfSections', 'pecoff/headers', () => patched(pe, peOffset + 4, 0xffff0000 | new DataView(pe.buffer).getUint16(peOffset + 4, true), true)],
  ['PE NumberOfRvaAndSizes', 'pecoff/directories', () => patched(pe, peOffset + 24 + 108, HUGE, true)],
  ['EFI map descriptor size', 'efi-memmap/map', () => withMapHeader(HUGE, 1, fixture('efi-memmap/ovmf-q35-256M.memmap.bin'))],
];

describe('lying size and count fields allocate nothing near what they claim', () => {
  for (const [what, name, make] of CASES) {
    it(`${what} = 0x${HUGE.toString(16)} (${name})`, () => {
      const input = make();
      const target = targetByName(name);
      // Warm up (the first call compiles and caches), then measure.
      checkOne(target, input, { seed: 0 });
      gc?.();
      const before = process.memoryUsage();
      const message = checkOne(target, input, { seed: 0, maxMs: 2000 });
      const after = process.memoryUsage();
      expect(message).toBeUndefined();
      const growth = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
      expect(growth).toBeLessThan(8 * 1024 * 1024);
    });
  }
});
