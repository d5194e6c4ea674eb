/**
 * Constants of the Microsoft PE/COFF specification ("PE Format", Microsoft
 * Learn): machine types, file and DLL characteristics, subsystems, section
 * flags, data directory slots, base relocation types, debug types and the
 * `WIN_CERTIFICATE` revisions and types. Names are the specification's.
 *
 * @module
 */

/** "MZ": `e_magic` of the MS-DOS header. */
export const IMAGE_DOS_SIGNATURE = 0x5a4d;
/** "PE\0\0": the signature at `e_lfanew`, read as a little-endian u32. */
export const IMAGE_NT_SIGNATURE = 0x00004550;
/** `Magic` of a PE32 optional header. */
export const IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b;
/** `Magic` of a PE32+ optional header. */
export const IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b;
/** `Magic` of a ROM image's optional header (not an EFI format; reported, never decoded). */
export const IMAGE_ROM_OPTIONAL_HDR_MAGIC = 0x107;
/** The number of data directory slots the specification defines. */
export const IMAGE_NUMBEROF_DIRECTORY_ENTRIES = 16;
/** Size of one COFF symbol table record; the string table follows `NumberOfSymbols` of them. */
export const IMAGE_SIZEOF_SYMBOL = 18;
/** The Windows loader refuses images with more sections than this (a warning here). */
export const WINDOWS_MAX_SECTIONS = 96;

/** Machine types (`IMAGE_FILE_MACHINE_*`) by value. */
export const IMAGE_FILE_MACHINE: Readonly<Record<number, string>> = {
  0x0: 'IMAGE_FILE_MACHINE_UNKNOWN',
  0x184: 'IMAGE_FILE_MACHINE_ALPHA',
  0x284: 'IMAGE_FILE_MACHINE_ALPHA64',
  0x1d3: 'IMAGE_FILE_MACHINE_AM33',
  0x8664: 'IMAGE_FILE_MACHINE_AMD64',
  0x1c0: 'IMAGE_FILE_MACHINE_ARM',
  0xaa64: 'IMAGE_FILE_MACHINE_ARM64',
  0xa641: 'IMAGE_FILE_MACHINE_ARM64EC',
  0xa64e: 'IMAGE_FILE_MACHINE_ARM64X',
  0x1c4: 'IMAGE_FILE_MACHINE_ARMNT',
  0xebc: 'IMAGE_FILE_MACHINE_EBC',
  0x14c: 'IMAGE_FILE_MACHINE_I386',
  0x200: 'IMAGE_FILE_MACHINE_IA64',
  0x6232: 'IMAGE_FILE_MACHINE_LOONGARCH32',
  0x6264: 'IMAGE_FILE_MACHINE_LOONGARCH64',
  0x9041: 'IMAGE_FILE_MACHINE_M32R',
  0x266: 'IMAGE_FILE_MACHINE_MIPS16',
  0x366: 'IMAGE_FILE_MACHINE_MIPSFPU',
  0x466: 'IMAGE_FILE_MACHINE_MIPSFPU16',
  0x1f0: 'IMAGE_FILE_MACHINE_POWERPC',
  0x1f1: 'IMAGE_FILE_MACHINE_POWERPCFP',
  0x160: 'IMAGE_FILE_MACHINE_R3000BE',
  0x162: 'IMAGE_FILE_MACHINE_R3000',
  0x166: 'IMAGE_FILE_MACHINE_R4000',
  0x168: 'IMAGE_FILE_MACHINE_R10000',
  0x5032: 'IMAGE_FILE_MACHINE_RISCV32',
  0x5064: 'IMAGE_FILE_MACHINE_RISCV64',
  0x5128: 'IMAGE_FILE_MACHINE_RISCV128',
  0x1a2: 'IMAGE_FILE_MACHINE_SH3',
  0x1a3: 'IMAGE_FILE_MACHINE_SH3DSP',
  0x1a6: 'IMAGE_FILE_MACHINE_SH4',
  0x1a8: 'IMAGE_FILE_MACHINE_SH5',
  0x1c2: 'IMAGE_FILE_MACHINE_THUMB',
  0x169: 'IMAGE_FILE_MACHINE_WCEMIPSV2',
};

