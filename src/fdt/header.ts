/**
 * The devicetree blob header (`struct fdt_header`, versions 2 to 17) and the
 * memory reservation map (`struct fdt_reserve_entry`), as the Devicetree
 * Specification v0.4 §5.2 and §5.3 and libfdt's `fdt.h` define them. Every
 * field is a big-endian integer.
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
  type Decoded,
  type View,
} from '../core/index.js';

/** `FDT_MAGIC`: the first word of every devicetree blob. */
export const FDT_MAGIC = 0xd00dfeed;
/** `FDT_BEGIN_NODE`: starts a node; followed by its NUL-terminated name, padded to 4 bytes. */
export const FDT_BEGIN_NODE = 0x1;
/** `FDT_END_NODE`: ends a node. */
export const FDT_END_NODE = 0x2;
/** `FDT_PROP`: a property; followed by `len`, `nameoff` and `len` bytes of value, padded to 4 bytes. */
export const FDT_PROP = 0x3;
/** `FDT_NOP`: ignored by every reader. */
export const FDT_NOP = 0x4;
/** `FDT_END`: the last token of the structure block. */
export const FDT_END = 0x9;
/** `FDT_TAGSIZE`: the size of a token (4 bytes). */
export const FDT_TAGSIZE = 4;

/** `FDT_FIRST_SUPPORTED_VERSION` of libfdt: the oldest version it reads (2). */
export const FDT_FIRST_SUPPORTED_VERSION = 0x02;
/** `FDT_LAST_SUPPORTED_VERSION` of libfdt: the newest version it writes (17). */
export const FDT_LAST_SUPPORTED_VERSION = 0x11;
/** `FDT_MAX_PHANDLE`: the largest valid phandle (0 and 0xffffffff are not phandles). */
export const FDT_MAX_PHANDLE = 0xfffffffe;
/** `FDT_MAX_NCELLS`: the largest `#address-cells`/`#size-cells` libfdt accepts. */
export const FDT_MAX_NCELLS = 4;

/** `FDT_V1_SIZE`: the header of versions 0 and 1 (7 words). */
export const FDT_V1_SIZE = 28;
/** `FDT_V2_SIZE`: version 2 adds `boot_cpuid_phys`. */
export const FDT_V2_SIZE = 32;
/** `FDT_V3_SIZE`: version 3 adds `size_dt_strings`. */
export const FDT_V3_SIZE = 36;
/** `FDT_V16_SIZE`: version 16 has the version 3 header. */
export const FDT_V16_SIZE = 36;
/** `FDT_V17_SIZE`: version 17 adds `size_dt_struct`. */
export const FDT_V17_SIZE = 40;

const V1_FIELDS = {
  /** `magic`: `FDT_MAGIC` (0xd00dfeed). */
  magic: u32(0, { values: { [FDT_MAGIC]: 'FDT_MAGIC' } }),
  /** `totalsize`: the blob's size, free space included. */
  totalsize: u32(4),
  /** `off_dt_struct`: offset of the structure block. */
  offDtStruct: u32(8),
  /** `off_dt_strings`: offset of the strings block. */
  offDtStrings: u32(12),
  /** `off_mem_rsvmap`: offset of the memory reservation block. */
  offMemRsvmap: u32(16),
  /** `version`: the format version (17 today). */
  version: u32(20),
  /** `last_comp_version`: the oldest version this blob is compatible with (16). */
  lastCompVersion: u32(24),
} as const;

/** `struct fdt_header` as versions 0 and 1 have it (28 bytes). */
export const FDT_HEADER_V1 = defineLayout({
  name: 'fdt_header',
  format: 'fdt',
  size: FDT_V1_SIZE,
  littleEndian: false,
  fields: V1_FIELDS,
});

const V2_FIELDS = {
  ...V1_FIELDS,
  /** `boot_cpuid_phys` (version 2): the boot CPU's physical id. */
  bootCpuidPhys: u32(28),
} as const;
/** `struct fdt_header` as version 2 has it (32 bytes). */
export const FDT_HEADER_V2 = defineLayout({
  name: 'fdt_header',
  format: 'fdt',
  size: FDT_V2_SIZE,
  littleEndian: false,
  fields: V2_FIELDS,
});

const V3_FIELDS = {
  ...V2_FIELDS,
  /** `size_dt_strings` (version 3): the strings block's size. */
  sizeDtStrings: u32(32),
} as const;
/** `struct fdt_header` as versions 3 to 16 have it (36 bytes). */
export const FDT_HEADER_V3 = defineLayout({
  name: 'fdt_header',
  format: 'fdt',
  size: FDT_V3_SIZE,
  littleEndian: false,
  fields: V3_FIELDS,
});

/** `struct fdt_header` as version 17 has it (40 bytes): every field. */
export const FDT_HEADER = defineLayout({
  name: 'fdt_header',
  format: 'fdt',
  size: FDT_V17_SIZE,
  littleEndian: false,
  fields: {
    ...V3_FIELDS,
    /** `size_dt_struct` (version 17): the structure block's size. */
    sizeDtStruct: u32(36),
  },
});

/** `struct fdt_reserve_entry` (16 bytes): one reserved physical memory range. */
export const FDT_RESERVE_ENTRY = defineLayout({
  name: 'fdt_reserve_entry',
  format: 'fdt',
  size: 16,
  littleEndian: false,
  fields: {
    /** `address`: the reserved range's physical address. */
    address: u64(0),
    /** `size`: its size in bytes (0 ends the map). */
    size: u64(8),
  },
});

