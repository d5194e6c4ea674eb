/**
 * The structures of Xen's `xen/include/public/arch-x86/hvm/start_info.h`:
 * `hvm_start_info` (version 0: 40 bytes; version 1: 56 bytes),
 * `hvm_modlist_entry` (32 bytes) and `hvm_memmap_table_entry` (24 bytes).
 * Every field is little-endian; an address of 0 means "absent".
 *
 * @module
 */
import {
  BootprotoError,
  decodeLayout,
  defineLayout,
  encodeLayout,
  u32,
  u64,
  viewLayout,
  viewTable,
  type Decoded,
  type TableView,
  type View,
} from '../core/index.js';

/** `XEN_HVM_START_MAGIC_VALUE`: "xEn3" with the 0x80 bit of the "E" set. */
export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;

/** `SIF_PRIVILEGED`: the domain is privileged. */
export const SIF_PRIVILEGED = 1 << 0;
/** `SIF_INITDOMAIN`: the domain is the initial control domain. */
export const SIF_INITDOMAIN = 1 << 1;
/** `SIF_MULTIBOOT_MOD`: `mod_start` is a multiboot module (a PV flag, listed for completeness). */
export const SIF_MULTIBOOT_MOD = 1 << 2;
/** `SIF_MOD_START_PFN`: `mod_start` is a PFN (a PV flag). */
export const SIF_MOD_START_PFN = 1 << 3;
/** `SIF_VIRT_P2M_4TOOLS`: the tools understand a virtually mapped P2M (a PV flag). */
export const SIF_VIRT_P2M_4TOOLS = 1 << 4;
/** `SIF_HVM_GHCB`: the domain is an SEV-ES/SNP guest that needs the GHCB protocol (bit 5; proposed for Xen in 2025). */
export const SIF_HVM_GHCB = 1 << 5;
/** `SIF_PM_MASK`: one byte reserved for xen-pm options. */
export const SIF_PM_MASK = 0xff << 8;

/** The `SIF_*` flags by name. */
export const SIF_FLAGS: Readonly<Record<string, number>> = {
  SIF_PRIVILEGED,
  SIF_INITDOMAIN,
  SIF_MULTIBOOT_MOD,
  SIF_MOD_START_PFN,
  SIF_VIRT_P2M_4TOOLS,
  SIF_HVM_GHCB,
};

/** `XEN_HVM_MEMMAP_TYPE_RAM`. */
export const XEN_HVM_MEMMAP_TYPE_RAM = 1;
/** `XEN_HVM_MEMMAP_TYPE_RESERVED`. */
export const XEN_HVM_MEMMAP_TYPE_RESERVED = 2;
/** `XEN_HVM_MEMMAP_TYPE_ACPI`. */
export const XEN_HVM_MEMMAP_TYPE_ACPI = 3;
/** `XEN_HVM_MEMMAP_TYPE_NVS`. */
export const XEN_HVM_MEMMAP_TYPE_NVS = 4;
/** `XEN_HVM_MEMMAP_TYPE_UNUSABLE`. */
export const XEN_HVM_MEMMAP_TYPE_UNUSABLE = 5;
/** `XEN_HVM_MEMMAP_TYPE_DISABLED`. */
export const XEN_HVM_MEMMAP_TYPE_DISABLED = 6;
/** `XEN_HVM_MEMMAP_TYPE_PMEM`. */
export const XEN_HVM_MEMMAP_TYPE_PMEM = 7;

/** The memory map types by value (they equal the e820 types). */
export const XEN_HVM_MEMMAP_TYPES: Readonly<Record<number, string>> = {
  1: 'XEN_HVM_MEMMAP_TYPE_RAM',
  2: 'XEN_HVM_MEMMAP_TYPE_RESERVED',
  3: 'XEN_HVM_MEMMAP_TYPE_ACPI',
  4: 'XEN_HVM_MEMMAP_TYPE_NVS',
  5: 'XEN_HVM_MEMMAP_TYPE_UNUSABLE',
  6: 'XEN_HVM_MEMMAP_TYPE_DISABLED',
  7: 'XEN_HVM_MEMMAP_TYPE_PMEM',
};

