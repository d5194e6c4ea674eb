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
    eMagic: u16(0, { spec: 'e_magic', values: { 0x5a4d: 'IMAGE_DOS_SIGNATURE' } }),
    /** Bytes on the last 512-byte page. */
    eCblp: u16(2, { spec: 'e_cblp' }),
    /** 512-byte pages in the file. */
    eCp: u16(4, { spec: 'e_cp' }),
    /** Relocations. */
    eCrlc: u16(6, { spec: 'e_crlc' }),
    /** Size of the header in 16-byte paragraphs. */
    eCparhdr: u16(8, { spec: 'e_cparhdr' }),
    /** Minimum extra paragraphs. */
    eMinalloc: u16(10, { spec: 'e_minalloc' }),
    /** Maximum extra paragraphs. */
    eMaxalloc: u16(12, { spec: 'e_maxalloc' }),
    /** Initial SS. */
    eSs: u16(14, { spec: 'e_ss' }),
    /** Initial SP. */
    eSp: u16(16, { spec: 'e_sp' }),
    /** Checksum. */
    eCsum: u16(18, { spec: 'e_csum' }),
    /** Initial IP. */
    eIp: u16(20, { spec: 'e_ip' }),
    /** Initial CS. */
    eCs: u16(22, { spec: 'e_cs' }),
    /** File offset of the relocation table. */
    eLfarlc: u16(24, { spec: 'e_lfarlc' }),
    /** Overlay number. */
    eOvno: u16(26, { spec: 'e_ovno' }),
    /** Reserved words (the Linux x86 kernel keeps its legacy boot sector text here and after). */
    eRes: bytes(28, 8, { spec: 'e_res' }),
    /** OEM identifier. */
    eOemid: u16(36, { spec: 'e_oemid' }),
    /** OEM information. */
    eOeminfo: u16(38, { spec: 'e_oeminfo' }),
    /** Reserved words. */
    eRes2: bytes(40, 20, { spec: 'e_res2' }),
    /** File offset of the PE signature (offset 0x3c). */
    eLfanew: u32(60, { spec: 'e_lfanew' }),
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
  fields: {
    /** The target machine (`IMAGE_FILE_MACHINE_*`). */
    machine: u16(0, { spec: 'Machine', values: IMAGE_FILE_MACHINE }),
    /** Entries in the section table. */
    numberOfSections: u16(2, { spec: 'NumberOfSections' }),
    /** Link time, seconds since 1970 (0 or a hash in reproducible builds). */
    timeDateStamp: u32(4, { spec: 'TimeDateStamp' }),
    /** File offset of the COFF symbol table, or 0 (GNU ld leaves one in EFI images). */
    pointerToSymbolTable: u32(8, { spec: 'PointerToSymbolTable' }),
    /** Records in the symbol table (18 bytes each); the string table follows them. */
    numberOfSymbols: u32(12, { spec: 'NumberOfSymbols' }),
    /** Size of the optional header, data directories included. */
    sizeOfOptionalHeader: u16(16, { spec: 'SizeOfOptionalHeader' }),
    /** `IMAGE_FILE_*` flags. */
    characteristics: u16(18, { spec: 'Characteristics', flags: IMAGE_FILE_CHARACTERISTICS }),
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
  magic: u16(0, { spec: 'Magic', values: { 0x10b: 'IMAGE_NT_OPTIONAL_HDR32_MAGIC', 0x20b: 'IMAGE_NT_OPTIONAL_HDR64_MAGIC' } }),
  /** Linker major version. */
  majorLinkerVersion: u8(2, { spec: 'MajorLinkerVersion' }),
  /** Linker minor version. */
  minorLinkerVersion: u8(3, { spec: 'MinorLinkerVersion' }),
  /** Total size of the code sections. */
  sizeOfCode: u32(4, { spec: 'SizeOfCode' }),
  /** Total size of the initialized data sections. */
  sizeOfInitializedData: u32(8, { spec: 'SizeOfInitializedData' }),
  /** Total size of the uninitialized (BSS) sections. */
  sizeOfUninitializedData: u32(12, { spec: 'SizeOfUninitializedData' }),
  /** RVA of the entry point. */
  addressOfEntryPoint: u32(16, { spec: 'AddressOfEntryPoint' }),
  /** RVA of the start of code. */
  baseOfCode: u32(20, { spec: 'BaseOfCode' }),
} as const;

