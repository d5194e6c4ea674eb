/**
 * Operations on decoded memory maps: sort, merge, totals by type, the
 * descriptor covering an address, and the lines Linux prints for the map
 * with `efi=debug`.
 *
 * @module
 */
import { EFI_PAGE_SHIFT, memoryTypeName, type EfiMemoryDescriptor } from './descriptor.js';
import type { EfiMemoryMap } from './map.js';

const U64_MASK = (1n << 64n) - 1n;
const PAGE_SHIFT = BigInt(EFI_PAGE_SHIFT);

/** The exclusive end of a descriptor's physical range (may exceed 2^64 for a broken descriptor). */
export function descriptorEnd(d: Pick<EfiMemoryDescriptor, 'physicalStart' | 'numberOfPages'>): bigint {
  return d.physicalStart + (d.numberOfPages << PAGE_SHIFT);
}

function copy(d: EfiMemoryDescriptor): EfiMemoryDescriptor {
  const c: EfiMemoryDescriptor = {
    type: d.type,
    pad: d.pad,
    physicalStart: d.physicalStart,
    virtualStart: d.virtualStart,
    numberOfPages: d.numberOfPages,
    attribute: d.attribute,
  };
  if (d.trailing !== undefined) c.trailing = d.trailing.slice();
  return c;
}

/** A copy of the map with its descriptors in ascending `PhysicalStart` order (stable for equal starts). */
export function sortMemoryMap(map: EfiMemoryMap): EfiMemoryMap {
  const descriptors = map.descriptors.map(copy);
  descriptors.sort((a, b) => (a.physicalStart < b.physicalStart ? -1 : a.physicalStart > b.physicalStart ? 1 : 0));
  return { descriptorSize: map.descriptorSize, descriptorVersion: map.descriptorVersion, descriptors };
}

/**
 * A copy of the map in which each run of consecutive descriptors with the
 * same `Type` and `Attribute`, each starting where the one before ends, is
 * one descriptor (the first's `VirtualStart`, padding and trailing bytes;
 * the pages summed). The order is kept: sort first to merge neighbours that
 * the map lists apart. The joining rule is that of Linux's x86
 * `efi_merge_regions` (`arch/x86/platform/efi/efi.c`), which also compares
 * only type and attribute; Linux leaves the absorbed descriptors in place,
 * turned into `EfiReservedMemoryType` with no attributes, where this
 * function drops them.
 */
export function mergeMemoryMap(map: EfiMemoryMap): EfiMemoryMap {
  const descriptors: EfiMemoryDescriptor[] = [];
  let prev: EfiMemoryDescriptor | undefined;
  for (const d of map.descriptors) {
    if (prev !== undefined && prev.type === d.type && prev.attribute === d.attribute && descriptorEnd(prev) === d.physicalStart) {
      prev.numberOfPages += d.numberOfPages;
      continue;
    }
    prev = copy(d);
    descriptors.push(prev);
  }
  return { descriptorSize: map.descriptorSize, descriptorVersion: map.descriptorVersion, descriptors };
}

/** The totals of one memory type. */
export interface MemoryTypeTotal {
  /** The type's value. */
  type: number;
  /** Its name ({@link memoryTypeName}). */
  name: string;
  /** How many descriptors have it. */
  descriptors: number;
  /** Their pages. */
  pages: bigint;
  /** Their bytes (`pages × 4096`). */
  bytes: bigint;
}

/** The totals of a map: by type (ascending type value) and overall. */
export interface MemoryMapTotals {
  /** One total per type present, by ascending type value. */
  byType: MemoryTypeTotal[];
  /** Pages of every descriptor. */
  pages: bigint;
  /** Bytes of every descriptor. */
  bytes: bigint;
}

/** Sums pages and bytes by memory type. */
export function memoryMapTotals(map: Pick<EfiMemoryMap, 'descriptors'>): MemoryMapTotals {
  const byValue = new Map<number, MemoryTypeTotal>();
  let pages = 0n;
  for (const d of map.descriptors) {
    let t = byValue.get(d.type);
    if (t === undefined) {
      t = { type: d.type, name: memoryTypeName(d.type), descriptors: 0, pages: 0n, bytes: 0n };
      byValue.set(d.type, t);
    }
    t.descriptors++;
    t.pages += d.numberOfPages;
    t.bytes += d.numberOfPages << PAGE_SHIFT;
    pages += d.numberOfPages;
  }
  const byType = [...byValue.values()].sort((a, b) => a.type - b.type);
  return { byType, pages, bytes: pages << PAGE_SHIFT };
}