const V0_FIELDS = {
  /** Always `XEN_HVM_START_MAGIC_VALUE` (0x336ec578). */
  magic: u32(0, { values: { [XEN_HVM_START_MAGIC_VALUE]: 'XEN_HVM_START_MAGIC_VALUE' } }),
  /** Which layout follows: 0 (40 bytes) or 1 (56 bytes, with the memory map). */
  version: u32(4),
  /** `SIF_*` bits. */
  flags: u32(8, { flags: SIF_FLAGS }),
  /** How many entries the module list holds. */
  nrModules: u32(12),
  /** Physical address of the module list, an array of `hvm_modlist_entry`; 0 when there are no modules. */
  modlistPaddr: u64(16),
  /** Physical address of the kernel's NUL-terminated command line; 0 when there is none. */
  cmdlinePaddr: u64(24),
  /** Physical address of the ACPI RSDP; 0 when the guest must look for it itself. */
  rsdpPaddr: u64(32),
} as const;

/** `struct hvm_start_info` as of version 0 (40 bytes: it ends after `rsdp_paddr`). */
export const HVM_START_INFO_V0 = defineLayout({ name: 'hvm_start_info', format: 'pvh', size: 40, fields: V0_FIELDS });

/** `struct hvm_start_info` as of version 1 (56 bytes: adds the memory map). */
export const HVM_START_INFO = defineLayout({
  name: 'hvm_start_info',
  format: 'pvh',
  size: 56,
  fields: {
    ...V0_FIELDS,
    /** Physical address of the memory map, an array of `hvm_memmap_table_entry`; 0 when there is none. */
    memmapPaddr: u64(40),
    /** How many entries the memory map holds. */
    memmapEntries: u32(48),
    /** Padding to 56 bytes; must be 0. */
    reserved: u32(52),
  },
});

/** `struct hvm_modlist_entry` (32 bytes). */
export const HVM_MODLIST_ENTRY = defineLayout({
  name: 'hvm_modlist_entry',
  format: 'pvh',
  size: 32,
  fields: {
    /** Physical address of the module's first byte. */
    paddr: u64(0),
    /** The module's size in bytes. */
    size: u64(8),
    /** Physical address of the module's NUL-terminated command line; 0 when it has none. */
    cmdlinePaddr: u64(16),
    /** Must be 0. */
    reserved: u64(24),
  },
});

/** `struct hvm_memmap_table_entry` (24 bytes). */
export const HVM_MEMMAP_TABLE_ENTRY = defineLayout({
  name: 'hvm_memmap_table_entry',
  format: 'pvh',
  size: 24,
  fields: {
    /** First physical address of the range. */
    addr: u64(0),
    /** Length of the range in bytes. */
    size: u64(8),
    /** What the range is: a `XEN_HVM_MEMMAP_TYPE_*` value (the e820 numbers). */
    type: u32(16, { values: XEN_HVM_MEMMAP_TYPES }),
    /** Must be 0. */
    reserved: u32(20),
  },
});

/**
 * A decoded version 0 start_info.
 *
 * @interface
 */
export type HvmStartInfoV0 = Decoded<typeof HVM_START_INFO_V0.fields>;
/**
 * A decoded version 1 start_info.
 *
 * @interface
 */
export type HvmStartInfoV1 = Decoded<typeof HVM_START_INFO.fields>;
/**
 * A decoded `hvm_start_info`: the version 1 fields are present when
 * `version` is 1 or more, absent for version 0.
 *
 * @interface
 */
export type HvmStartInfo = HvmStartInfoV0 & Partial<Omit<HvmStartInfoV1, keyof HvmStartInfoV0>>;
/**
 * A decoded `hvm_modlist_entry`.
 *
 * @interface
 */
export type HvmModlistEntry = Decoded<typeof HVM_MODLIST_ENTRY.fields>;
/**
 * A decoded `hvm_memmap_table_entry`.
 *
 * @interface
 */
export type HvmMemmapTableEntry = Decoded<typeof HVM_MEMMAP_TABLE_ENTRY.fields>;

/** The size of a start_info of this version: 40 for version 0, 56 for 1 and above (read as 1). */
export function startInfoSize(version: number): number {
  return version === 0 ? HVM_START_INFO_V0.size : HVM_START_INFO.size;
}

/**
 * Decodes the `hvm_start_info` at `offset`. Checks the magic; reads 40 bytes
 * for version 0 and 56 for version 1 and above (a newer version is read as 1:
 * versions are backwards-compatible; `validateStartInfo` warns).
 */
