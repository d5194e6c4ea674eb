import { describe, expect, it } from 'vitest';
import {
  EFI_MEMORY_HOT_PLUGGABLE,
  EFI_MEMORY_ISA_VALID,
  decodeMemoryMap,
  linuxCleanMemoryMap,
  linuxDescriptorValid,
  linuxEfiLog,
  linuxMemmapLine,
  linuxMemmapLines,
  linuxTypeAttr,
  memoryMapTotals,
  mergeMemoryMap,
  sortMemoryMap,
} from '../../src/efi-memmap/index.js';
import { RAM_ATTR, RUNTIME, everyTypeMap, rawMap } from './helpers.js';

const mapOf = (raw: Parameters<typeof rawMap>[0]) => decodeMemoryMap(rawMap(raw), { descriptorSize: 48 });
const d = (type: number, attribute: bigint) => ({ type, attribute });

describe("Linux's boot-log text", () => {
  // Expected strings written from the C format of efi_md_typeattr_format:
  // "[%-12s" then "|%3s|%2s|%2s|%2s|%2s|%2s|%2s|%2s|%2s|%2s|%3s|%2s|%2s|%2s|%2s]"
  // (RUN HP MR CC SP NV XP RP WP RO UCE WB WT WC UC), or "|attr=0x%016llx]".
  it('pads the type to 12 columns and right-aligns each attribute column', () => {
    expect(linuxTypeAttr(d(7, 0xfn))).toBe('[Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC]');
    expect(linuxTypeAttr(d(11, RUNTIME | 1n))).toBe('[MMIO        |RUN|  |  |  |  |  |  |  |  |  |   |  |  |  |UC]');
    expect(linuxTypeAttr(d(0, 0n))).toBe('[Reserved    |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ]');
    const all = (1n << 63n) | 0x1ff01fn;
    expect(linuxTypeAttr(d(14, all))).toBe('[Persistent  |RUN|HP|MR|CC|SP|NV|XP|RP|WP|RO|UCE|WB|WT|WC|UC]');
    expect(linuxTypeAttr(d(15, 0n))).toBe('[Unaccepted  |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ]');
  });

  it('names every standard type as Linux does, and prints others as type=N without padding', () => {
    const names = Array.from({ length: 16 }, (_, t) => linuxTypeAttr(d(t, 0n)).slice(1, 13));
    expect(names).toEqual([
      'Reserved    ', 'Loader Code ', 'Loader Data ', 'Boot Code   ', 'Boot Data   ', 'Runtime Code', 'Runtime Data', 'Conventional',
      'Unusable    ', 'ACPI Reclaim', 'ACPI Mem NVS', 'MMIO        ', 'MMIO Port   ', 'PAL Code    ', 'Persistent  ', 'Unaccepted  ',
    ]);
    expect(linuxTypeAttr(d(16, 8n))).toBe('[type=16|   |  |  |  |  |  |  |  |  |  |   |WB|  |  |  ]');
    expect(linuxTypeAttr(d(0x80000005, 0n))).toMatch(/^\[type=2147483653\|/);
  });

  it('prints attr=0x… with 16 digits when a bit it has no column for is set', () => {
    expect(linuxTypeAttr(d(7, EFI_MEMORY_ISA_VALID | 0xfn))).toBe('[Conventional|attr=0x400000000000000f]');
    expect(linuxTypeAttr(d(7, 1n << 5n))).toBe('[Conventional|attr=0x0000000000000020]');
  });

  it('follows Linux 6.1 without Unaccepted and HP when asked', () => {
    const old = { unaccepted: false, hotPluggable: false };
    expect(linuxTypeAttr(d(15, 0xfn), old)).toBe('[type=15|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC]');
    expect(linuxTypeAttr(d(7, RUNTIME | 0xfn), old)).toBe('[Conventional|RUN|  |  |  |  |  |  |  |  |   |WB|WT|WC|UC]');
    expect(linuxTypeAttr(d(7, EFI_MEMORY_HOT_PLUGGABLE), old)).toBe('[Conventional|attr=0x0000000000100000]');
  });

  it('prints the range end inclusive and the size in whole MiB, numbering from mem00', () => {
    const line = linuxMemmapLine({ type: 7, attribute: 0xfn, physicalStart: 0x100000n, numberOfPages: 0x800n }, 3);
    expect(line).toBe('efi: mem03: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x00000000008fffff] (8MB)');
    expect(linuxMemmapLine({ type: 0, attribute: 0n, physicalStart: 0n, numberOfPages: 0n }, 123, { prefix: '' })).toBe(
      'mem123: [Reserved    |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ] range=[0x0000000000000000-0xffffffffffffffff] (0MB)',
    );
    expect(linuxMemmapLines(mapOf(everyTypeMap()))).toHaveLength(18);
  });
});

describe('sort, merge, totals', () => {
  const raw = [
    { type: 7, start: 0x300000n, pages: 0x10n, attribute: RAM_ATTR },
    { type: 7, start: 0x100000n, pages: 0x100n, attribute: RAM_ATTR },
    { type: 7, start: 0x200000n, pages: 0x100n, attribute: RAM_ATTR },
    { type: 7, start: 0x310000n, pages: 0x10n, attribute: RAM_ATTR | RUNTIME },
    { type: 4, start: 0x320000n, pages: 0x10n, attribute: RAM_ATTR },
  ];

  it('sorts by PhysicalStart without touching the input', () => {
    const map = mapOf(raw);
    const sorted = sortMemoryMap(map);
    expect(sorted.descriptors.map((x) => x.physicalStart)).toEqual([0x100000n, 0x200000n, 0x300000n, 0x310000n, 0x320000n]);
    expect(map.descriptors[0]?.physicalStart).toBe(0x300000n);
  });

  it('merges only consecutive neighbours of the same type and attribute', () => {
    const merged = mergeMemoryMap(sortMemoryMap(mapOf(raw)));
    expect(merged.descriptors.map((x) => [x.physicalStart, x.numberOfPages])).toEqual([
      [0x100000n, 0x210n],
      [0x310000n, 0x10n],
      [0x320000n, 0x10n],
    ]);
    expect(mergeMemoryMap(mapOf(raw)).descriptors).toHaveLength(4);
  });

  it('totals pages and bytes by type', () => {
    const t = memoryMapTotals(mapOf(raw));
    expect(t.byType).toEqual([
      { type: 4, name: 'EfiBootServicesData', descriptors: 1, pages: 0x10n, bytes: 0x10000n },
      { type: 7, name: 'EfiConventionalMemory', descriptors: 4, pages: 0x220n, bytes: 0x220000n },
    ]);
    expect(t.pages).toBe(0x230n);
    expect(t.bytes).toBe(0x230000n);
  });
});

describe("Linux's clean-up of invalid descriptors (efi_clean_memmap)", () => {
  // Expected text computed by hand from efi_memmap_entry_valid(): end is
  // (num_pages << 12) + phys_addr - 1 in u64; end_hi is the top 12 bits of
  // num_pages, plus 1 when phys_addr has bit 63 and end has not.
  const map = mapOf([
    { type: 7, start: 0x0n, pages: 0xa0n, attribute: RAM_ATTR },
    { type: 7, start: 0x100000n, pages: 0n, attribute: RAM_ATTR },
    { type: 0, start: 0xfffffffffff00000n, pages: 0x200n },
    { type: 11, start: 0n, pages: 1n << 60n, attribute: RUNTIME | 1n },
    { type: 4, start: 0x100000n, pages: 0x100n, attribute: RAM_ATTR },
    { type: 0, start: 0xfffffffffff00000n, pages: 0xffn },
    { type: 0, start: 0xfffffffffff00000n, pages: 0x100n },
  ]);

  it('drops what the kernel drops, warns as it does, and renumbers the rest', () => {
    expect(linuxEfiLog(map)).toEqual([
      'efi: [Firmware Bug]: Invalid EFI memory map entries:',
      'efi: mem01: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x0000000000000000] (invalid)',
      'efi: mem02: [Reserved    |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ] range=[0xfffffffffff00000-0x100000000000fffff] (invalid)',
      'efi: mem03: [MMIO        |RUN|  |  |  |  |  |  |  |  |  |   |  |  |  |UC] range=[0x0000000000000000-0x100ffffffffffffffff] (invalid)',
      'efi: mem06: [Reserved    |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ] range=[0xfffffffffff00000-0xffffffffffffffff] (invalid)',
      'efi: Removing 4 invalid memory map entries.',
      'efi: mem00: [Conventional|   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x000000000009ffff] (0MB)',
      'efi: mem01: [Boot Data   |   |  |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x00000000001fffff] (1MB)',
      'efi: mem02: [Reserved    |   |  |  |  |  |  |  |  |  |  |   |  |  |  |  ] range=[0xfffffffffff00000-0xffffffffffffefff] (0MB)',
    ]);
    expect(linuxCleanMemoryMap(map).descriptors).toHaveLength(3);
    // Stricter than UEFI: the kernel also drops a range that ends exactly at 2^64
    // (its last page would start at 0xfffffffffffff000, which the specification allows).
    expect(linuxDescriptorValid({ physicalStart: (1n << 64n) - 0x1000n, numberOfPages: 1n })).toBe(false);
    expect(linuxDescriptorValid({ physicalStart: (1n << 64n) - 0x2000n, numberOfPages: 1n })).toBe(true);
  });

  it('prints a valid map exactly as linuxMemmapLines', () => {
    const good = mapOf(everyTypeMap());
    expect(linuxEfiLog(good, { unaccepted: false })).toEqual(linuxMemmapLines(good, { unaccepted: false }));
  });
});