/**
 * The index of the first descriptor whose physical range
 * `[PhysicalStart, PhysicalStart + NumberOfPages × 4096)` holds `address`,
 * or −1 (Linux's `efi_mem_desc_lookup` rule). For a view, use
 * `EfiMemoryMapView.find`, which allocates nothing.
 */
export function findMemoryDescriptor(map: Pick<EfiMemoryMap, 'descriptors'>, address: bigint | number): number {
  const a = BigInt(address);
  return map.descriptors.findIndex((d) => d.physicalStart <= a && a < descriptorEnd(d));
}

// ---------------------------------------------------------------------------
// Linux's boot log

/**
 * Which Linux the text follows. Linux prints the map with `efi=debug`
 * (x86 `efi_print_memmap`), naming each descriptor with
 * `efi_md_typeattr_format` (`drivers/firmware/efi/efi.c`), whose tables grew
 * over time:
 * - `unaccepted`: type 15 is named `Unaccepted` (mainline since 6.5);
 *   without it, it prints as `[type=15`;
 * - `hotPluggable`: an `HP` column for `EFI_MEMORY_HOT_PLUGGABLE` (mainline
 *   since 2025, and backported to stable kernels); without it, that bit makes
 *   the attributes print as `attr=0x…`.
 * Both default to true (current mainline). Debian 12's Linux 6.1.192 has the
 * `HP` column but not the `Unaccepted` name (`{ unaccepted: false }`;
 * checked against its boot log and its decompressed image).
 */
export interface LinuxPrintOptions {
  /** Name type 15 `Unaccepted` (default true). */
  unaccepted?: boolean;
  /** Print the `HP` column (default true). */
  hotPluggable?: boolean;
  /** Text before `memNN:`; default `efi: ` (the file's `pr_fmt`). */
  prefix?: string;
}

/** Linux's names of the standard memory types, padded to 12 columns when printed. */
const LINUX_TYPE_NAMES = [
  'Reserved',
  'Loader Code',
  'Loader Data',
  'Boot Code',
  'Boot Data',
  'Runtime Code',
  'Runtime Data',
  'Conventional',
  'Unusable',
  'ACPI Reclaim',
  'ACPI Mem NVS',
  'MMIO',
  'MMIO Port',
  'PAL Code',
  'Persistent',
  'Unaccepted',
];

/** The columns after the type, left to right: [name, bit, width]. */
const LINUX_COLUMNS: readonly (readonly [string, number, number])[] = [
  ['RUN', 63, 3],
  ['HP', 20, 2],
  ['MR', 16, 2],
  ['CC', 19, 2],
  ['SP', 18, 2],
  ['NV', 15, 2],
  ['XP', 14, 2],
  ['RP', 13, 2],
  ['WP', 12, 2],
  ['RO', 17, 2],
  ['UCE', 4, 3],
  ['WB', 3, 2],
  ['WT', 2, 2],
  ['WC', 1, 2],
  ['UC', 0, 2],
];

/**
 * The `[Type|RUN|…|UC]` text Linux's `efi_md_typeattr_format` makes for a
 * descriptor: the type name left-aligned in 12 columns (or `type=N`,
 * unpadded, for a type it has no name for), then one right-aligned column per
 * attribute it knows, or `|attr=0x` and 16 hex digits when any other bit is
 * set.
 */
export function linuxTypeAttr(d: Pick<EfiMemoryDescriptor, 'type' | 'attribute'>, options: LinuxPrintOptions = {}): string {
  const unaccepted = options.unaccepted ?? true;
  const hotPluggable = options.hotPluggable ?? true;
  const names = unaccepted ? LINUX_TYPE_NAMES.length : LINUX_TYPE_NAMES.length - 1;
  const name = d.type < names ? LINUX_TYPE_NAMES[d.type] : undefined;
  let s = name === undefined ? `[type=${d.type >>> 0}` : `[${name.padEnd(12)}`;
  const columns = hotPluggable ? LINUX_COLUMNS : LINUX_COLUMNS.filter((c) => c[0] !== 'HP');
  let known = 0n;
  for (const [, bit] of columns) known |= 1n << BigInt(bit);
  const attr = d.attribute & U64_MASK;
  if ((attr & ~known) !== 0n) return `${s}|attr=0x${attr.toString(16).padStart(16, '0')}]`;
  for (const [label, bit, width] of columns) s += `|${(((attr >> BigInt(bit)) & 1n) === 1n ? label : '').padStart(width)}`;
  return `${s}]`;
}

