/**
 * The conversions against the rules of the code they follow, on hand-made
 * maps that hold every type: Linux's setup_e820() (x86-stub.c) and Xen's
 * efi_arch_process_memory_map() (efi-boot.h). The expected tables are
 * written here from those switch statements.
 */
import { describe, expect, it } from 'vitest';
import {
  E820_MAX_ENTRIES_ZEROPAGE,
  E820_TYPE_ACPI,
  E820_TYPE_NVS,
  E820_TYPE_PMEM,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  E820_TYPE_SOFT_RESERVED,
  E820_TYPE_UNUSABLE,
  EFI_MEMORY_SP,
  decodeMemoryMap,
  e820TypeOf,
  fromE820,
  fromPvhMemmap,
  toE820,
  toPvhMemmap,
  validateMemoryMap,
  type E820Entry,
} from '../../src/efi-memmap/index.js';
import {
  XEN_HVM_MEMMAP_TYPE_ACPI,
  XEN_HVM_MEMMAP_TYPE_NVS,
  XEN_HVM_MEMMAP_TYPE_PMEM,
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_MEMMAP_TYPE_RESERVED,
  XEN_HVM_MEMMAP_TYPE_UNUSABLE,
} from '../../src/pvh/index.js';
import { RAM_ATTR, everyTypeMap, rawMap, type RawDescriptor } from './helpers.js';

const mapOf = (raw: RawDescriptor[]) => decodeMemoryMap(rawMap(raw), { descriptorSize: 48 });

/** setup_e820()'s switch, type by type (undefined: `default: continue`). */
const STUB: Record<number, number | undefined> = {
  0: E820_TYPE_RESERVED, // EFI_RESERVED_TYPE
  1: E820_TYPE_RAM, // EFI_LOADER_CODE
  2: E820_TYPE_RAM, // EFI_LOADER_DATA
  3: E820_TYPE_RAM, // EFI_BOOT_SERVICES_CODE
  4: E820_TYPE_RAM, // EFI_BOOT_SERVICES_DATA
  5: E820_TYPE_RESERVED, // EFI_RUNTIME_SERVICES_CODE
  6: E820_TYPE_RESERVED, // EFI_RUNTIME_SERVICES_DATA
  7: E820_TYPE_RAM, // EFI_CONVENTIONAL_MEMORY
  8: E820_TYPE_UNUSABLE, // EFI_UNUSABLE_MEMORY
  9: E820_TYPE_ACPI, // EFI_ACPI_RECLAIM_MEMORY
  10: E820_TYPE_NVS, // EFI_ACPI_MEMORY_NVS
  11: E820_TYPE_RESERVED, // EFI_MEMORY_MAPPED_IO
  12: E820_TYPE_RESERVED, // EFI_MEMORY_MAPPED_IO_PORT_SPACE
  13: E820_TYPE_RESERVED, // EFI_PAL_CODE
  14: E820_TYPE_PMEM, // EFI_PERSISTENT_MEMORY
  15: E820_TYPE_RAM, // EFI_UNACCEPTED_MEMORY with CONFIG_UNACCEPTED_MEMORY
  0x70000001: undefined,
  0x80000005: undefined,
};