const WINDOWS_COMMON = {
  /** Alignment of sections in memory. */
  sectionAlignment: u32(32, { spec: 'SectionAlignment' }),
  /** Alignment of section data in the file. */
  fileAlignment: u32(36, { spec: 'FileAlignment' }),
  /** Required OS major version. */
  majorOperatingSystemVersion: u16(40, { spec: 'MajorOperatingSystemVersion' }),
  /** Required OS minor version. */
  minorOperatingSystemVersion: u16(42, { spec: 'MinorOperatingSystemVersion' }),
  /** Image major version. */
  majorImageVersion: u16(44, { spec: 'MajorImageVersion' }),
  /** Image minor version. */
  minorImageVersion: u16(46, { spec: 'MinorImageVersion' }),
  /** Subsystem major version. */
  majorSubsystemVersion: u16(48, { spec: 'MajorSubsystemVersion' }),
  /** Subsystem minor version. */
  minorSubsystemVersion: u16(50, { spec: 'MinorSubsystemVersion' }),
  /** Reserved, must be 0. */
  win32VersionValue: u32(52, { spec: 'Win32VersionValue' }),
  /** Size of the image in memory, headers included; a multiple of `SectionAlignment`. */
  sizeOfImage: u32(56, { spec: 'SizeOfImage' }),
  /** Size of the headers (DOS stub, PE header, section table), rounded up to `FileAlignment`. */
  sizeOfHeaders: u32(60, { spec: 'SizeOfHeaders' }),
  /** The imagehlp checksum, or 0. */
  checkSum: u32(64, { spec: 'CheckSum' }),
  /** `IMAGE_SUBSYSTEM_*`; EFI images use 10–13. */
  subsystem: u16(68, { spec: 'Subsystem', values: IMAGE_SUBSYSTEM }),
  /** `IMAGE_DLLCHARACTERISTICS_*` flags. */
  dllCharacteristics: u16(70, { spec: 'DllCharacteristics', flags: IMAGE_DLLCHARACTERISTICS }),
} as const;

