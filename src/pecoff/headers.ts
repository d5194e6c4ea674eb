/**
 * The layout tables of the PE/COFF headers (Microsoft "PE Format", sections
 * "MS-DOS Stub", "Signature", "COFF File Header", "Optional Header" and
 * "Section Table"), and of the directory records read in `directories.ts`.
 * Offsets are from the start of each structure; every field is little-endian.
 *
 * @module
 */
import { BootprotoError, bytes, decodeLayout, defineLayout, encodeLayout, u16, u32, u64, u8, viewTable, type Decoded, type TableView } from '../core/index.js';
import { IMAGE_DEBUG_TYPE, IMAGE_DLLCHARACTERISTICS, IMAGE_FILE_CHARACTERISTICS, IMAGE_FILE_MACHINE, IMAGE_SCN, IMAGE_SUBSYSTEM, WIN_CERT_REVISION, WIN_CERT_TYPE } from './constants.js';

/** `IMAGE_DOS_HEADER` (64 bytes): the MS-DOS 2.0 EXE header; only `e_magic` and `e_lfanew` matter to EFI. */
export const IMAGE_DOS_HEADER = defineLayout({
  name: 'IMAGE_DOS_HEADER',
  format: 'pecoff',
  size: 64,
  fields: {
    /** "MZ" (0x5a4d). */
    eMagic: u16(0, { values: { 0x5a4d: 'IMAGE_DOS_SIGNATURE' } }),
    /** Bytes on the last 512-byte page. */
    eCblp: u16(2),
    /** 512-byte pages in the file. */
    eCp: u16(4),
    /** Relocations. */
    eCrlc: u16(6),
    /** Size of the header in 16-byte paragraphs. */
    eCparhdr: u16(8),
    /** Minimum extra paragraphs. */
    eMinalloc: u16(10),
    /** Maximum extra paragraphs. */
    eMaxalloc: u16(12),
    /** Initial SS. */
    eSs: u16(14),
    /** Initial SP. */
    eSp: u16(16),
    /** Checksum. */
    eCsum: u16(18),
    /** Initial IP. */
    eIp: u16(20),
    /** Initial CS. */
    eCs: u16(22),
    /** File offset of the relocation table. */
    eLfarlc: u16(24),
    /** Overlay number. */
    eOvno: u16(26),
    /** Reserved words (the Linux x86 kernel keeps its legacy boot sector text here and after). */
    eRes: bytes(28, 8),
    /** OEM identifier. */
    eOemid: u16(36),
    /** OEM information. */
    eOeminfo: u16(38),
    /** Reserved words. */
    eRes2: bytes(40, 20),
    /** File offset of the PE signature (offset 0x3c). */
    eLfanew: u32(60),
  },
});
/**
 * A decoded `IMAGE_DOS_HEADER`.
 *
 * @interface
 */
export type ImageDosHeader = Decoded<typeof IMAGE_DOS_HEADER.fields>;

/** `IMAGE_FILE_HEADER` (20 bytes): the COFF file header, right after "PE\0\0". */
export const IMAGE_FILE_HEADER = defineLayout({
  name: 'IMAGE_FILE_HEADER',
  format: 'pecoff',
  size: 20,
  specCase: 'PascalCase',
  fields: {
    /** The target machine (`IMAGE_FILE_MACHINE_*`). */
    machine: u16(0, { values: IMAGE_FILE_MACHINE }),
    /** Entries in the section table. */
    numberOfSections: u16(2),
    /** Link time, seconds since 1970 (0 or a hash in reproducible builds). */
    timeDateStamp: u32(4),
    /** File offset of the COFF symbol table, or 0 (GNU ld leaves one in EFI images). */
    pointerToSymbolTable: u32(8),
    /** Records in the symbol table (18 bytes each); the string table follows them. */
    numberOfSymbols: u32(12),
    /** Size of the optional header, data directories included. */
    sizeOfOptionalHeader: u16(16),
    /** `IMAGE_FILE_*` flags. */
    characteristics: u16(18, { flags: IMAGE_FILE_CHARACTERISTICS }),
  },
});
/**
 * A decoded `IMAGE_FILE_HEADER`.
 *
 * @interface
 */
