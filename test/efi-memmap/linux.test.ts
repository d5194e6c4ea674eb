/**
 * Against Linux itself (test/fixtures/efi-memmap/linux-6.1-ovmf-q35-256M.serial.txt):
 * Debian's Linux 6.1.192 booted by OVMF with efi=debug printed its EFI
 * memory map and the e820 table its EFI stub made of it. Each descriptor is
 * rebuilt from its printed line; the library must print the very same line
 * and convert the map to the very same e820 table.
 */
import { readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { linuxMemmapLine, memoryMapTotals, sortMemoryMap, toE820, validateMemoryMap, type EfiMemoryMap } from '../../src/efi-memmap/index.js';
import { parseLinuxEfiLog } from '../tools/efi-memmap-app/linux-log.js';

const log = parseLinuxEfiLog(readText('test/fixtures/efi-memmap/linux-6.1-ovmf-q35-256M.serial.txt', 'latin1'));

/** Debian 6.1.192: the HP column (backported), no `Unaccepted` name (checked in its vmlinuz). */
const DEBIAN_6_1 = { unaccepted: false, hotPluggable: true };

const map: EfiMemoryMap = {
  descriptorSize: 48,
  descriptorVersion: 1,
  descriptors: log.mem.map((l) => ({
    type: l.type,
    pad: 0,
    physicalStart: l.start,
    virtualStart: 0n,
    numberOfPages: (l.end + 1n - l.start) >> 12n,
    attribute: l.attribute,
  })),
};

describe("Linux 6.1's own log", () => {
  it('holds the boot-time map and the e820 table', () => {
    expect(log.mem.length).toBeGreaterThan(100);
    expect(log.e820.length).toBeGreaterThan(10);
    expect(validateMemoryMap(map)).toEqual([]);
  });

  it('every efi: memNN line is printed byte for byte the same', () => {
    for (const l of log.mem) expect(linuxMemmapLine(map.descriptors[l.index] as EfiMemoryMap['descriptors'][number], l.index, DEBIAN_6_1)).toBe(l.text);
  });

  it("toE820 of that map is the stub's e820 table", () => {
    const { entries, extended } = toE820(map);
    expect(extended).toEqual([]);
    expect(entries).toEqual(log.e820);
    expect(toE820(sortMemoryMap(map)).entries).toEqual(log.e820);
  });

  it('the log lists 256 MiB less the legacy hole as memory-backed', () => {
    const t = memoryMapTotals(map);
    const mmio = t.byType.filter((x) => x.type === 11).reduce((a, x) => a + x.bytes, 0n);
    expect(t.bytes - mmio - 0x10000000n).toBe(256n * 1024n * 1024n - 0x60000n);
  });
});