/** `IMAGE_FILE_MACHINE_I386` (ia32). */
export const IMAGE_FILE_MACHINE_I386 = 0x14c;
/** `IMAGE_FILE_MACHINE_AMD64` (x64). */
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
/** `IMAGE_FILE_MACHINE_ARM64`. */
export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
/** `IMAGE_FILE_MACHINE_ARMNT` (32-bit ARM as UEFI uses it: Thumb-2). */
export const IMAGE_FILE_MACHINE_ARMNT = 0x1c4;
/** `IMAGE_FILE_MACHINE_ARM`. */
export const IMAGE_FILE_MACHINE_ARM = 0x1c0;
/** `IMAGE_FILE_MACHINE_RISCV64`. */
export const IMAGE_FILE_MACHINE_RISCV64 = 0x5064;
/** `IMAGE_FILE_MACHINE_LOONGARCH64`. */
export const IMAGE_FILE_MACHINE_LOONGARCH64 = 0x6264;

/** File characteristics (`IMAGE_FILE_*`) by name; 0x0040 is reserved and unnamed. */
export const IMAGE_FILE_CHARACTERISTICS: Readonly<Record<string, number>> = {
  IMAGE_FILE_RELOCS_STRIPPED: 0x0001,
  IMAGE_FILE_EXECUTABLE_IMAGE: 0x0002,
  IMAGE_FILE_LINE_NUMS_STRIPPED: 0x0004,
  IMAGE_FILE_LOCAL_SYMS_STRIPPED: 0x0008,
  IMAGE_FILE_AGGRESSIVE_WS_TRIM: 0x0010,
  IMAGE_FILE_LARGE_ADDRESS_AWARE: 0x0020,
  IMAGE_FILE_BYTES_REVERSED_LO: 0x0080,
  IMAGE_FILE_32BIT_MACHINE: 0x0100,
  IMAGE_FILE_DEBUG_STRIPPED: 0x0200,
  IMAGE_FILE_REMOVABLE_RUN_FROM_SWAP: 0x0400,
  IMAGE_FILE_NET_RUN_FROM_SWAP: 0x0800,
  IMAGE_FILE_SYSTEM: 0x1000,
  IMAGE_FILE_DLL: 0x2000,
  IMAGE_FILE_UP_SYSTEM_ONLY: 0x4000,
  IMAGE_FILE_BYTES_REVERSED_HI: 0x8000,
};
/** `IMAGE_FILE_RELOCS_STRIPPED`. */
export const IMAGE_FILE_RELOCS_STRIPPED = 0x0001;
/** `IMAGE_FILE_EXECUTABLE_IMAGE`. */
export const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
/** `IMAGE_FILE_DLL`. */
export const IMAGE_FILE_DLL = 0x2000;

/** Subsystems (`IMAGE_SUBSYSTEM_*`) by value. */
export const IMAGE_SUBSYSTEM: Readonly<Record<number, string>> = {
  0: 'IMAGE_SUBSYSTEM_UNKNOWN',
  1: 'IMAGE_SUBSYSTEM_NATIVE',
  2: 'IMAGE_SUBSYSTEM_WINDOWS_GUI',
  3: 'IMAGE_SUBSYSTEM_WINDOWS_CUI',
  5: 'IMAGE_SUBSYSTEM_OS2_CUI',
  7: 'IMAGE_SUBSYSTEM_POSIX_CUI',
  8: 'IMAGE_SUBSYSTEM_NATIVE_WINDOWS',
  9: 'IMAGE_SUBSYSTEM_WINDOWS_CE_GUI',
  10: 'IMAGE_SUBSYSTEM_EFI_APPLICATION',
  11: 'IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER',
  12: 'IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER',
  13: 'IMAGE_SUBSYSTEM_EFI_ROM',
  14: 'IMAGE_SUBSYSTEM_XBOX',
  16: 'IMAGE_SUBSYSTEM_WINDOWS_BOOT_APPLICATION',
};
/** `IMAGE_SUBSYSTEM_EFI_APPLICATION`. */
export const IMAGE_SUBSYSTEM_EFI_APPLICATION = 10;