export type ImageFileHeader = Decoded<typeof IMAGE_FILE_HEADER.fields>;

const STANDARD = {
  /** 0x10b (PE32) or 0x20b (PE32+). */
  magic: u16(0, { values: { 0x10b: 'IMAGE_NT_OPTIONAL_HDR32_MAGIC', 0x20b: 'IMAGE_NT_OPTIONAL_HDR64_MAGIC' } }),
  /** Linker major version. */
  majorLinkerVersion: u8(2),
  /** Linker minor version. */
  minorLinkerVersion: u8(3),
  /** Total size of the code sections. */
  sizeOfCode: u32(4),
  /** Total size of the initialized data sections. */
  sizeOfInitializedData: u32(8),
  /** Total size of the uninitialized (BSS) sections. */
  sizeOfUninitializedData: u32(12),
  /** RVA of the entry point. */
  addressOfEntryPoint: u32(16),
  /** RVA of the start of code. */
  baseOfCode: u32(20),
} as const;

const WINDOWS_COMMON = {
  /** Alignment of sections in memory. */
  sectionAlignment: u32(32),
  /** Alignment of section data in the file. */
  fileAlignment: u32(36),
  /** Required OS major version. */
  majorOperatingSystemVersion: u16(40),
  /** Required OS minor version. */
  minorOperatingSystemVersion: u16(42),
  /** Image major version. */
  majorImageVersion: u16(44),
  /** Image minor version. */
  minorImageVersion: u16(46),
  /** Subsystem major version. */
  majorSubsystemVersion: u16(48),
  /** Subsystem minor version. */
  minorSubsystemVersion: u16(50),
  /** Reserved, must be 0. */
  win32VersionValue: u32(52),
  /** Size of the image in memory, headers included; a multiple of `SectionAlignment`. */
  sizeOfImage: u32(56),
  /** Size of the headers (DOS stub, PE header, section table), rounded up to `FileAlignment`. */
  sizeOfHeaders: u32(60),
  /** The imagehlp checksum, or 0. */
  checkSum: u32(64),
  /** `IMAGE_SUBSYSTEM_*`; EFI images use 10–13. */
  subsystem: u16(68, { values: IMAGE_SUBSYSTEM }),
  /** `IMAGE_DLLCHARACTERISTICS_*` flags. */
  dllCharacteristics: u16(70, { flags: IMAGE_DLLCHARACTERISTICS }),
} as const;

/** `IMAGE_OPTIONAL_HEADER32` without its data directories (96 bytes): PE32. */
export const IMAGE_OPTIONAL_HEADER32 = defineLayout({
  name: 'IMAGE_OPTIONAL_HEADER32',
  format: 'pecoff',
  size: 96,
  specCase: 'PascalCase',
  fields: {
    ...STANDARD,
    /** RVA of the start of data (PE32 only). */
    baseOfData: u32(24),
    /** Preferred load address. */
    imageBase: u32(28),
    ...WINDOWS_COMMON,
    /** Stack reserve. */
    sizeOfStackReserve: u32(72),
    /** Stack commit. */
    sizeOfStackCommit: u32(76),
    /** Heap reserve. */
    sizeOfHeapReserve: u32(80),
    /** Heap commit. */
    sizeOfHeapCommit: u32(84),
    /** Reserved, must be 0. */
    loaderFlags: u32(88),
    /** Data directory entries that follow. */
    numberOfRvaAndSizes: u32(92),
  },
});
/**
 * A decoded PE32 optional header (without data directories).
 *
 * @interface
 */
export type ImageOptionalHeader32 = Decoded<typeof IMAGE_OPTIONAL_HEADER32.fields>;

