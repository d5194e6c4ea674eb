/**
 * The OVMF fixtures (see test/fixtures/efi-memmap/README.md): the memory map
 * Debian's OVMF handed our UEFI application under QEMU 7.2, `q35` with
 * 256 MiB and `pc` with 128 MiB, captured raw over the serial port.
 */
import { readBytes, readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import {
  EFI_MEMORY_WB,
  E820_TYPE_ACPI,
  E820_TYPE_NVS,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  EfiConventionalMemory,
  EfiLoaderCode,
  EfiMemoryMappedIO,
  EfiReservedMemoryType,
  decodeMemoryMap,
  descriptorEnd,
  e820Total,
  encodeMemoryMap,
  findMemoryDescriptor,
  linuxMemmapLines,
  memoryMapTotals,
  mergeMemoryMap,
  sortMemoryMap,
  toE820,
  toPvhMemmap,
  validateMemoryMap,
  viewMemoryMap,
  type EfiMemoryMap,
} from '../../src/efi-memmap/index.js';
import { XEN_HVM_MEMMAP_TYPE_RAM } from '../../src/pvh/index.js';
import { parseEfiMemmapDump, type EfiMemmapDump } from '../tools/efi-memmap-app/dump.js';

const load = (name: string): EfiMemmapDump =>
  parseEfiMemmapDump(readText(`test/fixtures/efi-memmap/${name}`));

const MIB = 1n << 20n;
/** The legacy VGA/BIOS hole 0xa0000–0xfffff, which no descriptor covers. */
const LEGACY_HOLE = 0x60000n;

/** Bytes of the descriptors that lie inside [0, limit). */
function bytesBelow(map: EfiMemoryMap, limit: bigint): bigint {
  let total = 0n;
  for (const d of map.descriptors) if (descriptorEnd(d) <= limit) total += d.numberOfPages * 4096n;
  return total;
}

/** Bytes of the descriptors with EFI_MEMORY_WB: the memory-backed ones (MMIO and the MMCONFIG window are UC only). */
function writeBackBytes(map: EfiMemoryMap): bigint {
  let total = 0n;
  for (const d of map.descriptors) if ((d.attribute & EFI_MEMORY_WB) !== 0n) total += d.numberOfPages * 4096n;
  return total;
}

const CASES = [
  { file: 'ovmf-q35-256M.serial.txt', mem: 256n * MIB, count: 120, e820: 16, sorted: true },
  { file: 'ovmf-pc-128M.serial.txt', mem: 128n * MIB, count: 117, e820: 15, sorted: true },
  { file: 'ovmf-q35-3G.serial.txt', mem: 3072n * MIB, count: 122, e820: 17, sorted: false },
] as const;

describe('ovmf-q35-256M.memmap.bin', () => {
  it('holds the raw bytes of the q35 256M dump', () => {
    const bin = readBytes('test/fixtures/efi-memmap/ovmf-q35-256M.memmap.bin');
    expect(bin).toEqual(load('ovmf-q35-256M.serial.txt').bytes);
    expect(validateMemoryMap(bin, { descriptorSize: 48 })).toEqual([]);
  });
});

describe.each(CASES)('$file', ({ file, mem, count, e820, sorted }) => {
  const dump = load(file);
  const where = { descriptorSize: dump.descriptorSize, descriptorVersion: dump.descriptorVersion, mapSize: dump.mapSize };
  const map = decodeMemoryMap(dump.bytes, where);

  it('is a version 1 map of 48-byte descriptors, which the library reads whole', () => {
    expect(dump.descriptorSize).toBe(48);
    expect(dump.descriptorVersion).toBe(1);
    expect(dump.mapSize % 48).toBe(0);
    expect(map.descriptors).toHaveLength(count);
    expect(viewMemoryMap(dump.bytes, where).count).toBe(count);
  });

  it('encodes back to the bytes the firmware wrote', () => {
    expect(encodeMemoryMap(map)).toEqual(dump.bytes);
  });

  it('passes validation (the 3G map is left unsorted by OVMF: RAM above 4 GiB comes before the MMCONFIG window)', () => {
    const expected = sorted ? [] : [{ severity: 'warning', code: 'MEMMAP_UNSORTED', offset: 120 * 48 + 8 }];
    expect(validateMemoryMap(dump.bytes, where)).toMatchObject(expected);
    expect(validateMemoryMap(map)).toMatchObject(expected);
    expect(validateMemoryMap(sortMemoryMap(map))).toEqual([]);
  });

  it('describes all of -m except the legacy hole, as write-back memory', () => {
    expect(writeBackBytes(map)).toBe(mem - LEGACY_HOLE);
    if (mem <= 256n * MIB) expect(bytesBelow(map, mem)).toBe(mem - LEGACY_HOLE);
    const above = map.descriptors.filter((d) => descriptorEnd(d) > mem && d.physicalStart < 1n << 32n);
    expect(above.every((d) => d.type === EfiReservedMemoryType || d.type === EfiMemoryMappedIO)).toBe(true);
    const totals = memoryMapTotals(map);
    expect(totals.byType.reduce((a, t) => a + t.descriptors, 0)).toBe(count);
    expect(totals.bytes).toBe(totals.byType.reduce((a, t) => a + t.bytes, 0n));
    expect(totals.byType.find((t) => t.type === EfiLoaderCode)?.descriptors).toBe(1);
  });

  it('merging the sorted map only joins neighbours of equal type and attributes', () => {
    if (sorted) expect(sortMemoryMap(map)).toEqual(map);
    const merged = mergeMemoryMap(sortMemoryMap(map));
    expect(merged.descriptors.length).toBeLessThanOrEqual(count);
    expect(memoryMapTotals(merged).byType).toEqual(memoryMapTotals(map).byType.map((t) => ({ ...t, descriptors: expect.any(Number) })));
    for (let i = 1; i < merged.descriptors.length; i++) {
      const a = merged.descriptors[i - 1];
      const b = merged.descriptors[i];
      if (a === undefined || b === undefined) continue;
      expect(a.type === b.type && a.attribute === b.attribute && descriptorEnd(a) === b.physicalStart).toBe(false);
    }
  });

  it('finds the descriptor holding an address (the view agrees)', () => {
    const view = viewMemoryMap(dump.bytes, where);
    for (const address of [0, 0x9ffff, 0xa0000, 0x100000, 0x7fffff, Number(mem) - 1, 0xffffffff]) {
      expect(view.find(address)).toBe(findMemoryDescriptor(map, address));
    }
    expect(map.descriptors[findMemoryDescriptor(map, 0x1000)]?.type).toBe(EfiConventionalMemory);
    expect(findMemoryDescriptor(map, 0xa0000)).toBe(-1);
  });

  it('converts to e820 as the EFI stub would: RAM equals the RAM-like descriptors, all in the zero page', () => {
    const { entries, extended } = toE820(map);
    expect(entries).toHaveLength(e820);
    expect(extended).toEqual([]);
    const t = memoryMapTotals(map);
    const of = (...types: number[]): bigint => t.byType.filter((x) => types.includes(x.type)).reduce((a, x) => a + x.bytes, 0n);
    expect(e820Total(entries, E820_TYPE_RAM)).toBe(of(1, 2, 3, 4, 7));
    expect(e820Total(entries, E820_TYPE_RESERVED)).toBe(of(0, 5, 6, 11, 12, 13));
    expect(e820Total(entries, E820_TYPE_ACPI)).toBe(of(9));
    expect(e820Total(entries, E820_TYPE_NVS)).toBe(of(10));
    expect(entries[0]).toEqual({ addr: 0n, size: 0xa0000n, type: E820_TYPE_RAM });
    const pvh = toPvhMemmap(map);
    expect(e820Total(pvh, XEN_HVM_MEMMAP_TYPE_RAM)).toBe(of(1, 2, 3, 4, 7));
  });

  it('prints the boot-log lines Linux would', () => {
    const lines = linuxMemmapLines(map);
    expect(lines).toHaveLength(count);
    expect(lines[0]).toBe('efi: mem00: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x000000000009ffff] (0MB)');
    expect(lines[1]).toBe('efi: mem01: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x0000000000805fff] (7MB)');
    if (sorted) expect(lines[count - 1]).toBe('efi: mem' + String(count - 1) + ': [MMIO        |RUN|  |  |  |  |  |  |  |  |  |   |  |  |  |UC] range=[0x00000000ffc00000-0x00000000ffffffff] (4MB)');
  });
});