/** DLL characteristics (`IMAGE_DLLCHARACTERISTICS_*`) by name. */
export const IMAGE_DLLCHARACTERISTICS: Readonly<Record<string, number>> = {
  IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA: 0x0020,
  IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE: 0x0040,
  IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY: 0x0080,
  IMAGE_DLLCHARACTERISTICS_NX_COMPAT: 0x0100,
  IMAGE_DLLCHARACTERISTICS_NO_ISOLATION: 0x0200,
  IMAGE_DLLCHARACTERISTICS_NO_SEH: 0x0400,
  IMAGE_DLLCHARACTERISTICS_NO_BIND: 0x0800,
  IMAGE_DLLCHARACTERISTICS_APPCONTAINER: 0x1000,
  IMAGE_DLLCHARACTERISTICS_WDM_DRIVER: 0x2000,
  IMAGE_DLLCHARACTERISTICS_GUARD_CF: 0x4000,
  IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE: 0x8000,
};
/** `IMAGE_DLLCHARACTERISTICS_NX_COMPAT`: the image runs with non-executable data (UEFI's memory attributes protocol honours it). */
export const IMAGE_DLLCHARACTERISTICS_NX_COMPAT = 0x0100;

/** Section flags (`IMAGE_SCN_*`) by name; the alignment values are in {@link IMAGE_SCN_ALIGN}. */
export const IMAGE_SCN: Readonly<Record<string, number>> = {
  IMAGE_SCN_TYPE_NO_PAD: 0x00000008,
  IMAGE_SCN_CNT_CODE: 0x00000020,
  IMAGE_SCN_CNT_INITIALIZED_DATA: 0x00000040,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA: 0x00000080,
  IMAGE_SCN_LNK_OTHER: 0x00000100,
  IMAGE_SCN_LNK_INFO: 0x00000200,
  IMAGE_SCN_LNK_REMOVE: 0x00000800,
  IMAGE_SCN_LNK_COMDAT: 0x00001000,
  IMAGE_SCN_GPREL: 0x00008000,
  IMAGE_SCN_MEM_16BIT: 0x00020000,
  IMAGE_SCN_MEM_LOCKED: 0x00040000,
  IMAGE_SCN_MEM_PRELOAD: 0x00080000,
  IMAGE_SCN_LNK_NRELOC_OVFL: 0x01000000,
  IMAGE_SCN_MEM_DISCARDABLE: 0x02000000,
  IMAGE_SCN_MEM_NOT_CACHED: 0x04000000,
  IMAGE_SCN_MEM_NOT_PAGED: 0x08000000,
  IMAGE_SCN_MEM_SHARED: 0x10000000,
  IMAGE_SCN_MEM_EXECUTE: 0x20000000,
  IMAGE_SCN_MEM_READ: 0x40000000,
  IMAGE_SCN_MEM_WRITE: 0x80000000,
};
/** `IMAGE_SCN_CNT_CODE`. */
export const IMAGE_SCN_CNT_CODE = 0x00000020;
/** `IMAGE_SCN_CNT_INITIALIZED_DATA`. */
export const IMAGE_SCN_CNT_INITIALIZED_DATA = 0x00000040;
/** `IMAGE_SCN_CNT_UNINITIALIZED_DATA`. */
export const IMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x00000080;
/** `IMAGE_SCN_MEM_DISCARDABLE`. */
export const IMAGE_SCN_MEM_DISCARDABLE = 0x02000000;
/** `IMAGE_SCN_MEM_EXECUTE`. */
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
/** `IMAGE_SCN_MEM_READ`. */
export const IMAGE_SCN_MEM_READ = 0x40000000;
/** `IMAGE_SCN_MEM_WRITE`. */
export const IMAGE_SCN_MEM_WRITE = 0x80000000;
/** `IMAGE_SCN_ALIGN_MASK`: the 4-bit alignment field of object-file sections. */
export const IMAGE_SCN_ALIGN_MASK = 0x00f00000;
/** The `IMAGE_SCN_ALIGN_*` values (object files only), by value. */
export const IMAGE_SCN_ALIGN: Readonly<Record<number, string>> = {
  0x00100000: 'IMAGE_SCN_ALIGN_1BYTES',
  0x00200000: 'IMAGE_SCN_ALIGN_2BYTES',
  0x00300000: 'IMAGE_SCN_ALIGN_4BYTES',
  0x00400000: 'IMAGE_SCN_ALIGN_8BYTES',
  0x00500000: 'IMAGE_SCN_ALIGN_16BYTES',
  0x00600000: 'IMAGE_SCN_ALIGN_32BYTES',
  0x00700000: 'IMAGE_SCN_ALIGN_64BYTES',
  0x00800000: 'IMAGE_SCN_ALIGN_128BYTES',
  0x00900000: 'IMAGE_SCN_ALIGN_256BYTES',
  0x00a00000: 'IMAGE_SCN_ALIGN_512BYTES',
  0x00b00000: 'IMAGE_SCN_ALIGN_1024BYTES',
  0x00c00000: 'IMAGE_SCN_ALIGN_2048BYTES',
  0x00d00000: 'IMAGE_SCN_ALIGN_4096BYTES',
  0x00e00000: 'IMAGE_SCN_ALIGN_8192BYTES',
};