/** `IMAGE_OPTIONAL_HEADER32` without its data directories (96 bytes): PE32. */
export const IMAGE_OPTIONAL_HEADER32 = defineLayout({
  name: 'IMAGE_OPTIONAL_HEADER32',
  format: 'pecoff',
  size: 96,
  fields: {
    ...STANDARD,
    /** RVA of the start of data (PE32 only). */
    baseOfData: u32(24, { spec: 'BaseOfData' }),
    /** Preferred load address. */
    imageBase: u32(28, { spec: 'ImageBase' }),
    ...WINDOWS_COMMON,
    /** Stack reserve. */
    sizeOfStackReserve: u32(72, { spec: 'SizeOfStackReserve' }),
    /** Stack commit. */
    sizeOfStackCommit: u32(76, { spec: 'SizeOfStackCommit' }),
    /** Heap reserve. */
    sizeOfHeapReserve: u32(80, { spec: 'SizeOfHeapReserve' }),
    /** Heap commit. */
    sizeOfHeapCommit: u32(84, { spec: 'SizeOfHeapCommit' }),
    /** Reserved, must be 0. */
    loaderFlags: u32(88, { spec: 'LoaderFlags' }),
    /** Data directory entries that follow. */
    numberOfRvaAndSizes: u32(92, { spec: 'NumberOfRvaAndSizes' }),
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
  fields: {
    ...STANDARD,
    /** Preferred load address. */
    imageBase: u64(24, { spec: 'ImageBase' }),
    ...WINDOWS_COMMON,
    /** Stack reserve. */
    sizeOfStackReserve: u64(72, { spec: 'SizeOfStackReserve' }),
    /** Stack commit. */
    sizeOfStackCommit: u64(80, { spec: 'SizeOfStackCommit' }),
    /** Heap reserve. */
    sizeOfHeapReserve: u64(88, { spec: 'SizeOfHeapReserve' }),
    /** Heap commit. */
    sizeOfHeapCommit: u64(96, { spec: 'SizeOfHeapCommit' }),
    /** Reserved, must be 0. */
    loaderFlags: u32(104, { spec: 'LoaderFlags' }),
    /** Data directory entries that follow. */
    numberOfRvaAndSizes: u32(108, { spec: 'NumberOfRvaAndSizes' }),
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
  fields: {
    /** RVA of the table (a file offset for the certificate table). */
    virtualAddress: u32(0, { spec: 'VirtualAddress' }),
    /** Size of the table in bytes. */
    size: u32(4, { spec: 'Size' }),
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
  fields: {
    /** 8 bytes, NUL-padded; "/N" names the COFF string table entry at offset N. */
    name: bytes(0, 8, { spec: 'Name' }),
    /** Size in memory (zero-filled past `SizeOfRawData`). */
    virtualSize: u32(8, { spec: 'VirtualSize' }),
    /** RVA of the section. */
    virtualAddress: u32(12, { spec: 'VirtualAddress' }),
    /** Bytes of initialized data in the file; a multiple of `FileAlignment`. */
    sizeOfRawData: u32(16, { spec: 'SizeOfRawData' }),
    /** File offset of the data; a multiple of `FileAlignment`. */
    pointerToRawData: u32(20, { spec: 'PointerToRawData' }),
    /** File offset of COFF relocations (0 in images). */
    pointerToRelocations: u32(24, { spec: 'PointerToRelocations' }),
    /** File offset of COFF line numbers (deprecated). */
    pointerToLinenumbers: u32(28, { spec: 'PointerToLinenumbers' }),
    /** COFF relocation count (0 in images). */
    numberOfRelocations: u16(32, { spec: 'NumberOfRelocations' }),
    /** COFF line-number count (deprecated). */
    numberOfLinenumbers: u16(34, { spec: 'NumberOfLinenumbers' }),
    /** `IMAGE_SCN_*` flags. */
    characteristics: u32(36, { spec: 'Characteristics', flags: IMAGE_SCN }),
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
  fields: {
    /** The page RVA the entries' offsets are added to. */
    virtualAddress: u32(0, { spec: 'VirtualAddress' }),
    /** Bytes in the block, this head included. */
    sizeOfBlock: u32(4, { spec: 'SizeOfBlock' }),
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
  fields: {
    /** Reserved, must be 0. */
    characteristics: u32(0, { spec: 'Characteristics' }),
    /** When the debug data was made. */
    timeDateStamp: u32(4, { spec: 'TimeDateStamp' }),
    /** Format major version. */
    majorVersion: u16(8, { spec: 'MajorVersion' }),
    /** Format minor version. */
    minorVersion: u16(10, { spec: 'MinorVersion' }),
    /** `IMAGE_DEBUG_TYPE_*`. */
    type: u32(12, { spec: 'Type', values: IMAGE_DEBUG_TYPE }),
    /** Size of the debug data. */
    sizeOfData: u32(16, { spec: 'SizeOfData' }),
    /** RVA of the debug data when loaded (0 when not mapped). */
    addressOfRawData: u32(20, { spec: 'AddressOfRawData' }),
    /** File offset of the debug data. */
    pointerToRawData: u32(24, { spec: 'PointerToRawData' }),
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
  fields: {
    /** Export flags; reserved, must be 0. */
    characteristics: u32(0, { spec: 'Characteristics' }),
    /** When the export data was made. */
    timeDateStamp: u32(4, { spec: 'TimeDateStamp' }),
    /** Major version. */
    majorVersion: u16(8, { spec: 'MajorVersion' }),
    /** Minor version. */
    minorVersion: u16(10, { spec: 'MinorVersion' }),
    /** RVA of the DLL's name. */
    name: u32(12, { spec: 'Name' }),
    /** The first ordinal. */
    base: u32(16, { spec: 'Base' }),
    /** Entries in the export address table. */
    numberOfFunctions: u32(20, { spec: 'NumberOfFunctions' }),
    /** Entries in the name pointer and ordinal tables. */
    numberOfNames: u32(24, { spec: 'NumberOfNames' }),
    /** RVA of the export address table. */
    addressOfFunctions: u32(28, { spec: 'AddressOfFunctions' }),
    /** RVA of the name pointer table. */
    addressOfNames: u32(32, { spec: 'AddressOfNames' }),
    /** RVA of the ordinal table. */
    addressOfNameOrdinals: u32(36, { spec: 'AddressOfNameOrdinals' }),
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
  fields: {
    /** RVA of the import lookup table (`Characteristics` in older headers). */
    originalFirstThunk: u32(0, { spec: 'OriginalFirstThunk' }),
    /** 0 until bound. */
    timeDateStamp: u32(4, { spec: 'TimeDateStamp' }),
    /** Index of the first forwarder reference. */
    forwarderChain: u32(8, { spec: 'ForwarderChain' }),
    /** RVA of the DLL's name. */
    name: u32(12, { spec: 'Name' }),
    /** RVA of the import address table. */
    firstThunk: u32(16, { spec: 'FirstThunk' }),
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
