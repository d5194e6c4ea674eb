/**
 * Memory-map conversions between EFI and the e820-style maps of the other
 * protocols. Each function names the code whose rules it follows.
 *
 * - {@link toE820}: Linux's x86 EFI stub, `setup_e820()` in
 *   `drivers/firmware/efi/libstub/x86-stub.c` (what a kernel booted through
 *   its EFI stub finds in `boot_params.e820_table` and `SETUP_E820_EXT`).
 * - {@link toPvhMemmap}: Xen's `efi_arch_process_memory_map()` in
 *   `xen/arch/x86/efi/efi-boot.h` (how Xen turns the EFI map into its own
 *   e820, whose type values the PVH `hvm_memmap_table_entry` shares).
 * - {@link toMultiboot2Mmap}: GRUB's `grub_efi_mmap_iterate()`,
 *   `grub_mmap_iterate()` and `grub_fill_multiboot_mmap()` (the Multiboot 2
 *   memory map tag GRUB builds on UEFI).
 * - {@link fromE820} / {@link fromPvhMemmap}: the reverse, for tests: our own
 *   rules, chosen so that converting back with {@link toE820} gives the same
 *   entries (see `docs/efi-memmap.md`).
 *
 * @module
 */
import { BootprotoError } from '../core/index.js';
import {
  XEN_HVM_MEMMAP_TYPE_ACPI,
  XEN_HVM_MEMMAP_TYPE_NVS,
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_MEMMAP_TYPE_RESERVED,
  XEN_HVM_MEMMAP_TYPE_UNUSABLE,
  type HvmMemmapTableEntry,
} from '../pvh/index.js';
import {
  EFI_MEMORY_SP,
  EFI_MEMORY_UC,
  EFI_MEMORY_WB,
  EFI_MEMORY_WC,
  EFI_MEMORY_WT,
  EFI_MEMORY_NV,
  EfiACPIMemoryNVS,
  EfiACPIReclaimMemory,
  EfiBootServicesCode,
  EfiBootServicesData,
  EfiConventionalMemory,
  EfiLoaderCode,
  EfiLoaderData,
  EfiMemoryMappedIO,
  EfiMemoryMappedIOPortSpace,
  EfiPalCode,
  EfiPersistentMemory,
  EfiReservedMemoryType,
  EfiRuntimeServicesCode,
  EfiRuntimeServicesData,
  EfiUnacceptedMemoryType,
  EfiUnusableMemory,
  type EfiMemoryDescriptor,
} from './descriptor.js';
import type { EfiMemoryMap } from './map.js';

const U64_MASK = (1n << 64n) - 1n;

/** `E820_TYPE_RAM` (1). */
export const E820_TYPE_RAM = 1;
/** `E820_TYPE_RESERVED` (2). */
export const E820_TYPE_RESERVED = 2;
/** `E820_TYPE_ACPI` (3). */
export const E820_TYPE_ACPI = 3;
/** `E820_TYPE_NVS` (4). */
export const E820_TYPE_NVS = 4;
/** `E820_TYPE_UNUSABLE` (5). */
export const E820_TYPE_UNUSABLE = 5;
/** `E820_TYPE_PMEM` (7). */
export const E820_TYPE_PMEM = 7;
/** `E820_TYPE_PRAM` (12): legacy persistent memory, which no EFI type produces. */
export const E820_TYPE_PRAM = 12;
/** `E820_TYPE_SOFT_RESERVED` (0xefffffff): Linux's type for `EFI_MEMORY_SP` memory. */
export const E820_TYPE_SOFT_RESERVED = 0xefffffff;
/** `E820_MAX_ENTRIES_ZEROPAGE`: the entries `boot_params.e820_table` holds (128). */
export const E820_MAX_ENTRIES_ZEROPAGE = 128;

/** The e820 types above, by value (`arch/x86/include/asm/e820/types.h`). */
export const E820_TYPES: Readonly<Record<number, string>> = {
  1: 'E820_TYPE_RAM',
  2: 'E820_TYPE_RESERVED',
  3: 'E820_TYPE_ACPI',
  4: 'E820_TYPE_NVS',
  5: 'E820_TYPE_UNUSABLE',
  7: 'E820_TYPE_PMEM',
  12: 'E820_TYPE_PRAM',
  0xefffffff: 'E820_TYPE_SOFT_RESERVED',
};

/** One e820 entry (`struct boot_e820_entry`: addr, size, type), as a plain object. */
export interface E820Entry {
  /** First address of the range. */
  addr: bigint;
  /** Length of the range in bytes. */
  size: bigint;
  /** An `E820_TYPE_*` value. */
  type: number;
}