/** Data directory slots (`IMAGE_DIRECTORY_ENTRY_*`), by index. */
export const IMAGE_DIRECTORY_ENTRY: readonly string[] = [
  'IMAGE_DIRECTORY_ENTRY_EXPORT',
  'IMAGE_DIRECTORY_ENTRY_IMPORT',
  'IMAGE_DIRECTORY_ENTRY_RESOURCE',
  'IMAGE_DIRECTORY_ENTRY_EXCEPTION',
  'IMAGE_DIRECTORY_ENTRY_SECURITY',
  'IMAGE_DIRECTORY_ENTRY_BASERELOC',
  'IMAGE_DIRECTORY_ENTRY_DEBUG',
  'IMAGE_DIRECTORY_ENTRY_ARCHITECTURE',
  'IMAGE_DIRECTORY_ENTRY_GLOBALPTR',
  'IMAGE_DIRECTORY_ENTRY_TLS',
  'IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG',
  'IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT',
  'IMAGE_DIRECTORY_ENTRY_IAT',
  'IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT',
  'IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR',
  'IMAGE_DIRECTORY_ENTRY_RESERVED',
];
/** Slot of the export table. */
export const IMAGE_DIRECTORY_ENTRY_EXPORT = 0;
/** Slot of the import table. */
export const IMAGE_DIRECTORY_ENTRY_IMPORT = 1;
/** Slot of the certificate table (its "RVA" is a file offset). */
export const IMAGE_DIRECTORY_ENTRY_SECURITY = 4;
/** Slot of the base relocation table. */
export const IMAGE_DIRECTORY_ENTRY_BASERELOC = 5;
/** Slot of the debug directory. */
export const IMAGE_DIRECTORY_ENTRY_DEBUG = 6;

/**
 * Base relocation types (`IMAGE_REL_BASED_*`) by value. Values 5, 7 and 8
 * mean different things on different machines: see {@link relocationTypeName}.
 */
export const IMAGE_REL_BASED: Readonly<Record<number, string>> = {
  0: 'IMAGE_REL_BASED_ABSOLUTE',
  1: 'IMAGE_REL_BASED_HIGH',
  2: 'IMAGE_REL_BASED_LOW',
  3: 'IMAGE_REL_BASED_HIGHLOW',
  4: 'IMAGE_REL_BASED_HIGHADJ',
  5: 'IMAGE_REL_BASED_MIPS_JMPADDR',
  7: 'IMAGE_REL_BASED_THUMB_MOV32',
  8: 'IMAGE_REL_BASED_RISCV_LOW12S',
  9: 'IMAGE_REL_BASED_MIPS_JMPADDR16',
  10: 'IMAGE_REL_BASED_DIR64',
};
/** `IMAGE_REL_BASED_ABSOLUTE`: padding, skipped. */
export const IMAGE_REL_BASED_ABSOLUTE = 0;
/** `IMAGE_REL_BASED_HIGHLOW`: a 32-bit field. */
export const IMAGE_REL_BASED_HIGHLOW = 3;
/** `IMAGE_REL_BASED_HIGHADJ`: takes the next entry as its low half. */
export const IMAGE_REL_BASED_HIGHADJ = 4;
/** `IMAGE_REL_BASED_DIR64`: a 64-bit field. */
export const IMAGE_REL_BASED_DIR64 = 10;