/**
 * A decoded `fdt_header`. The fields a version lacks are absent:
 * `bootCpuidPhys` from version 2, `sizeDtStrings` from version 3,
 * `sizeDtStruct` from version 17.
 */
export type FdtHeader = FdtHeaderV1 & Partial<Omit<FdtHeaderV17, keyof FdtHeaderV1>>;

/**
 * The seven words every header version has.
 *
 * @useDeclaredType
 */
export type FdtHeaderV1 = Decoded<typeof FDT_HEADER_V1.fields>;

/**
 * A version 17 header: every field.
 *
 * @useDeclaredType
 */
export type FdtHeaderV17 = Decoded<typeof FDT_HEADER.fields>;

/**
 * A decoded `fdt_reserve_entry`.
 *
 * @useDeclaredType
 */
export type FdtReserveEntry = Decoded<typeof FDT_RESERVE_ENTRY.fields>;

/** The header size of a version, as libfdt's `fdt_header_size_()` gives it. */
export function fdtHeaderSize(version: number): number {
  if (version <= 1) return FDT_V1_SIZE;
  if (version <= 2) return FDT_V2_SIZE;
  if (version <= 16) return FDT_V3_SIZE;
  return FDT_V17_SIZE;
}

/** The header layout of a version (a version above 17 reads as 17). */
export function fdtHeaderLayout(
  version: number,
): typeof FDT_HEADER_V1 | typeof FDT_HEADER_V2 | typeof FDT_HEADER_V3 | typeof FDT_HEADER {
  if (version <= 1) return FDT_HEADER_V1;
  if (version <= 2) return FDT_HEADER_V2;
  if (version <= 16) return FDT_HEADER_V3;
  return FDT_HEADER;
}

/** True when `bytes` start (at `offset`) with `FDT_MAGIC`, big-endian. */
export function detectFdt(bytes: Uint8Array, offset = 0): boolean {
  return (
    offset >= 0 &&
    bytes.length - offset >= 4 &&
    bytes[offset] === 0xd0 &&
    bytes[offset + 1] === 0x0d &&
    bytes[offset + 2] === 0xfe &&
    bytes[offset + 3] === 0xed
  );
}

function fail(code: 'BAD_MAGIC' | 'UNSUPPORTED_VERSION' | 'BAD_VALUE', field: string, offset: number, reason: string): never {
  throw new BootprotoError({ code, format: 'fdt', structure: 'fdt_header', field, offset, reason });
}

/**
 * Decodes the header at `offset`: checks the magic and that libfdt reads the
 * version (`version` ≥ 2, `last_comp_version` ≤ 17, `version` ≥
 * `last_comp_version`), then reads as many bytes as the version's header has.
 * It does not check the block offsets: {@link openFdt} and
 * {@link validateFdt} do.
 */
export function decodeFdtHeader(bytes: Uint8Array, offset = 0): FdtHeader {
  const v1 = viewLayout(FDT_HEADER_V1, bytes, offset);
  if (v1.magic !== FDT_MAGIC) fail('BAD_MAGIC', 'magic', offset, `0x${v1.magic.toString(16)} is not FDT_MAGIC (0xd00dfeed)`);
  const version = v1.version;
  const last = v1.lastCompVersion;
  if (version < FDT_FIRST_SUPPORTED_VERSION) {
    fail('UNSUPPORTED_VERSION', 'version', offset + 20, `version ${version} is older than 2, the oldest libfdt reads`);
  }
  if (last > FDT_LAST_SUPPORTED_VERSION) {
    fail('UNSUPPORTED_VERSION', 'last_comp_version', offset + 24, `last_comp_version ${last} is newer than 17`);
  }
  if (version < last) {
    fail('UNSUPPORTED_VERSION', 'version', offset + 20, `version ${version} is below last_comp_version ${last}`);
  }
  return decodeLayout(fdtHeaderLayout(version), bytes, offset);
}

/**
 * Encodes a header: as many bytes as its `version` has (40 for version 17;
 * a field the version has but the object lacks is written as 0).
 */
export function encodeFdtHeader(header: FdtHeader, into?: Uint8Array, offset = 0): Uint8Array {
  const layout = fdtHeaderLayout(header.version);
  const full = {
    ...header,
    bootCpuidPhys: header.bootCpuidPhys ?? 0,
    sizeDtStrings: header.sizeDtStrings ?? 0,
    sizeDtStruct: header.sizeDtStruct ?? 0,
  };
  return encodeLayout(layout as typeof FDT_HEADER, full, into, offset);
}

/** A zero-allocation view of a version 17 header (40 bytes). */
export function viewFdtHeader(bytes: Uint8Array, offset = 0): View<typeof FDT_HEADER.fields> {
  return viewLayout(FDT_HEADER, bytes, offset);
}

/** Decodes one `fdt_reserve_entry`. */
export function decodeFdtReserveEntry(bytes: Uint8Array, offset = 0): FdtReserveEntry {
  return decodeLayout(FDT_RESERVE_ENTRY, bytes, offset);
}

/** Encodes one `fdt_reserve_entry`. */
export function encodeFdtReserveEntry(entry: FdtReserveEntry, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(FDT_RESERVE_ENTRY, entry, into, offset);
}