describe('toE820 (Linux x86 EFI stub, setup_e820)', () => {
  it('maps every type as the stub does, and the constants are those of e820/types.h', () => {
    expect([E820_TYPE_RAM, E820_TYPE_RESERVED, E820_TYPE_ACPI, E820_TYPE_NVS, E820_TYPE_UNUSABLE, E820_TYPE_PMEM]).toEqual([1, 2, 3, 4, 5, 7]);
    expect(E820_TYPE_SOFT_RESERVED).toBe(0xefffffff);
    expect(E820_MAX_ENTRIES_ZEROPAGE).toBe(128);
    for (const [type, e820] of Object.entries(STUB)) expect(e820TypeOf({ type: Number(type), attribute: RAM_ATTR }), `type ${type}`).toBe(e820);
    expect(e820TypeOf({ type: 15, attribute: 0n }, { unacceptedMemory: false })).toBeUndefined();
  });

  it('gives EFI_MEMORY_SP RAM-like memory the soft-reserved type unless soft reservation is off', () => {
    for (const type of [1, 2, 3, 4, 7]) {
      expect(e820TypeOf({ type, attribute: EFI_MEMORY_SP | RAM_ATTR })).toBe(E820_TYPE_SOFT_RESERVED);
      expect(e820TypeOf({ type, attribute: EFI_MEMORY_SP }, { softReserve: false })).toBe(E820_TYPE_RAM);
    }
    expect(e820TypeOf({ type: 15, attribute: EFI_MEMORY_SP })).toBe(E820_TYPE_RAM);
    expect(e820TypeOf({ type: 10, attribute: EFI_MEMORY_SP })).toBe(E820_TYPE_NVS);
  });

  it('converts the every-type map: skips OEM/OS, merges neighbours of the same e820 type, in map order', () => {
    const { entries, extended } = toE820(mapOf(everyTypeMap()));
    const P = 16n * 4096n;
    const at = (i: number): bigint => 0x100000n + BigInt(i) * P;
    expect(entries).toEqual([
      { addr: at(0), size: P, type: E820_TYPE_RESERVED },
      { addr: at(1), size: 4n * P, type: E820_TYPE_RAM },
      { addr: at(5), size: 2n * P, type: E820_TYPE_RESERVED },
      { addr: at(7), size: P, type: E820_TYPE_RAM },
      { addr: at(8), size: P, type: E820_TYPE_UNUSABLE },
      { addr: at(9), size: P, type: E820_TYPE_ACPI },
      { addr: at(10), size: P, type: E820_TYPE_NVS },
      { addr: at(11), size: 3n * P, type: E820_TYPE_RESERVED },
      { addr: at(14), size: P, type: E820_TYPE_PMEM },
      { addr: at(15), size: P, type: E820_TYPE_RAM },
    ]);
    expect(extended).toEqual([]);
  });

  it('does not sort, and merges only with the entry just before', () => {
    const { entries } = toE820(
      mapOf([
        { type: 7, start: 0x200000n, pages: 1n },
        { type: 7, start: 0x100000n, pages: 0x100n },
        { type: 3, start: 0x200000n, pages: 1n },
        { type: 0x70000000, start: 0x201000n, pages: 1n },
        { type: 4, start: 0x201000n, pages: 1n },
      ]),
    );
    expect(entries).toEqual([
      { addr: 0x200000n, size: 0x1000n, type: 1 },
      { addr: 0x100000n, size: 0x102000n, type: 1 },
    ]);
  });

  it('puts entries beyond 128 into the SETUP_E820_EXT list, merging across the boundary as the stub does', () => {
    const raw: RawDescriptor[] = [];
    for (let i = 0; i < 300; i++) raw.push({ type: i % 2 === 0 ? 7 : 0, start: BigInt(i) * 0x2000n, pages: 1n });
    raw.push({ type: 0, start: 299n * 0x2000n + 0x1000n, pages: 3n });
    const { entries, extended } = toE820(mapOf(raw));
    expect(entries).toHaveLength(128);
    expect(extended).toHaveLength(300 - 128);
    expect(entries[127]).toEqual({ addr: 127n * 0x2000n, size: 0x1000n, type: E820_TYPE_RESERVED });
    expect(extended[0]).toEqual({ addr: 128n * 0x2000n, size: 0x1000n, type: E820_TYPE_RAM });
    expect(extended.at(-1)).toEqual({ addr: 299n * 0x2000n, size: 0x4000n, type: E820_TYPE_RESERVED });
    const exactly = toE820(mapOf(raw.slice(0, 128)));
    expect([exactly.entries.length, exactly.extended.length]).toEqual([128, 0]);
    const merged = toE820(mapOf([...raw.slice(0, 128), { type: 0, start: 128n * 0x2000n - 0x1000n, pages: 1n }]));
    expect([merged.entries.length, merged.extended.length]).toEqual([128, 0]);
  });

  it('wraps sizes at 2^64 as the kernel u64 arithmetic does', () => {
    const { entries } = toE820(mapOf([{ type: 7, start: 0n, pages: 1n << 52n }]));
    expect(entries).toEqual([{ addr: 0n, size: 0n, type: 1 }]);
  });
});