function hex016(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/**
 * One line of Linux's `efi_print_memmap` for descriptor number `index`:
 * `efi: mem00: [Conventional|   |  |…|WB|WT|WC|UC] range=[0x…-0x…] (NMB)`,
 * where the range end is `PhysicalStart + NumberOfPages × 4096 − 1` in
 * 64-bit arithmetic (as the kernel computes it) and N is
 * `NumberOfPages >> 8` (MiB, rounded down). No newline.
 */
export function linuxMemmapLine(d: Pick<EfiMemoryDescriptor, 'type' | 'attribute' | 'physicalStart' | 'numberOfPages'>, index: number, options: LinuxPrintOptions = {}): string {
  const start = d.physicalStart & U64_MASK;
  const end = (start + ((d.numberOfPages << PAGE_SHIFT) & U64_MASK) - 1n) & U64_MASK;
  const mib = (d.numberOfPages & U64_MASK) >> 8n;
  const n = String(index).padStart(2, '0');
  return `${options.prefix ?? 'efi: '}mem${n}: ${linuxTypeAttr(d, options)} range=[${hex016(start)}-${hex016(end)}] (${mib}MB)`;
}

/** Every line {@link linuxMemmapLine} gives for the map, in map order. */
export function linuxMemmapLines(map: Pick<EfiMemoryMap, 'descriptors'>, options: LinuxPrintOptions = {}): string[] {
  return map.descriptors.map((d, i) => linuxMemmapLine(d, i, options));
}

// ---------------------------------------------------------------------------
// Linux's clean-up of invalid descriptors (x86 efi_clean_memmap)

const EFI_PAGES_MAX = U64_MASK >> PAGE_SHIFT;
const U64_HIGH_BIT = 1n << 63n;

/**
 * Whether Linux's x86 `efi_memmap_entry_valid` keeps a descriptor: it drops
 * those with no pages and those whose last page number exceeds
 * `EFI_PAGES_MAX` (2^52 − 1 pages), i.e. whose range does not end at least
 * one page below 2^64. That is one page stricter than the specification,
 * which allows a last page at 0xfffffffffffff000 (and than
 * {@link validateMemoryMap}, which follows the specification).
 */
export function linuxDescriptorValid(d: Pick<EfiMemoryDescriptor, 'physicalStart' | 'numberOfPages'>): boolean {
  const pages = d.numberOfPages & U64_MASK;
  const start = d.physicalStart & U64_MASK;
  return !(pages === 0n || pages > EFI_PAGES_MAX || EFI_PAGES_MAX - pages < start >> PAGE_SHIFT);
}

/** The map Linux keeps after `efi_clean_memmap`: the descriptors {@link linuxDescriptorValid} accepts, in order. */
export function linuxCleanMemoryMap(map: EfiMemoryMap): EfiMemoryMap {
  return { ...map, descriptors: map.descriptors.filter(linuxDescriptorValid).map(copy) };
}

/**
 * Every line x86 Linux prints about the map with `efi=debug`, in order:
 * for a map with invalid descriptors, `efi_clean_memmap`'s warnings
 * (`efi: [Firmware Bug]: Invalid EFI memory map entries:`, one
 * `efi: memNN: [...] range=[...] (invalid)` line per dropped descriptor,
 * numbered in the original map, with the end's bits above 64 printed in
 * front of it as the kernel does, and `efi: Removing N invalid memory map
 * entries.`), then {@link linuxMemmapLines} of the cleaned map (renumbered
 * from 0).
 */
export function linuxEfiLog(map: EfiMemoryMap, options: LinuxPrintOptions = {}): string[] {
  const prefix = options.prefix ?? 'efi: ';
  const out: string[] = [];
  let removed = 0;
  map.descriptors.forEach((d, i) => {
    if (linuxDescriptorValid(d)) return;
    if (removed === 0) out.push(`${prefix}[Firmware Bug]: Invalid EFI memory map entries:`);
    removed++;
    const pages = d.numberOfPages & U64_MASK;
    const start = d.physicalStart & U64_MASK;
    let end = (((pages << PAGE_SHIFT) & U64_MASK) + start - 1n) & U64_MASK;
    let endHi = 0n;
    if (pages === 0n) end = 0n;
    else {
      endHi = pages >> 52n;
      if ((start & U64_HIGH_BIT) !== 0n && (end & U64_HIGH_BIT) === 0n) endHi += 1n;
    }
    const n = String(i).padStart(2, '0');
    const endText = endHi === 0n ? hex016(end) : `0x${endHi.toString(16)}${end.toString(16).padStart(16, '0')}`;
    out.push(`${prefix}mem${n}: ${linuxTypeAttr(d, options)} range=[${hex016(start)}-${endText}] (invalid)`);
  });
  if (removed > 0) out.push(`${prefix}Removing ${removed} invalid memory map entries.`);
  return [...out, ...linuxMemmapLines(linuxCleanMemoryMap(map), options)];
}