/** `IMAGE_OPTIONAL_HEADER64` without its data directories (112 bytes): PE32+. */
export const IMAGE_OPTIONAL_HEADER64 = defineLayout({
  name: 'IMAGE_OPTIONAL_HEADER64',
  format: 'pecoff',
  size: 112,
  specCase: 'PascalCase',
  fields: {
    ...STANDARD,
    /** Preferred load address. */
    imageBase: u64(24),
    ...WINDOWS_COMMON,
    /** Stack reserve. */
    sizeOfStackReserve: u64(72),
    /** Stack commit. */
    sizeOfStackCommit: u64(80),
    /** Heap reserve. */
    sizeOfHeapReserve: u64(88),
    /** Heap commit. */
    sizeOfHeapCommit: u64(96),
    /** Reserved, must be 0. */
    loaderFlags: u32(104),
    /** Data directory entries that follow. */
    numberOfRvaAndSizes: u32(108),
  },
});
/**
 * A decoded PE32+ optional header (without data directories).
 *
 * @interface
 */
export type ImageOptionalHeader64 = Decoded<typeof IMAGE_OPTIONAL_HEADER64.fields>;

/** `IMAGE_DATA_DIRECTORY` (8 bytes). */
export const IMAGE_DATA_DIRECTORY = defineLayout({
  name: 'IMAGE_DATA_DIRECTORY',
  format: 'pecoff',
  size: 8,
  specCase: 'PascalCase',
  fields: {
    /** RVA of the table (a file offset for the certificate table). */
    virtualAddress: u32(0),
    /** Size of the table in bytes. */
    size: u32(4),
  },
});
/**
 * A decoded `IMAGE_DATA_DIRECTORY`.
 *
 * @interface
 */
export type ImageDataDirectory = Decoded<typeof IMAGE_DATA_DIRECTORY.fields>;

/** `IMAGE_SECTION_HEADER` (40 bytes): one row of the section table. */
export const IMAGE_SECTION_HEADER = defineLayout({
  name: 'IMAGE_SECTION_HEADER',
  format: 'pecoff',
  size: 40,
  specCase: 'PascalCase',
  fields: {
    /** 8 bytes, NUL-padded; "/N" names the COFF string table entry at offset N. */
    name: bytes(0, 8),
    /** Size in memory (zero-filled past `SizeOfRawData`). */
    virtualSize: u32(8),
    /** RVA of the section. */
    virtualAddress: u32(12),
    /** Bytes of initialized data in the file; a multiple of `FileAlignment`. */
    sizeOfRawData: u32(16),
    /** File offset of the data; a multiple of `FileAlignment`. */
    pointerToRawData: u32(20),
    /** File offset of COFF relocations (0 in images). */
    pointerToRelocations: u32(24),
    /** File offset of COFF line numbers (deprecated). */
    pointerToLinenumbers: u32(28),
    /** COFF relocation count (0 in images). */
    numberOfRelocations: u16(32),
    /** COFF line-number count (deprecated). */
    numberOfLinenumbers: u16(34),
    /** `IMAGE_SCN_*` flags. */
    characteristics: u32(36, { flags: IMAGE_SCN }),
  },
});
/**
 * A decoded `IMAGE_SECTION_HEADER`.
 *
 * @interface
 */
export type ImageSectionHeader = Decoded<typeof IMAGE_SECTION_HEADER.fields>;

/** `IMAGE_BASE_RELOCATION` (8 bytes): the head of a base relocation block; u16 Type/Offset entries follow. */
export const IMAGE_BASE_RELOCATION = defineLayout({
  name: 'IMAGE_BASE_RELOCATION',
  format: 'pecoff',
  size: 8,
  specCase: 'PascalCase',
  fields: {
    /** The page RVA the entries' offsets are added to. */
    virtualAddress: u32(0),
    /** Bytes in the block, this head included. */
    sizeOfBlock: u32(4),
  },
});