/** What the EFI stub's kernel configuration decides (see {@link toE820}). */
export interface ToE820Options {
  /**
   * `efi_soft_reserve_enabled()`: `CONFIG_EFI_SOFT_RESERVE` and no
   * `efi=nosoftreserve`. Then RAM-like descriptors with `EFI_MEMORY_SP`
   * become `E820_TYPE_SOFT_RESERVED`; otherwise RAM. Default true.
   */
  softReserve?: boolean;
  /**
   * `CONFIG_UNACCEPTED_MEMORY`: `EfiUnacceptedMemoryType` becomes RAM (and
   * the stub records it in its unaccepted-memory bitmap); without it, such
   * descriptors are dropped. Default true.
   */
  unacceptedMemory?: boolean;
}

/** What {@link toE820} returns. */
export interface E820Conversion {
  /** The entries for `boot_params.e820_table` (at most 128; `e820_entries` is their count). */
  entries: E820Entry[];
  /**
   * The entries beyond 128, in order, which the stub writes into a
   * `setup_data` node of type `SETUP_E820_EXT` (the caller builds that node).
   */
  extended: E820Entry[];
}

/**
 * The e820 type the EFI stub gives a descriptor, or undefined when the stub
 * skips it (types it does not list: OEM, OS and invalid values, and
 * unaccepted memory without `CONFIG_UNACCEPTED_MEMORY`).
 */
export function e820TypeOf(d: Pick<EfiMemoryDescriptor, 'type' | 'attribute'>, options: ToE820Options = {}): number | undefined {
  switch (d.type) {
    case EfiReservedMemoryType:
    case EfiRuntimeServicesCode:
    case EfiRuntimeServicesData:
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace:
    case EfiPalCode:
      return E820_TYPE_RESERVED;
    case EfiUnusableMemory:
      return E820_TYPE_UNUSABLE;
    case EfiACPIReclaimMemory:
      return E820_TYPE_ACPI;
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiConventionalMemory:
      return (options.softReserve ?? true) && (d.attribute & EFI_MEMORY_SP) !== 0n ? E820_TYPE_SOFT_RESERVED : E820_TYPE_RAM;
    case EfiACPIMemoryNVS:
      return E820_TYPE_NVS;
    case EfiPersistentMemory:
      return E820_TYPE_PMEM;
    case EfiUnacceptedMemoryType:
      return (options.unacceptedMemory ?? true) ? E820_TYPE_RAM : undefined;
    default:
      return undefined;
  }
}

/**
 * Converts an EFI map to e820 entries as Linux's x86 EFI stub does
 * (`setup_e820()` in `drivers/firmware/efi/libstub/x86-stub.c`):
 * descriptors in map order (not sorted); each type mapped by
 * {@link e820TypeOf}; a descriptor of the same e820 type that starts exactly
 * where the previous entry ends is added to it (also across the 128-entry
 * boundary); sizes are `NumberOfPages << 12` and sums wrap at 2^64, as in
 * the kernel's u64 arithmetic. The first 128 entries go to `entries`, the
 * rest to `extended` (`SETUP_E820_EXT`).
 */
export function toE820(map: Pick<EfiMemoryMap, 'descriptors'>, options: ToE820Options = {}): E820Conversion {
  const all: E820Entry[] = [];
  let prev: E820Entry | undefined;
  for (const d of map.descriptors) {
    const type = e820TypeOf(d, options);
    if (type === undefined) continue;
    const size = (d.numberOfPages << 12n) & U64_MASK;
    if (prev !== undefined && prev.type === type && ((prev.addr + prev.size) & U64_MASK) === d.physicalStart) {
      prev.size = (prev.size + size) & U64_MASK;
      continue;
    }
    prev = { addr: d.physicalStart, size, type };
    all.push(prev);
  }
  return { entries: all.slice(0, E820_MAX_ENTRIES_ZEROPAGE), extended: all.slice(E820_MAX_ENTRIES_ZEROPAGE) };
}

/** Options of {@link toPvhMemmap}. */
export interface ToPvhOptions {
  /**
   * Xen's `map_bs` (its `-mapbs` option): keep boot services code and data
   * out of RAM, as reserved. Default false.
   */
  mapBootServices?: boolean;
}