export function decodeStartInfo(bytes: Uint8Array, offset = 0): HvmStartInfo {
  const v0 = viewLayout(HVM_START_INFO_V0, bytes, offset);
  if (v0.magic !== XEN_HVM_START_MAGIC_VALUE) {
    throw new BootprotoError({
      code: 'BAD_MAGIC',
      format: 'pvh',
      structure: 'hvm_start_info',
      field: 'magic',
      offset,
      reason: `0x${v0.magic.toString(16)} is not XEN_HVM_START_MAGIC_VALUE (0x336ec578)`,
    });
  }
  return v0.version === 0 ? decodeLayout(HVM_START_INFO_V0, bytes, offset) : decodeLayout(HVM_START_INFO, bytes, offset);
}

/**
 * Encodes a start_info: 40 bytes for version 0, 56 otherwise (the version 1
 * fields default to 0 when absent).
 */
export function encodeStartInfo(info: HvmStartInfo, into?: Uint8Array, offset = 0): Uint8Array {
  if (info.version === 0) return encodeLayout(HVM_START_INFO_V0, info, into, offset);
  return encodeLayout(
    HVM_START_INFO,
    { ...info, memmapPaddr: info.memmapPaddr ?? 0n, memmapEntries: info.memmapEntries ?? 0, reserved: info.reserved ?? 0 },
    into,
    offset,
  );
}

/** A zero-allocation view of a version 1 start_info (use {@link HVM_START_INFO_V0} for a 40-byte version 0). */
export function viewStartInfo(bytes: Uint8Array, offset = 0): View<typeof HVM_START_INFO.fields> {
  return viewLayout(HVM_START_INFO, bytes, offset);
}

/** Decodes one `hvm_modlist_entry`. */
export function decodeModlistEntry(bytes: Uint8Array, offset = 0): HvmModlistEntry {
  return decodeLayout(HVM_MODLIST_ENTRY, bytes, offset);
}

/** Encodes one `hvm_modlist_entry`. */
export function encodeModlistEntry(entry: HvmModlistEntry, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(HVM_MODLIST_ENTRY, entry, into, offset);
}

/** Decodes one `hvm_memmap_table_entry`. */
export function decodeMemmapEntry(bytes: Uint8Array, offset = 0): HvmMemmapTableEntry {
  return decodeLayout(HVM_MEMMAP_TABLE_ENTRY, bytes, offset);
}

/** Encodes one `hvm_memmap_table_entry`. */
export function encodeMemmapEntry(entry: HvmMemmapTableEntry, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(HVM_MEMMAP_TABLE_ENTRY, entry, into, offset);
}

/** Views a module list of `count` entries at `offset` through one reused view (no allocation per entry). */
export function viewModlist(bytes: Uint8Array, offset: number, count: number): TableView<typeof HVM_MODLIST_ENTRY.fields> {
  return viewTable(HVM_MODLIST_ENTRY, bytes, offset, count);
}

/** Views a memory map of `count` entries at `offset` through one reused view (no allocation per entry). */
export function viewMemmap(bytes: Uint8Array, offset: number, count: number): TableView<typeof HVM_MEMMAP_TABLE_ENTRY.fields> {
  return viewTable(HVM_MEMMAP_TABLE_ENTRY, bytes, offset, count);
}

/** Encodes a whole memory map table. */
export function encodeMemmap(entries: readonly HvmMemmapTableEntry[], into?: Uint8Array, offset = 0): Uint8Array {
  const out = into ?? new Uint8Array(offset + entries.length * HVM_MEMMAP_TABLE_ENTRY.size);
  entries.forEach((e, i) => encodeMemmapEntry(e, out, offset + i * HVM_MEMMAP_TABLE_ENTRY.size));
  return out;
}

/** Encodes a whole module list. */
export function encodeModlist(entries: readonly HvmModlistEntry[], into?: Uint8Array, offset = 0): Uint8Array {
  const out = into ?? new Uint8Array(offset + entries.length * HVM_MODLIST_ENTRY.size);
  entries.forEach((e, i) => encodeModlistEntry(e, out, offset + i * HVM_MODLIST_ENTRY.size));
  return out;
}