/** The fixed head of `WIN_CERTIFICATE` (8 bytes); `bCertificate` follows. */
export const WIN_CERTIFICATE = defineLayout({
  name: 'WIN_CERTIFICATE',
  format: 'pecoff',
  size: 8,
  fields: {
    /** Length of the entry, this head included. */
    dwLength: u32(0, { spec: 'dwLength' }),
    /** `WIN_CERT_REVISION_*`. */
    wRevision: u16(4, { spec: 'wRevision', values: WIN_CERT_REVISION }),
    /** `WIN_CERT_TYPE_*`. */
    wCertificateType: u16(6, { spec: 'wCertificateType', values: WIN_CERT_TYPE }),
  },
});

/** `IMAGE_DEBUG_DIRECTORY` (28 bytes). */
export const IMAGE_DEBUG_DIRECTORY = defineLayout({
  name: 'IMAGE_DEBUG_DIRECTORY',
  format: 'pecoff',
  size: 28,
  specCase: 'PascalCase',
  fields: {
    /** Reserved, must be 0. */
    characteristics: u32(0),
    /** When the debug data was made. */
    timeDateStamp: u32(4),
    /** Format major version. */
    majorVersion: u16(8),
    /** Format minor version. */
    minorVersion: u16(10),
    /** `IMAGE_DEBUG_TYPE_*`. */
    type: u32(12, { values: IMAGE_DEBUG_TYPE }),
    /** Size of the debug data. */
    sizeOfData: u32(16),
    /** RVA of the debug data when loaded (0 when not mapped). */
    addressOfRawData: u32(20),
    /** File offset of the debug data. */
    pointerToRawData: u32(24),
  },
});
/**
 * A decoded `IMAGE_DEBUG_DIRECTORY`.
 *
 * @interface
 */
export type ImageDebugDirectory = Decoded<typeof IMAGE_DEBUG_DIRECTORY.fields>;

/** `IMAGE_EXPORT_DIRECTORY` (40 bytes): the export directory table. */
export const IMAGE_EXPORT_DIRECTORY = defineLayout({
  name: 'IMAGE_EXPORT_DIRECTORY',
  format: 'pecoff',
  size: 40,
  specCase: 'PascalCase',
  fields: {
    /** Export flags; reserved, must be 0. */
    characteristics: u32(0),
    /** When the export data was made. */
    timeDateStamp: u32(4),
    /** Major version. */
    majorVersion: u16(8),
    /** Minor version. */
    minorVersion: u16(10),
    /** RVA of the DLL's name. */
    name: u32(12),
    /** The first ordinal. */
    base: u32(16),
    /** Entries in the export address table. */
    numberOfFunctions: u32(20),
    /** Entries in the name pointer and ordinal tables. */
    numberOfNames: u32(24),
    /** RVA of the export address table. */
    addressOfFunctions: u32(28),
    /** RVA of the name pointer table. */
    addressOfNames: u32(32),
    /** RVA of the ordinal table. */
    addressOfNameOrdinals: u32(36),
  },
});
/**
 * A decoded `IMAGE_EXPORT_DIRECTORY`.
 *
 * @interface
 */
export type ImageExportDirectory = Decoded<typeof IMAGE_EXPORT_DIRECTORY.fields>;

/** `IMAGE_IMPORT_DESCRIPTOR` (20 bytes): one row of the import directory table. */
export const IMAGE_IMPORT_DESCRIPTOR = defineLayout({
  name: 'IMAGE_IMPORT_DESCRIPTOR',
  format: 'pecoff',
  size: 20,
  specCase: 'PascalCase',
  fields: {
    /** RVA of the import lookup table (`Characteristics` in older headers). */
    originalFirstThunk: u32(0),
    /** 0 until bound. */
    timeDateStamp: u32(4),
    /** Index of the first forwarder reference. */
    forwarderChain: u32(8),
    /** RVA of the DLL's name. */
    name: u32(12),
    /** RVA of the import address table. */
    firstThunk: u32(16),
  },
});
/**
 * A decoded `IMAGE_IMPORT_DESCRIPTOR`.
 *
 * @interface
 */