/**
 * Converts an EFI map to PVH memory map entries (`hvm_memmap_table_entry`,
 * whose types equal the e820 types) by the rules Xen applies to the EFI map
 * it boots from (`efi_arch_process_memory_map()` in
 * `xen/arch/x86/efi/efi-boot.h`):
 * - `EfiConventionalMemory`, `EfiLoaderCode`, `EfiLoaderData` and (unless
 *   `mapBootServices`) `EfiBootServicesCode`/`Data` are RAM when the
 *   descriptor has `EFI_MEMORY_WB`, else UNUSABLE;
 * - `EfiUnusableMemory` is UNUSABLE, `EfiACPIReclaimMemory` ACPI,
 *   `EfiACPIMemoryNVS` NVS;
 * - every other type (runtime services, MMIO, reserved, PAL code, persistent,
 *   unaccepted, OEM, OS) is RESERVED;
 * - in map order, an entry of the same type that starts where the previous
 *   one ends extends it; empty descriptors are skipped. `reserved` is 0.
 *
 * Xen also caps its table (`E820MAX`); no cap is applied here.
 */
export function toPvhMemmap(map: Pick<EfiMemoryMap, 'descriptors'>, options: ToPvhOptions = {}): HvmMemmapTableEntry[] {
  const out: HvmMemmapTableEntry[] = [];
  let prev: HvmMemmapTableEntry | undefined;
  for (const d of map.descriptors) {
    const len = (d.numberOfPages << 12n) & U64_MASK;
    let type: number;
    switch (d.type) {
      case EfiBootServicesCode:
      case EfiBootServicesData:
        type = options.mapBootServices
          ? XEN_HVM_MEMMAP_TYPE_RESERVED
          : (d.attribute & EFI_MEMORY_WB) !== 0n
            ? XEN_HVM_MEMMAP_TYPE_RAM
            : XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        break;
      case EfiConventionalMemory:
      case EfiLoaderCode:
      case EfiLoaderData:
        type = (d.attribute & EFI_MEMORY_WB) !== 0n ? XEN_HVM_MEMMAP_TYPE_RAM : XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        break;
      case EfiUnusableMemory:
        type = XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        break;
      case EfiACPIReclaimMemory:
        type = XEN_HVM_MEMMAP_TYPE_ACPI;
        break;
      case EfiACPIMemoryNVS:
        type = XEN_HVM_MEMMAP_TYPE_NVS;
        break;
      default:
        type = XEN_HVM_MEMMAP_TYPE_RESERVED;
    }
    if (prev !== undefined && prev.type === type && d.physicalStart === ((prev.addr + prev.size) & U64_MASK)) {
      prev.size = (prev.size + len) & U64_MASK;
      continue;
    }
    if (len === 0n) continue;
    prev = { addr: d.physicalStart, size: len, type, reserved: 0 };
    out.push(prev);
  }
  return out;
}

/** Options of {@link fromE820} and {@link fromPvhMemmap}. */
export interface FromE820Options {
  /** `DescriptorSize` of the map made; default 48 (what OVMF and most firmware use). */
  descriptorSize?: number;
  /** Attributes given to RAM; default `EFI_MEMORY_UC | WC | WT | WB`. */
  ramAttribute?: bigint;
}

const RAM_ATTRIBUTE = EFI_MEMORY_UC | EFI_MEMORY_WC | EFI_MEMORY_WT | EFI_MEMORY_WB;

function efiTypeOfE820(type: number, ramAttribute: bigint): { type: number; attribute: bigint; grow: boolean } {
  switch (type) {
    case E820_TYPE_RAM:
      return { type: EfiConventionalMemory, attribute: ramAttribute, grow: false };
    case E820_TYPE_SOFT_RESERVED:
      return { type: EfiConventionalMemory, attribute: ramAttribute | EFI_MEMORY_SP, grow: false };
    case E820_TYPE_ACPI:
      return { type: EfiACPIReclaimMemory, attribute: ramAttribute, grow: true };
    case E820_TYPE_NVS:
      return { type: EfiACPIMemoryNVS, attribute: ramAttribute, grow: true };
    case E820_TYPE_UNUSABLE:
      return { type: EfiUnusableMemory, attribute: 0n, grow: true };
    case E820_TYPE_PMEM:
    case E820_TYPE_PRAM:
      return { type: EfiPersistentMemory, attribute: ramAttribute | EFI_MEMORY_NV, grow: false };
    default:
      return { type: EfiReservedMemoryType, attribute: 0n, grow: true };
  }
}