/** The name of base relocation `type` for `machine` (5, 7 and 8 depend on the machine). */
export function relocationTypeName(type: number, machine: number): string {
  const riscv = machine === 0x5032 || machine === 0x5064 || machine === 0x5128;
  const arm = machine === 0x1c0 || machine === 0x1c2 || machine === 0x1c4;
  if (type === 5) {
    if (riscv) return 'IMAGE_REL_BASED_RISCV_HIGH20';
    if (arm) return 'IMAGE_REL_BASED_ARM_MOV32';
    return 'IMAGE_REL_BASED_MIPS_JMPADDR';
  }
  if (type === 7) return riscv ? 'IMAGE_REL_BASED_RISCV_LOW12I' : 'IMAGE_REL_BASED_THUMB_MOV32';
  if (type === 8) {
    if (machine === 0x6232) return 'IMAGE_REL_BASED_LOONGARCH32_MARK_LA';
    if (machine === 0x6264) return 'IMAGE_REL_BASED_LOONGARCH64_MARK_LA';
    return 'IMAGE_REL_BASED_RISCV_LOW12S';
  }
  return IMAGE_REL_BASED[type] ?? `reserved (${type})`;
}

/** Debug types (`IMAGE_DEBUG_TYPE_*`) by value. */
export const IMAGE_DEBUG_TYPE: Readonly<Record<number, string>> = {
  0: 'IMAGE_DEBUG_TYPE_UNKNOWN',
  1: 'IMAGE_DEBUG_TYPE_COFF',
  2: 'IMAGE_DEBUG_TYPE_CODEVIEW',
  3: 'IMAGE_DEBUG_TYPE_FPO',
  4: 'IMAGE_DEBUG_TYPE_MISC',
  5: 'IMAGE_DEBUG_TYPE_EXCEPTION',
  6: 'IMAGE_DEBUG_TYPE_FIXUP',
  7: 'IMAGE_DEBUG_TYPE_OMAP_TO_SRC',
  8: 'IMAGE_DEBUG_TYPE_OMAP_FROM_SRC',
  9: 'IMAGE_DEBUG_TYPE_BORLAND',
  10: 'IMAGE_DEBUG_TYPE_RESERVED10',
  11: 'IMAGE_DEBUG_TYPE_CLSID',
  16: 'IMAGE_DEBUG_TYPE_REPRO',
  20: 'IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS',
};
/** `IMAGE_DEBUG_TYPE_CODEVIEW`. */
export const IMAGE_DEBUG_TYPE_CODEVIEW = 2;

/** `WIN_CERT_REVISION_1_0`: legacy. */
export const WIN_CERT_REVISION_1_0 = 0x0100;
/** `WIN_CERT_REVISION_2_0`: the current revision. */
export const WIN_CERT_REVISION_2_0 = 0x0200;
/** `WIN_CERT_TYPE_X509`. */
export const WIN_CERT_TYPE_X509 = 0x0001;
/** `WIN_CERT_TYPE_PKCS_SIGNED_DATA`: a PKCS #7 SignedData (Authenticode). */
export const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
/** `WIN_CERT_TYPE_RESERVED_1`. */
export const WIN_CERT_TYPE_RESERVED_1 = 0x0003;
/** `WIN_CERT_TYPE_TS_STACK_SIGNED`. */
export const WIN_CERT_TYPE_TS_STACK_SIGNED = 0x0004;
/** `WIN_CERT_TYPE_EFI_PKCS115`: the UEFI specification's PKCS #1 v1.5 signature. */
export const WIN_CERT_TYPE_EFI_PKCS115 = 0x0ef0;
/** `WIN_CERT_TYPE_EFI_GUID`: the UEFI specification's GUID-typed certificate. */
export const WIN_CERT_TYPE_EFI_GUID = 0x0ef1;
/** Certificate revisions by value. */
export const WIN_CERT_REVISION: Readonly<Record<number, string>> = {
  0x0100: 'WIN_CERT_REVISION_1_0',
  0x0200: 'WIN_CERT_REVISION_2_0',
};
/** Certificate types by value. */
export const WIN_CERT_TYPE: Readonly<Record<number, string>> = {
  0x0001: 'WIN_CERT_TYPE_X509',
  0x0002: 'WIN_CERT_TYPE_PKCS_SIGNED_DATA',
  0x0003: 'WIN_CERT_TYPE_RESERVED_1',
  0x0004: 'WIN_CERT_TYPE_TS_STACK_SIGNED',
  0x0ef0: 'WIN_CERT_TYPE_EFI_PKCS115',
  0x0ef1: 'WIN_CERT_TYPE_EFI_GUID',
};

/** The names of the flags set in `value`, from a name → mask table. */
export function flagNames(value: number, table: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(table)) {
    const mask = table[name] as number;
    if (mask !== 0 && (value & mask) >>> 0 === mask) out.push(name);
  }
  return out;
}