export type ImageImportDescriptor = Decoded<typeof IMAGE_IMPORT_DESCRIPTOR.fields>;

// ---------------------------------------------------------------------------
// One decoder and encoder per header (the module's API shape; `decodePeImage`
// and `encodePeHeaders` do whole images).

/** Decodes the MS-DOS header at `offset` (default 0). Throws `TRUNCATED` if it does not fit; checks no magic. */
export function decodeDosHeader(bytes: Uint8Array, offset = 0): ImageDosHeader {
  return decodeLayout(IMAGE_DOS_HEADER, bytes, offset);
}
/** Encodes an MS-DOS header into `into` at `offset`, or into 64 new bytes. */
export function encodeDosHeader(h: ImageDosHeader, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(IMAGE_DOS_HEADER, h, into, offset);
}
/** Decodes a COFF file header at `offset`. */
export function decodeFileHeader(bytes: Uint8Array, offset = 0): ImageFileHeader {
  return decodeLayout(IMAGE_FILE_HEADER, bytes, offset);
}
/** Encodes a COFF file header. */
export function encodeFileHeader(h: ImageFileHeader, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(IMAGE_FILE_HEADER, h, into, offset);
}
/**
 * Decodes the fixed fields of an optional header at `offset`, PE32 or PE32+
 * by its `Magic`. Throws `UNSUPPORTED_VERSION` for another magic, `TRUNCATED`
 * if the fields do not fit.
 */
export function decodeOptionalHeader(bytes: Uint8Array, offset = 0): ImageOptionalHeader32 | ImageOptionalHeader64 {
  if (!(offset >= 0 && bytes.length - offset >= 2)) {
    throw new BootprotoError({ code: 'TRUNCATED', format: 'pecoff', structure: 'IMAGE_OPTIONAL_HEADER', field: 'Magic', offset, reason: 'no room for Magic' });
  }
  const magic = (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8);
  if (magic === 0x20b) return decodeLayout(IMAGE_OPTIONAL_HEADER64, bytes, offset);
  if (magic === 0x10b) return decodeLayout(IMAGE_OPTIONAL_HEADER32, bytes, offset);
  throw new BootprotoError({ code: 'UNSUPPORTED_VERSION', format: 'pecoff', structure: 'IMAGE_OPTIONAL_HEADER', field: 'Magic', offset, reason: `optional header magic 0x${magic.toString(16)} is neither PE32 (0x10b) nor PE32+ (0x20b)` });
}
/** Encodes the fixed fields of an optional header (PE32+ when `imageBase` is a bigint, else PE32). */
export function encodeOptionalHeader(h: ImageOptionalHeader32 | ImageOptionalHeader64, into?: Uint8Array, offset = 0): Uint8Array {
  return typeof h.imageBase === 'bigint'
    ? encodeLayout(IMAGE_OPTIONAL_HEADER64, h as ImageOptionalHeader64, into, offset)
    : encodeLayout(IMAGE_OPTIONAL_HEADER32, h as ImageOptionalHeader32, into, offset);
}
/** Decodes one section header at `offset`. */
export function decodeSectionHeader(bytes: Uint8Array, offset = 0): ImageSectionHeader {
  return decodeLayout(IMAGE_SECTION_HEADER, bytes, offset);
}
/** Encodes one section header. */
export function encodeSectionHeader(h: ImageSectionHeader, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(IMAGE_SECTION_HEADER, h, into, offset);
}
/** A zero-allocation view of `count` section headers at `offset` (`viewPeHeaders` does a whole image). */
export function viewSectionTable(bytes: Uint8Array, offset: number, count: number): TableView<typeof IMAGE_SECTION_HEADER.fields> {
  return viewTable(IMAGE_SECTION_HEADER, bytes, offset, count);
}