/**
 * Builds an EFI map from e820 entries, for tests (no firmware does this; the
 * rules are ours): RAM → `EfiConventionalMemory` with `ramAttribute`;
 * soft-reserved → the same plus `EFI_MEMORY_SP`; ACPI → `EfiACPIReclaimMemory`;
 * NVS → `EfiACPIMemoryNVS`; unusable → `EfiUnusableMemory`; PMEM/PRAM →
 * `EfiPersistentMemory` with `EFI_MEMORY_NV`; anything else →
 * `EfiReservedMemoryType`. Ranges that are not whole pages are trimmed inward
 * for usable memory and widened outward for the rest; a range left empty is
 * dropped. Entries keep their order. {@link toE820} of the result gives back
 * page-aligned, non-adjacent input unchanged.
 */
export function fromE820(entries: readonly E820Entry[], options: FromE820Options = {}): EfiMemoryMap {
  const descriptorSize = options.descriptorSize ?? 48;
  const ramAttribute = options.ramAttribute ?? RAM_ATTRIBUTE;
  const descriptors: EfiMemoryDescriptor[] = [];
  for (const e of entries) {
    if (e.addr < 0n || e.size < 0n || e.addr + e.size > 1n << 64n) {
      throw new BootprotoError({
        code: 'BAD_VALUE',
        format: 'efi-memmap',
        structure: 'boot_e820_entry',
        offset: 0,
        reason: `entry [0x${e.addr.toString(16)}, +0x${e.size.toString(16)}) is not a range of the 64-bit address space`,
      });
    }
    const m = efiTypeOfE820(e.type, ramAttribute);
    const start = m.grow ? e.addr & ~0xfffn : (e.addr + 0xfffn) & ~0xfffn;
    const endRaw = e.addr + e.size;
    const end = m.grow ? (endRaw + 0xfffn) & ~0xfffn : endRaw & ~0xfffn;
    if (end <= start) continue;
    descriptors.push({ type: m.type, pad: 0, physicalStart: start, virtualStart: 0n, numberOfPages: (end - start) >> 12n, attribute: m.attribute });
  }
  return { descriptorSize, descriptorVersion: 1, descriptors };
}

/** {@link fromE820} for a PVH memory map (`XEN_HVM_MEMMAP_TYPE_DISABLED` becomes reserved). */
export function fromPvhMemmap(entries: readonly HvmMemmapTableEntry[], options: FromE820Options = {}): EfiMemoryMap {
  return fromE820(
    entries.map((e) => ({ addr: e.addr, size: e.size, type: e.type })),
    options,
  );
}

/** Sums the sizes of the e820 or PVH entries of one type. */
export function e820Total(entries: readonly { size: bigint; type: number }[], type: number): bigint {
  let total = 0n;
  for (const e of entries) if (e.type === type) total += e.size;
  return total;
}


// ---------------------------------------------------------------------------
// EFI → Multiboot 2 memory map, as GRUB makes it

/** `MULTIBOOT_MEMORY_AVAILABLE` (1). */
export const MULTIBOOT_MEMORY_AVAILABLE = 1;
/** `MULTIBOOT_MEMORY_RESERVED` (2). */
export const MULTIBOOT_MEMORY_RESERVED = 2;
/** `MULTIBOOT_MEMORY_ACPI_RECLAIMABLE` (3). */
export const MULTIBOOT_MEMORY_ACPI_RECLAIMABLE = 3;
/** `MULTIBOOT_MEMORY_NVS` (4). */
export const MULTIBOOT_MEMORY_NVS = 4;
/** `MULTIBOOT_MEMORY_BADRAM` (5). */
export const MULTIBOOT_MEMORY_BADRAM = 5;
/** GRUB's `GRUB_MEMORY_PERSISTENT` (7), which GRUB writes into the Multiboot 2 map as is. */
export const GRUB_MEMORY_PERSISTENT = 7;
/** GRUB's `GRUB_MEMORY_CODE` (20): EFI runtime services code, written into the Multiboot 2 map as is. */
export const GRUB_MEMORY_CODE = 20;

/** One Multiboot 2 memory map entry (`struct multiboot_mmap_entry` without its `zero` field). */
export interface Multiboot2MmapEntry {
  /** First address of the range. */
  addr: bigint;
  /** Length of the range in bytes. */
  len: bigint;
  /** `MULTIBOOT_MEMORY_*`, or a GRUB type GRUB passes through (7, 20). */
  type: number;
}

/** Options of {@link toMultiboot2Mmap}. */
export interface ToMultiboot2Options {
  /**
   * GRUB's `avoid_efi_boot_services`: boot services code becomes
   * `GRUB_MEMORY_CODE` and boot services data reserved. The Multiboot 2
   * loader passes false (the default).
   */
  avoidBootServices?: boolean;
}