describe('toPvhMemmap (Xen efi_arch_process_memory_map)', () => {
  const xen = (type: number, attribute: bigint, mapBootServices = false): number | undefined =>
    toPvhMemmap(mapOf([{ type, start: 0x100000n, pages: 1n, attribute }]), { mapBootServices })[0]?.type;

  it('maps every type as Xen does; WB decides RAM or UNUSABLE', () => {
    expect([1, 2, 3, 4, 7].map((t) => xen(t, RAM_ATTR))).toEqual(Array(5).fill(XEN_HVM_MEMMAP_TYPE_RAM));
    expect([1, 2, 3, 4, 7].map((t) => xen(t, 0x1n))).toEqual(Array(5).fill(XEN_HVM_MEMMAP_TYPE_UNUSABLE));
    expect([3, 4].map((t) => xen(t, RAM_ATTR, true))).toEqual([XEN_HVM_MEMMAP_TYPE_RESERVED, XEN_HVM_MEMMAP_TYPE_RESERVED]);
    expect(xen(8, RAM_ATTR)).toBe(XEN_HVM_MEMMAP_TYPE_UNUSABLE);
    expect(xen(9, RAM_ATTR)).toBe(XEN_HVM_MEMMAP_TYPE_ACPI);
    expect(xen(10, RAM_ATTR)).toBe(XEN_HVM_MEMMAP_TYPE_NVS);
    for (const t of [0, 5, 6, 11, 12, 13, 14, 15, 16, 0x70000000, 0x80000000]) expect(xen(t, RAM_ATTR), `type ${t}`).toBe(XEN_HVM_MEMMAP_TYPE_RESERVED);
  });

  it('merges in map order, skips empty descriptors, and writes reserved 0', () => {
    const out = toPvhMemmap(
      mapOf([
        { type: 7, start: 0x100000n, pages: 0x10n, attribute: RAM_ATTR },
        { type: 3, start: 0x110000n, pages: 0x10n, attribute: RAM_ATTR },
        { type: 9, start: 0x120000n, pages: 0n, attribute: RAM_ATTR },
        { type: 5, start: 0x120000n, pages: 0x1n, attribute: RAM_ATTR },
        { type: 11, start: 0x121000n, pages: 0x1n },
      ]),
    );
    expect(out).toEqual([
      { addr: 0x100000n, size: 0x20000n, type: XEN_HVM_MEMMAP_TYPE_RAM, reserved: 0 },
      { addr: 0x120000n, size: 0x2000n, type: XEN_HVM_MEMMAP_TYPE_RESERVED, reserved: 0 },
    ]);
    expect(XEN_HVM_MEMMAP_TYPE_PMEM).toBe(E820_TYPE_PMEM);
  });
});

describe('fromE820 / fromPvhMemmap (for tests)', () => {
  const e820: E820Entry[] = [
    { addr: 0n, size: 0x9fc00n, type: E820_TYPE_RAM },
    { addr: 0x9fc00n, size: 0x400n, type: E820_TYPE_RESERVED },
    { addr: 0xf0000n, size: 0x10000n, type: E820_TYPE_RESERVED },
    { addr: 0x100000n, size: 0x7ee0000n, type: E820_TYPE_RAM },
    { addr: 0x7fe0000n, size: 0x10000n, type: E820_TYPE_ACPI },
    { addr: 0x7ff0000n, size: 0x10000n, type: E820_TYPE_NVS },
    { addr: 0x100000000n, size: 0x1000000n, type: E820_TYPE_SOFT_RESERVED },
    { addr: 0x101000000n, size: 0x1000000n, type: E820_TYPE_UNUSABLE },
    { addr: 0x200000000n, size: 0x40000000n, type: E820_TYPE_PMEM },
    { addr: 0xfd00000000n, size: 0x300000000n, type: E820_TYPE_RESERVED },
  ];

  it('builds a valid EFI map: RAM trimmed inward, the rest widened outward to pages', () => {
    const map = fromE820(e820);
    expect(validateMemoryMap(map)).toEqual([]);
    expect(map.descriptors[0]).toMatchObject({ type: 7, physicalStart: 0n, numberOfPages: 0x9fn });
    expect(map.descriptors[1]).toMatchObject({ type: 0, physicalStart: 0x9f000n, numberOfPages: 1n });
  });

  it('converts page-aligned, non-adjacent maps back through toE820 unchanged (and PVH too)', () => {
    const aligned = e820.filter((e) => e.addr % 0x1000n === 0n && e.size % 0x1000n === 0n && e.addr !== 0x9fc00n && e.addr !== 0n);
    expect(toE820(fromE820(aligned)).entries).toEqual(aligned);
    const pvh = aligned.filter((e) => e.type !== E820_TYPE_SOFT_RESERVED && e.type !== E820_TYPE_UNUSABLE).map((e) => ({ ...e, reserved: 0 }));
    expect(toPvhMemmap(fromPvhMemmap(pvh)).map((e) => e.type)).toEqual(pvh.map((e) => (e.type === E820_TYPE_PMEM ? XEN_HVM_MEMMAP_TYPE_RESERVED : e.type)));
  });

  it('rejects a range that leaves the 64-bit space', () => {
    expect(() => fromE820([{ addr: (1n << 64n) - 0x1000n, size: 0x2000n, type: 1 }])).toThrow(/BAD_VALUE/);
  });
});
