/**
 * EFI → Multiboot 2 memory map against GRUB itself
 * (test/fixtures/efi-memmap/grub-efi-mb2-q35-256M.serial.txt): Debian 12's
 * GRUB 2.06 for UEFI booted a Multiboot 2 kernel under OVMF and handed it
 * both its Multiboot 2 memory map and the EFI memory map; the first must be
 * toMultiboot2Mmap of the second. Then GRUB's rules on hand-made maps.
 */
import { readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import {
  GRUB_MEMORY_CODE,
  GRUB_MEMORY_PERSISTENT,
  MULTIBOOT_MEMORY_ACPI_RECLAIMABLE,
  MULTIBOOT_MEMORY_AVAILABLE,
  MULTIBOOT_MEMORY_BADRAM,
  MULTIBOOT_MEMORY_NVS,
  MULTIBOOT_MEMORY_RESERVED,
  decodeMemoryMap,
  grubTypeOf,
  toMultiboot2Mmap,
  validateMemoryMap,
} from '../../src/efi-memmap/index.js';
import { parseGrubMemoryTags } from '../tools/efi-memmap-app/mb2-dump.js';
import { rawMap, type RawDescriptor } from './helpers.js';

const tags = parseGrubMemoryTags(readText('test/fixtures/efi-memmap/grub-efi-mb2-q35-256M.serial.txt', 'latin1'));
const mapOf = (raw: RawDescriptor[]) => decodeMemoryMap(rawMap(raw), { descriptorSize: 48 });

describe('GRUB 2.06 on OVMF', () => {
  const map = decodeMemoryMap(tags.efi.bytes, { descriptorSize: tags.efi.descriptorSize, descriptorVersion: tags.efi.descriptorVersion });

  it('handed over a valid EFI map of 48-byte descriptors', () => {
    expect(tags.efi.descriptorSize).toBe(48);
    expect(tags.efi.descriptorVersion).toBe(1);
    expect(map.descriptors.length).toBeGreaterThan(100);
    expect(validateMemoryMap(map)).toEqual([]);
  });

  it('made its Multiboot 2 memory map exactly as toMultiboot2Mmap does (runtime code as type 20)', () => {
    expect(toMultiboot2Mmap(map)).toEqual(tags.mmap);
    expect(tags.mmap.some((e) => e.type === GRUB_MEMORY_CODE)).toBe(true);
  });
});

describe("GRUB's rules (grub_efi_mmap_iterate, grub_mmap_iterate)", () => {
  it('names every EFI type as grub_efi_mmap_iterate does', () => {
    const expected = [2, 1, 1, 1, 1, 20, 2, 1, 5, 3, 4, 2, 2, 2, 7, 2];
    expect(Array.from({ length: 16 }, (_, t) => grubTypeOf(t))).toEqual(expected);
    expect([MULTIBOOT_MEMORY_AVAILABLE, MULTIBOOT_MEMORY_RESERVED, MULTIBOOT_MEMORY_ACPI_RECLAIMABLE, MULTIBOOT_MEMORY_NVS, MULTIBOOT_MEMORY_BADRAM]).toEqual([1, 2, 3, 4, 5]);
    expect(GRUB_MEMORY_PERSISTENT).toBe(7);
    expect(grubTypeOf(3, { avoidBootServices: true })).toBe(GRUB_MEMORY_CODE);
    expect(grubTypeOf(4, { avoidBootServices: true })).toBe(MULTIBOOT_MEMORY_RESERVED);
    expect(grubTypeOf(0x80000001)).toBe(MULTIBOOT_MEMORY_RESERVED);
  });

  it('sorts, joins touching ranges of one type, and leaves holes', () => {
    expect(
      toMultiboot2Mmap(
        mapOf([
          { type: 7, start: 0x200000n, pages: 0x10n },
          { type: 4, start: 0x100000n, pages: 0x100n },
          { type: 7, start: 0x210000n, pages: 0x10n },
          { type: 9, start: 0x300000n, pages: 1n },
          { type: 0, start: 0x400000n, pages: 0n },
        ]),
      ),
    ).toEqual([
      { addr: 0x100000n, len: 0x120000n, type: 1 },
      { addr: 0x300000n, len: 0x1000n, type: 3 },
    ]);
  });

  it('lets the range that started first win an overlap, then the most recently started one', () => {
    // A: available [0x100000, 0x200000); B: reserved [0x180000, 0x280000); C: ACPI [0x190000, 0x1a0000)
    expect(
      toMultiboot2Mmap(
        mapOf([
          { type: 7, start: 0x100000n, pages: 0x100n },
          { type: 0, start: 0x180000n, pages: 0x100n },
          { type: 9, start: 0x190000n, pages: 0x10n },
        ]),
      ),
    ).toEqual([
      { addr: 0x100000n, len: 0x100000n, type: 1 },
      { addr: 0x200000n, len: 0x80000n, type: 2 },
    ]);
  });

  it('returns nothing for an empty map', () => {
    expect(toMultiboot2Mmap({ descriptors: [] })).toEqual([]);
  });
});