/** The GRUB memory type `grub_efi_mmap_iterate` gives a descriptor type. */
export function grubTypeOf(type: number, options: ToMultiboot2Options = {}): number {
  switch (type) {
    case EfiBootServicesCode:
      return options.avoidBootServices ? GRUB_MEMORY_CODE : MULTIBOOT_MEMORY_AVAILABLE;
    case EfiRuntimeServicesCode:
      return GRUB_MEMORY_CODE;
    case EfiUnusableMemory:
      return MULTIBOOT_MEMORY_BADRAM;
    case EfiBootServicesData:
      return options.avoidBootServices ? MULTIBOOT_MEMORY_RESERVED : MULTIBOOT_MEMORY_AVAILABLE;
    case EfiReservedMemoryType:
    case EfiRuntimeServicesData:
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace:
    case EfiPalCode:
      return MULTIBOOT_MEMORY_RESERVED;
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiConventionalMemory:
      return MULTIBOOT_MEMORY_AVAILABLE;
    case EfiACPIReclaimMemory:
      return MULTIBOOT_MEMORY_ACPI_RECLAIMABLE;
    case EfiACPIMemoryNVS:
      return MULTIBOOT_MEMORY_NVS;
    case EfiPersistentMemory:
      return GRUB_MEMORY_PERSISTENT;
    default:
      return MULTIBOOT_MEMORY_RESERVED;
  }
}

/**
 * Converts an EFI map to the Multiboot 2 memory map (tag type 6) the way
 * GRUB does when it boots a Multiboot 2 kernel on UEFI:
 * `grub_efi_mmap_iterate()` (`grub-core/mmap/efi/mmap.c`) names each
 * descriptor with a GRUB memory type ({@link grubTypeOf}); then
 * `grub_mmap_iterate()` (`grub-core/mmap/mmap.c`) sweeps the start and end
 * events in address order (starts before ends at the same address), which
 * sorts the map, joins touching or overlapping ranges of the same type, and
 * where ranges of different types overlap keeps the type of the range that
 * started first until it ends (then the most recently started one); and
 * `grub_fill_multiboot_mmap_iter()` (`grub-core/loader/multiboot_mbi2.c`)
 * copies each range with its GRUB type unchanged, so EFI runtime services
 * code appears as type 20 (`GRUB_MEMORY_CODE`) and persistent memory as 7,
 * values Multiboot 2 does not define.
 *
 * Checked against GRUB 2.06 (Debian 12) booting a Multiboot 2 kernel under
 * OVMF: its mmap tag equals this function applied to its EFI mmap tag.
 * Unknown types are reserved, as current GRUB has it.
 */
export function toMultiboot2Mmap(map: Pick<EfiMemoryMap, 'descriptors'>, options: ToMultiboot2Options = {}): Multiboot2MmapEntry[] {
  interface Event {
    pos: bigint;
    end: boolean;
    type: number;
  }
  const events: Event[] = [];
  for (const d of map.descriptors) {
    const type = grubTypeOf(d.type, options);
    const size = (d.numberOfPages * 4096n) & U64_MASK;
    events.push({ pos: d.physicalStart, end: false, type }, { pos: (d.physicalStart + size) & U64_MASK, end: true, type });
  }
  // GRUB's bubble sort: by address, a start before an end at the same address, otherwise stable.
  events.sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.end === b.end ? 0 : a.end ? 1 : -1));
  const out: Multiboot2MmapEntry[] = [];
  const first = events[0];
  if (first === undefined) return out;
  // The regions present at the sweep line: `current` (the one whose type
  // counts) and the others, most recently started first (GRUB's mm_list).
  let current: number | undefined;
  const others: number[] = [];
  let lastAddr = first.pos;
  let lastType = first.type;
  for (const e of events) {
    if (e.end) {
      if (current !== undefined) {
        if (current === e.type) current = others.shift();
        else {
          const k = others.indexOf(e.type);
          if (k >= 0) others.splice(k, 1);
        }
      }
    } else if (current === undefined) current = e.type;
    else others.unshift(e.type);
    const curType = current ?? -1;
    if ((curType === -1 || curType !== lastType) && lastAddr !== e.pos && lastType !== -1) {
      out.push({ addr: lastAddr, len: (e.pos - lastAddr) & U64_MASK, type: lastType });
    }
    if (curType === -1 || curType !== lastType) {
      lastType = curType;
      lastAddr = e.pos;
    }
  }
  return out;
}
