/**
 * A PE/COFF image decoded from the caller's bytes without copying them: the
 * MS-DOS header, the PE signature, the COFF file header, the PE32 or PE32+
 * optional header with its data directories, and the section table (long
 * names resolved through the COFF string table). Section data are
 * subarrays of the caller's bytes.
 *
 * @module
 */
import {
  BootprotoError,
  blankTable,
  blankView,
  bufferAccess,
  checkSpan,
  runReadPlan,
  runReadPlanSync,
  type BufferAccess,
  type ByteSource,
  type PointableTableView,
  type ReadPlan,
  type SourceReadContext,
  type SyncByteSource,
  viewLayout,
  viewTable,
  type TableView,
  type View,
} from '../core/index.js';
import {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_DOS_SIGNATURE,
  IMAGE_NT_OPTIONAL_HDR32_MAGIC,
  IMAGE_NT_OPTIONAL_HDR64_MAGIC,
  IMAGE_NT_SIGNATURE,
  IMAGE_NUMBEROF_DIRECTORY_ENTRIES,
  IMAGE_SIZEOF_SYMBOL,
} from './constants.js';
import {
  IMAGE_DATA_DIRECTORY,
  IMAGE_DOS_HEADER,
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_SECTION_HEADER,
  type ImageDosHeader,
  type ImageFileHeader,
  type ImageOptionalHeader32,
  type ImageOptionalHeader64,
  type ImageSectionHeader,
} from './headers.js';

/** Offset of `CheckSum` within the optional header (the same in PE32 and PE32+). */
export const CHECKSUM_FIELD_OFFSET = 64;
/** The longest section name read from the COFF string table (a bound, not a spec limit). */
export const MAX_LONG_NAME = 1024;

/** One data directory, with its slot and name. */
export interface DataDirectory {
  /** Slot index (0–15). */
  index: number;
  /** `IMAGE_DIRECTORY_ENTRY_*`. */
  name: string;
  /** RVA of the table (a file offset for the certificate table, slot 4). */
  virtualAddress: number;
  /** Size in bytes. */
  size: number;
  /** File offset of this 8-byte entry in the optional header. */
  entryOffset: number;
}

/** One section: its header fields, names, and its raw data as a subarray of the image. */
export interface PeSection extends ImageSectionHeader {
  /** Position in the section table (0-based; the specification numbers from 1). */
  index: number;
  /** File offset of this section's 40-byte header. */
  headerOffset: number;
  /** The 8-byte name field as text, NULs trimmed (`/4` for a long name). */
  rawName: string;
  /** The name: the long name from the COFF string table when `rawName` is `/N` and it resolves, else `rawName`. */
  resolvedName: string;
  /** Offset N of a `/N` name into the COFF string table; undefined for a short name. */
  longNameOffset: number | undefined;
  /** The raw data in the file: `SizeOfRawData` bytes at `PointerToRawData`, clipped to the file (never copied). */
  data: Uint8Array;
}

/** Where the COFF string table is. */
export interface StringTableLocation {
  /** File offset of the table (its 4-byte size field). */
  offset: number;
  /** The table's size as its first 4 bytes give it (the size field included). */
  size: number;
}

/** A decoded PE/COFF image. Nothing is copied except the small header objects. */
export interface PeImage {
  /** The caller's bytes. */
  bytes: Uint8Array;
  /** The MS-DOS header. */
  dosHeader: ImageDosHeader;
  /** `e_lfanew`: file offset of "PE\0\0". */
  peOffset: number;
  /** File offset of the COFF file header (`peOffset` + 4). */
  fileHeaderOffset: number;
  /** The COFF file header. */
  fileHeader: ImageFileHeader;
  /** File offset of the optional header. */
  optionalHeaderOffset: number;
  /** True for PE32+ (`Magic` 0x20b), false for PE32. */
  pe32Plus: boolean;
  /** The optional header's fixed fields (`IMAGE_OPTIONAL_HEADER64` when {@link PeImage.pe32Plus}). */
  optionalHeader: ImageOptionalHeader32 | ImageOptionalHeader64;
  /** File offset of the `CheckSum` field. */
  checksumOffset: number;
  /** The data directories read: `NumberOfRvaAndSizes`, bounded by `SizeOfOptionalHeader` and by 16. */
  dataDirectories: DataDirectory[];
  /** File offset of the section table. */
  sectionTableOffset: number;
  /** The sections, in table order. */
  sections: PeSection[];
  /** File offset and size of the COFF string table, when `PointerToSymbolTable` leads to one inside the file. */
  stringTable: StringTableLocation | undefined;
  /** The MS-DOS stub: the bytes between the DOS header and the PE signature (a subarray). */
  dosStub: Uint8Array;
}

function fail(code: 'TRUNCATED' | 'BAD_MAGIC' | 'UNSUPPORTED_VERSION' | 'BAD_VALUE' | 'OUT_OF_BOUNDS', structure: string, field: string | undefined, offset: number, reason: string): never {
  throw new BootprotoError(field === undefined ? { code, format: 'pecoff', structure, offset, reason } : { code, format: 'pecoff', structure, field, offset, reason });
}

/** Where the headers are: the small facts every reader of an image needs first. */
export interface PeLocations {
  /** `e_lfanew`. */
  peOffset: number;
  /** File offset of the optional header. */
  optionalHeaderOffset: number;
  /** True for PE32+. */
  pe32Plus: boolean;
  /** Size of the optional header's fixed fields (96 or 112). */
  optionalFixedSize: number;
  /** `SizeOfOptionalHeader`. */
  sizeOfOptionalHeader: number;
  /** File offset of the section table. */
  sectionTableOffset: number;
  /** `NumberOfSections`. */
  numberOfSections: number;
  /** The data directory entries that are read (see {@link PeImage.dataDirectories}). */
  directoryCount: number;
}

/** Little-endian reads straight from the bytes (the caller has checked the span): no DataView to make. */
function le16(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}

/**
 * Finds the headers of a PE image, checking magic numbers and that each
 * header fits the bytes. Throws `BAD_MAGIC` (no "MZ" or no "PE\0\0"),
 * `UNSUPPORTED_VERSION` (an optional header magic other than 0x10b/0x20b),
 * `BAD_VALUE` (`SizeOfOptionalHeader` smaller than the fixed fields) or
 * `TRUNCATED`. Allocates one small object.
 */
export function locatePeHeaders(bytes: Uint8Array): PeLocations {
  return locateInto(bytes, bufferAccess(bytes), { peOffset: 0, optionalHeaderOffset: 0, pe32Plus: false, optionalFixedSize: 0, sizeOfOptionalHeader: 0, sectionTableOffset: 0, numberOfSections: 0, directoryCount: 0 }, undefined);
}

/**
 * The checks of {@link locatePeHeaders} one by one, each with its own
 * error: called when the fast path found that one failed. Always throws.
 */
function locateFailure(bytes: Uint8Array): never {
  checkSpan(IMAGE_DOS_HEADER, bytes, 0, IMAGE_DOS_HEADER.size);
  if (le16(bytes, 0) !== IMAGE_DOS_SIGNATURE) fail('BAD_MAGIC', 'IMAGE_DOS_HEADER', 'e_magic', 0, 'not "MZ"');
  const peOffset = le32(bytes, 60);
  if (peOffset > bytes.length || bytes.length - peOffset < 4 + IMAGE_FILE_HEADER.size) {
    fail('TRUNCATED', 'IMAGE_NT_HEADERS', 'e_lfanew', 60, `e_lfanew ${peOffset} leaves no room for the PE signature and COFF header in ${bytes.length} bytes`);
  }
  if (le32(bytes, peOffset) !== IMAGE_NT_SIGNATURE) fail('BAD_MAGIC', 'IMAGE_NT_HEADERS', 'Signature', peOffset, 'not "PE\\0\\0"');
  const fh = peOffset + 4;
  const numberOfSections = le16(bytes, fh + 2);
  const sizeOfOptionalHeader = le16(bytes, fh + 16);
  const optionalHeaderOffset = fh + IMAGE_FILE_HEADER.size;
  if (bytes.length - optionalHeaderOffset < 2) fail('TRUNCATED', 'IMAGE_OPTIONAL_HEADER', 'Magic', optionalHeaderOffset, 'the file ends before the optional header');
  const magic = le16(bytes, optionalHeaderOffset);
  if (magic !== IMAGE_NT_OPTIONAL_HDR64_MAGIC && magic !== IMAGE_NT_OPTIONAL_HDR32_MAGIC) {
    fail('UNSUPPORTED_VERSION', 'IMAGE_OPTIONAL_HEADER', 'Magic', optionalHeaderOffset, `optional header magic 0x${magic.toString(16)} is neither PE32 (0x10b) nor PE32+ (0x20b)`);
  }
  const layout = magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32;
  if (sizeOfOptionalHeader < layout.size) {
    fail('BAD_VALUE', 'IMAGE_FILE_HEADER', 'SizeOfOptionalHeader', fh + 16, `${sizeOfOptionalHeader} is smaller than the ${layout.size} bytes of ${layout.name}`);
  }
  checkSpan(layout, bytes, optionalHeaderOffset, layout.size);
  const numberOfRvaAndSizes = le32(bytes, optionalHeaderOffset + layout.size - 4);
  const room = Math.floor((sizeOfOptionalHeader - layout.size) / IMAGE_DATA_DIRECTORY.size);
  const directoryCount = Math.min(numberOfRvaAndSizes, room, IMAGE_NUMBEROF_DIRECTORY_ENTRIES);
  checkSpan(IMAGE_DATA_DIRECTORY, bytes, optionalHeaderOffset + layout.size, directoryCount * IMAGE_DATA_DIRECTORY.size);
  const sectionTableOffset = optionalHeaderOffset + sizeOfOptionalHeader;
  fail('TRUNCATED', 'IMAGE_SECTION_HEADER', undefined, sectionTableOffset, `${numberOfSections} section headers need ${numberOfSections * IMAGE_SECTION_HEADER.size} bytes at ${sectionTableOffset}, the file has ${bytes.length}`);
}

function le32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000;
}

/** {@link locatePeHeaders} into `out` (written only when every check passed). */
function locateInto(bytes: Uint8Array, access: BufferAccess, out: PeLocations, parts: PeViewParts | undefined): PeLocations {
  // The hot path of PeHeaderView.point, kept small (few branches, one
  // error call) so that the optimising compiler inlines it there: reads
  // through the buffer's DataView, sizes and magic numbers as literals
  // (module constants are loads it does not fold), bar the section header's
  // size: SECTION_HEADER_SIZE, a module constant, measured as fast as the
  // literal 40 (IMAGE_SECTION_HEADER.size here cost 0.4 ns a point). Each read is preceded by
  // the check that keeps it inside `bytes`; any failed check goes to
  // locateFailure, which finds the failing check again and throws its error.
  const n = bytes.length;
  const dv = access.dv;
  const base = access.base;
  if (n < 64 || dv.getUint16(base, true) !== 0x5a4d) return locateFailure(bytes);
  const peOffset = dv.getUint32(base + 60, true);
  if (peOffset > n - 24 || dv.getUint32(base + peOffset, true) !== 0x4550) return locateFailure(bytes);
  const fh = peOffset + 4;
  const numberOfSections = dv.getUint16(base + fh + 2, true);
  const sizeOfOptionalHeader = dv.getUint16(base + fh + 16, true);
  const optionalHeaderOffset = fh + 20;
  if (n - optionalHeaderOffset < 2) return locateFailure(bytes);
  const magic = dv.getUint16(base + optionalHeaderOffset, true);
  const pe32Plus = magic === 0x20b; // IMAGE_NT_OPTIONAL_HDR64_MAGIC; 0x10b is PE32
  const optionalFixedSize = pe32Plus ? 112 : 96;
  if ((!pe32Plus && magic !== 0x10b) || sizeOfOptionalHeader < optionalFixedSize || n - optionalHeaderOffset < optionalFixedSize) return locateFailure(bytes);
  const dirs = optionalHeaderOffset + optionalFixedSize;
  const numberOfRvaAndSizes = dv.getUint32(base + dirs - 4, true);
  // NumberOfRvaAndSizes, bounded by the room SizeOfOptionalHeader leaves and by 16.
  const room = ((sizeOfOptionalHeader - optionalFixedSize) / 8) | 0;
  let directoryCount = room < 16 ? room : 16;
  if (numberOfRvaAndSizes < directoryCount) directoryCount = numberOfRvaAndSizes | 0; // a small integer: keeps the count a Smi
  const sectionTableOffset = optionalHeaderOffset + sizeOfOptionalHeader;
  if (n - dirs < directoryCount * 8 || sectionTableOffset > n || n - sectionTableOffset < numberOfSections * SECTION_HEADER_SIZE) return locateFailure(bytes);
  out.peOffset = peOffset;
  out.optionalHeaderOffset = optionalHeaderOffset;
  out.pe32Plus = pe32Plus;
  out.optionalFixedSize = optionalFixedSize;
  out.sizeOfOptionalHeader = sizeOfOptionalHeader;
  out.sectionTableOffset = sectionTableOffset;
  out.numberOfSections = numberOfSections;
  out.directoryCount = directoryCount;
  if (parts === undefined) return out;
  // PeHeaderView.point: every view moved here, in this one function, which
  // is too big to be inlined into its callers; they keep their inlining
  // budget for the field getters. Each view is moved by its own point()
  // call, which is inlined here with the view's class known: the stores are
  // written out per view. (One helper moving all the views made its store
  // sites megamorphic — they saw the four view classes — and cost more than
  // the rest of the parse.) Every span was checked above, so the views'
  // own checks pass; pointing at the array the views already read stores
  // only offsets (a pointer store carries a write barrier).
  // The views get the array itself when they read it already (no look-up
  // in point()), else its access, looked up once by the caller.
  let to: Uint8Array | BufferAccess = bytes;
  if (parts.current !== bytes) {
    parts.current = bytes;
    parts.access = access;
    to = access;
  }
  parts.lazy = 3; // the MS-DOS header and the data directories: moved on first use
  parts.file.point(to, fh);
  if (pe32Plus) {
    parts.optionalHeader64 = parts.opt64.point(to, optionalHeaderOffset);
    parts.optionalHeader32 = undefined;
  } else {
    parts.optionalHeader32 = parts.opt32.point(to, optionalHeaderOffset);
    parts.optionalHeader64 = undefined;
  }
  parts.secs.point(to, sectionTableOffset, numberOfSections);
  return out;
}

/** The members of a {@link PeHeaderView} that pointing it sets (its private state, seen by locateInto). */
interface PeViewParts {
  current: Uint8Array;
  access: BufferAccess;
  /** Bit 0: the MS-DOS header view, bit 1: the data-directory table, still on the previous image. */
  lazy: number;
  dos: View<typeof IMAGE_DOS_HEADER.fields>;
  file: View<typeof IMAGE_FILE_HEADER.fields>;
  opt32: View<typeof IMAGE_OPTIONAL_HEADER32.fields>;
  opt64: View<typeof IMAGE_OPTIONAL_HEADER64.fields>;
  optionalHeader32: View<typeof IMAGE_OPTIONAL_HEADER32.fields> | undefined;
  optionalHeader64: View<typeof IMAGE_OPTIONAL_HEADER64.fields> | undefined;
  dirs: PointableTableView<typeof IMAGE_DATA_DIRECTORY.fields>;
  secs: PointableTableView<typeof IMAGE_SECTION_HEADER.fields>;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** The 8-byte name field as text: bytes up to the first NUL, as UTF-8. */
export function shortSectionName(name: Uint8Array): string {
  let n = name.indexOf(0);
  if (n < 0) n = name.length;
  return utf8.decode(name.subarray(0, n));
}

/** Where the COFF string table is, when `PointerToSymbolTable` leads into the file. */
export function locateStringTable(bytes: Uint8Array, fileHeader: Pick<ImageFileHeader, 'pointerToSymbolTable' | 'numberOfSymbols'>): StringTableLocation | undefined {
  if (fileHeader.pointerToSymbolTable === 0) return undefined;
  const offset = fileHeader.pointerToSymbolTable + fileHeader.numberOfSymbols * IMAGE_SIZEOF_SYMBOL;
  if (!(offset + 4 <= bytes.length)) return undefined;
  const size = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
  return { offset, size };
}

/**
 * Resolves a `/N` section name through the COFF string table: the
 * NUL-terminated string at N, bounded by the table's size, the file and
 * {@link MAX_LONG_NAME}. Returns undefined when it cannot be resolved.
 */
export function resolveLongName(bytes: Uint8Array, table: StringTableLocation | undefined, n: number): string | undefined {
  if (table === undefined || n < 4) return undefined;
  const start = table.offset + n;
  const end = Math.min(bytes.length, table.offset + Math.max(table.size, 4), start + MAX_LONG_NAME);
  if (start >= end) return undefined;
  const nul = bytes.subarray(start, end).indexOf(0);
  if (nul < 0) return undefined;
  return utf8.decode(bytes.subarray(start, start + nul));
}

/** Parses a `/N` (decimal) raw name; undefined when the name is not of that form. */
export function longNameOffset(rawName: string): number | undefined {
  if (!/^\/[0-9]{1,7}$/.test(rawName)) return undefined;
  return Number(rawName.slice(1));
}

/**
 * Decodes the headers and section table of a PE/COFF image. Throws
 * {@link BootprotoError} (see {@link locatePeHeaders}) when the headers are
 * missing or do not fit; anything else odd (sections past the end, bad
 * alignment, a long name that does not resolve) is left to
 * {@link validatePeImage}. Section data are subarrays of `bytes`.
 */
export function decodePeImage(bytes: Uint8Array): PeImage {
  const at = locatePeHeaders(bytes);
  // The headers are copied out through views (core's copyOut: the objects
  // decodeLayout gives) rather than typed-binary's whole-struct decoder,
  // whose per-field schema calls cost several microseconds a header when
  // many layouts go through them in turn.
  const dosHeader = viewLayout(IMAGE_DOS_HEADER, bytes, 0).decode();
  const fileHeaderOffset = at.peOffset + 4;
  const fileHeader = viewLayout(IMAGE_FILE_HEADER, bytes, fileHeaderOffset).decode();
  const optionalHeader = at.pe32Plus
    ? viewLayout(IMAGE_OPTIONAL_HEADER64, bytes, at.optionalHeaderOffset).decode()
    : viewLayout(IMAGE_OPTIONAL_HEADER32, bytes, at.optionalHeaderOffset).decode();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataDirectories: DataDirectory[] = [];
  const dirBase = at.optionalHeaderOffset + at.optionalFixedSize;
  for (let i = 0; i < at.directoryCount; i++) {
    const o = dirBase + i * 8;
    dataDirectories.push({
      index: i,
      name: IMAGE_DIRECTORY_ENTRY[i] as string,
      virtualAddress: dv.getUint32(o, true),
      size: dv.getUint32(o + 4, true),
      entryOffset: o,
    });
  }
  const stringTable = locateStringTable(bytes, fileHeader);
  const sections: PeSection[] = [];
  // One view moved along the table; each row becomes a plain object (the type
  // makes sure every field of the layout is there).
  const v = at.numberOfSections === 0 ? undefined : viewLayout(IMAGE_SECTION_HEADER, bytes, at.sectionTableOffset);
  for (let i = 0; i < at.numberOfSections && v !== undefined; i++) {
    const headerOffset = at.sectionTableOffset + i * IMAGE_SECTION_HEADER.size;
    v.at(headerOffset);
    const h: ImageSectionHeader = {
      name: v.name.slice(),
      virtualSize: v.virtualSize,
      virtualAddress: v.virtualAddress,
      sizeOfRawData: v.sizeOfRawData,
      pointerToRawData: v.pointerToRawData,
      pointerToRelocations: v.pointerToRelocations,
      pointerToLinenumbers: v.pointerToLinenumbers,
      numberOfRelocations: v.numberOfRelocations,
      numberOfLinenumbers: v.numberOfLinenumbers,
      characteristics: v.characteristics,
    };
    const rawName = shortSectionName(h.name);
    const longOffset = longNameOffset(rawName);
    const resolved = longOffset === undefined ? undefined : resolveLongName(bytes, stringTable, longOffset);
    const start = Math.min(h.pointerToRawData, bytes.length);
    const end = Math.min(h.pointerToRawData + h.sizeOfRawData, bytes.length);
    sections.push({
      ...h,
      index: i,
      headerOffset,
      rawName,
      resolvedName: resolved ?? rawName,
      longNameOffset: longOffset,
      data: bytes.subarray(start, end),
    });
  }
  const stubEnd = Math.min(Math.max(at.peOffset, IMAGE_DOS_HEADER.size), bytes.length);
  return {
    bytes,
    dosHeader,
    peOffset: at.peOffset,
    fileHeaderOffset,
    fileHeader,
    optionalHeaderOffset: at.optionalHeaderOffset,
    pe32Plus: at.pe32Plus,
    optionalHeader,
    checksumOffset: at.optionalHeaderOffset + CHECKSUM_FIELD_OFFSET,
    dataDirectories,
    sectionTableOffset: at.sectionTableOffset,
    sections,
    stringTable,
    dosStub: bytes.subarray(IMAGE_DOS_HEADER.size, stubEnd),
  };
}

/** `ImageBase` as a bigint, for PE32 and PE32+ alike. */
export function imageBase(image: Pick<PeImage, 'optionalHeader'>): bigint {
  const b = image.optionalHeader.imageBase;
  return typeof b === 'bigint' ? b : BigInt(b);
}

/** The data directory in slot `index`, or undefined when the image has fewer slots or the slot is empty (RVA and size 0). */
export function dataDirectory(image: Pick<PeImage, 'dataDirectories'>, index: number): DataDirectory | undefined {
  const d = image.dataDirectories[index];
  if (d === undefined || (d.virtualAddress === 0 && d.size === 0)) return undefined;
  return d;
}

/** The section by resolved name (`.linux`, `.sbat`), or undefined. */
export function findSection(image: Pick<PeImage, 'sections'>, name: string): PeSection | undefined {
  return image.sections.find((s) => s.resolvedName === name);
}

/**
 * The section's contents as loaded: its raw data cut to `VirtualSize` when
 * that is smaller and not 0 (objcopy and ukify record the exact payload size
 * there, and pad `SizeOfRawData` to `FileAlignment`). A subarray.
 */
export function sectionContents(section: Pick<PeSection, 'data' | 'virtualSize'>): Uint8Array {
  const n = section.virtualSize !== 0 && section.virtualSize < section.data.length ? section.virtualSize : section.data.length;
  return section.data.subarray(0, n);
}

/**
 * The file offset of `rva`, or undefined when no section's raw data holds it.
 * RVAs below `SizeOfHeaders` (and below the first section) map to the same file offset.
 */
export function rvaToOffset(image: Pick<PeImage, 'sections' | 'optionalHeader' | 'bytes'>, rva: number): number | undefined {
  for (const s of image.sections) {
    if (rva >= s.virtualAddress && rva - s.virtualAddress < s.sizeOfRawData) {
      const o = s.pointerToRawData + (rva - s.virtualAddress);
      return o < image.bytes.length ? o : undefined;
    }
  }
  if (rva < image.optionalHeader.sizeOfHeaders && rva < image.bytes.length) return rva;
  return undefined;
}

/**
 * Zero-allocation views of an image's headers (for hot paths and the
 * benchmark): one view per header and a reusable table view of the
 * sections. Reads happen at access time, on the caller's bytes.
 */
export interface PeHeaderViews {
  /** Where the headers are. */
  readonly locations: PeLocations;
  /** The MS-DOS header. */
  readonly dosHeader: View<typeof IMAGE_DOS_HEADER.fields>;
  /** The COFF file header. */
  readonly fileHeader: View<typeof IMAGE_FILE_HEADER.fields>;
  /** The PE32 optional header, when the image is PE32. */
  readonly optionalHeader32: View<typeof IMAGE_OPTIONAL_HEADER32.fields> | undefined;
  /** The PE32+ optional header, when the image is PE32+. */
  readonly optionalHeader64: View<typeof IMAGE_OPTIONAL_HEADER64.fields> | undefined;
  /** The data directories read (see {@link PeImage.dataDirectories}). */
  readonly dataDirectories: TableView<typeof IMAGE_DATA_DIRECTORY.fields>;
  /** The section table. */
  readonly sections: TableView<typeof IMAGE_SECTION_HEADER.fields>;
}

/** The array a {@link PeHeaderView} holds before its first point. */
const EMPTY = new Uint8Array(0);
/** `IMAGE_SECTION_HEADER.size` (40) as a module constant: the hot path of locateInto reads no property for it (see there). */
const SECTION_HEADER_SIZE = IMAGE_SECTION_HEADER.size;

/**
 * Re-pointable views of a PE image's headers: make one for an image, then
 * point it at image after image with {@link PeHeaderView.point} (or pass
 * it to {@link viewPeHeaders}). Pointing checks the headers as
 * {@link locatePeHeaders} does and moves every header view and both tables
 * to the new image; pointing at an array seen before allocates nothing, and
 * neither do reads of the headers and the section table.
 *
 * Reads happen at access time, on the caller's bytes: a view of an image
 * that changed under it reads the new bytes (the checks were those of the
 * last point).
 *
 * @example
 * ```ts
 * const pe = new PeHeaderView(images[0]);
 * for (const bytes of images) {
 *   pe.point(bytes);
 *   const t = pe.sections;
 *   for (let i = 0; i < t.count; i++) total += t.get(i).sizeOfRawData;
 * }
 * ```
 */
export class PeHeaderView implements PeHeaderViews {
  /** Where the headers are in the current image (one object, overwritten by each point). */
  readonly locations: PeLocations = { peOffset: 0, optionalHeaderOffset: 0, pe32Plus: false, optionalFixedSize: 0, sizeOfOptionalHeader: 0, sectionTableOffset: 0, numberOfSections: 0, directoryCount: 0 };
  /** The COFF file header. */
  readonly fileHeader: View<typeof IMAGE_FILE_HEADER.fields>;
  /** The PE32 optional header, when the image is PE32. */
  optionalHeader32: View<typeof IMAGE_OPTIONAL_HEADER32.fields> | undefined;
  /** The PE32+ optional header, when the image is PE32+. */
  optionalHeader64: View<typeof IMAGE_OPTIONAL_HEADER64.fields> | undefined;
  /** The section table. */
  readonly sections: TableView<typeof IMAGE_SECTION_HEADER.fields>;
  private current: Uint8Array = EMPTY;
  private lazy = 0;
  // Core's views and tables, made on no bytes and pointed by locateInto.
  private readonly dos = blankView(IMAGE_DOS_HEADER);
  private readonly file = blankView(IMAGE_FILE_HEADER);
  private readonly opt32 = blankView(IMAGE_OPTIONAL_HEADER32);
  private readonly opt64 = blankView(IMAGE_OPTIONAL_HEADER64);
  private readonly dirs = blankTable(IMAGE_DATA_DIRECTORY);
  private readonly secs = blankTable(IMAGE_SECTION_HEADER);

  /** Views of the image in `bytes` (the checks of {@link locatePeHeaders}; it throws the same errors). */
  constructor(bytes: Uint8Array) {
    this.fileHeader = this.file;
    this.sections = this.secs;
    this.optionalHeader32 = undefined;
    this.optionalHeader64 = undefined;
    this.point(bytes);
  }

  /** The image the views read. */
  get bytes(): Uint8Array {
    return this.current;
  }

  /** The MS-DOS header (moved to the current image on first use after a point: pointing does not touch it). */
  get dosHeader(): View<typeof IMAGE_DOS_HEADER.fields> {
    const dos = this.dos;
    if ((this.lazy & 1) !== 0) {
      dos.point(this.access, 0);
      this.lazy &= ~1;
    }
    return dos;
  }

  /** The data directories read (see {@link PeImage.dataDirectories}); moved on first use after a point, like {@link PeHeaderView.dosHeader}. */
  get dataDirectories(): TableView<typeof IMAGE_DATA_DIRECTORY.fields> {
    const dirs = this.dirs;
    if ((this.lazy & 2) !== 0) {
      const at = this.locations;
      dirs.point(this.access, at.optionalHeaderOffset + at.optionalFixedSize, at.directoryCount);
      this.lazy &= ~2;
    }
    return dirs;
  }

  /**
   * Points the views at the image in `bytes`: the checks of
   * {@link locatePeHeaders} (it throws the same errors, and then leaves
   * the views on the previous image). Returns this view.
   */
  point(bytes: Uint8Array): this {
    locateInto(bytes, bytes === this.current ? this.access : bufferAccess(bytes), this.locations, this as unknown as PeViewParts);
    return this;
  }
  private access: BufferAccess = bufferAccess(EMPTY);
}

class LazyPeHeaderViews implements PeHeaderViews {
  readonly locations: PeLocations;
  private readonly bytes: Uint8Array;
  private dos: View<typeof IMAGE_DOS_HEADER.fields> | undefined;
  private file: View<typeof IMAGE_FILE_HEADER.fields> | undefined;
  private opt32: View<typeof IMAGE_OPTIONAL_HEADER32.fields> | undefined;
  private opt64: View<typeof IMAGE_OPTIONAL_HEADER64.fields> | undefined;
  private dirs: TableView<typeof IMAGE_DATA_DIRECTORY.fields> | undefined;
  private secs: TableView<typeof IMAGE_SECTION_HEADER.fields> | undefined;
  constructor(bytes: Uint8Array, at: PeLocations) {
    this.bytes = bytes;
    this.locations = at;
  }
  get dosHeader(): View<typeof IMAGE_DOS_HEADER.fields> {
    return (this.dos ??= viewLayout(IMAGE_DOS_HEADER, this.bytes, 0));
  }
  get fileHeader(): View<typeof IMAGE_FILE_HEADER.fields> {
    return (this.file ??= viewLayout(IMAGE_FILE_HEADER, this.bytes, this.locations.peOffset + 4));
  }
  get optionalHeader32(): View<typeof IMAGE_OPTIONAL_HEADER32.fields> | undefined {
    if (this.locations.pe32Plus) return undefined;
    return (this.opt32 ??= viewLayout(IMAGE_OPTIONAL_HEADER32, this.bytes, this.locations.optionalHeaderOffset));
  }
  get optionalHeader64(): View<typeof IMAGE_OPTIONAL_HEADER64.fields> | undefined {
    if (!this.locations.pe32Plus) return undefined;
    return (this.opt64 ??= viewLayout(IMAGE_OPTIONAL_HEADER64, this.bytes, this.locations.optionalHeaderOffset));
  }
  get dataDirectories(): TableView<typeof IMAGE_DATA_DIRECTORY.fields> {
    const at = this.locations;
    return (this.dirs ??= viewTable(IMAGE_DATA_DIRECTORY, this.bytes, at.optionalHeaderOffset + at.optionalFixedSize, at.directoryCount));
  }
  get sections(): TableView<typeof IMAGE_SECTION_HEADER.fields> {
    return (this.secs ??= viewTable(IMAGE_SECTION_HEADER, this.bytes, this.locations.sectionTableOffset, this.locations.numberOfSections));
  }
}

/**
 * Views the headers of a PE image (same checks as {@link locatePeHeaders}).
 * Each view is made on first use and kept, so a caller that reads only the
 * section table pays for that view alone.
 */
export function viewPeHeaders(bytes: Uint8Array): PeHeaderViews;
/**
 * Points `reuse` (a {@link PeHeaderView} kept from an earlier call) at the
 * image in `bytes` and returns it: the reuse path, which allocates nothing
 * (see {@link PeHeaderView}).
 */
export function viewPeHeaders(bytes: Uint8Array, reuse: PeHeaderView): PeHeaderView;
export function viewPeHeaders(bytes: Uint8Array, reuse?: PeHeaderView): PeHeaderViews {
  return reuse === undefined ? new LazyPeHeaderViews(bytes, locatePeHeaders(bytes)) : reuse.point(bytes);
}

/** True when `bytes` start with "MZ" and `e_lfanew` leads to "PE\0\0" (a PE image, or a bzImage with an EFI stub). */
export function detectPeImage(bytes: Uint8Array): boolean {
  if (bytes.length < 64 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = dv.getUint32(60, true);
  return pe <= bytes.length - 4 && dv.getUint32(pe, true) === IMAGE_NT_SIGNATURE;
}

/** Decodes the raw 8-byte name field as Latin-1 (every byte kept), for display of odd names. */
export function rawNameLatin1(name: Uint8Array): string {
  return latin1.decode(name);
}

// ---------------------------------------------------------------------------
// The headers of an image that is not in memory: read through a slice reader.

/** The first read of {@link readPeHeaders}: enough for the headers and section table of every image seen so far. */
export const PE_FIRST_READ = 1024;
/**
 * The most bytes {@link readPeHeaders} reads: `e_lfanew` plus the PE
 * signature, COFF header, `SizeOfOptionalHeader` (at most 65,535) and
 * `NumberOfSections` × 40 (at most 2.6 MB). A larger `e_lfanew` is a
 * `LIMIT` error rather than a read.
 */
export const MAX_PE_HEADERS_READ = 4 * 1024 * 1024;

/** What {@link readPeHeaders} read and the views over it. */
export interface PeHeadersRead {
  /** The image's size (the source's). */
  size: number;
  /** The bytes read: the image from offset 0 to the end of the section table (or of the file, when it ends first). */
  headers: Uint8Array;
  /** Views of the headers and the section table, over {@link PeHeadersRead.headers}; offsets are file offsets. */
  view: PeHeaderView;
}

/**
 * How many bytes from the start the headers need, as far as `head` shows:
 * `head.length` when it holds them all (or when a magic number is wrong,
 * which the views will report).
 */
function peHeadersEnd(head: Uint8Array): number {
  if (head.length < 64) return 64;
  if (le16(head, 0) !== IMAGE_DOS_SIGNATURE) return head.length;
  const fileHeaderEnd = le32(head, 60) + 4 + IMAGE_FILE_HEADER.size;
  if (head.length < fileHeaderEnd) return fileHeaderEnd;
  const fh = fileHeaderEnd - IMAGE_FILE_HEADER.size;
  if (le32(head, fh - 4) !== IMAGE_NT_SIGNATURE) return head.length;
  return Math.max(head.length, fileHeaderEnd + le16(head, fh + 16) + le16(head, fh + 2) * IMAGE_SECTION_HEADER.size);
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The reads of {@link readPeHeaders}: the first {@link PE_FIRST_READ} bytes, then what the headers say is missing. */
function* peHeadersPlan(size: number): ReadPlan<PeHeadersRead> {
  const what: SourceReadContext = { format: 'pecoff', structure: 'IMAGE_NT_HEADERS' };
  let head = yield { offset: 0, length: Math.min(size, PE_FIRST_READ), what };
  for (let step = 0; step < 3 && head.length < size; step++) {
    const need = peHeadersEnd(head);
    if (need <= head.length) break;
    if (need > MAX_PE_HEADERS_READ) {
      throw new BootprotoError({ code: 'LIMIT', format: 'pecoff', structure: 'IMAGE_NT_HEADERS', field: 'e_lfanew', offset: 60, reason: `the headers would end at ${need}, past the ${MAX_PE_HEADERS_READ}-byte bound of a header read` });
    }
    const end = Math.min(size, need);
    head = joined(head, yield { offset: head.length, length: end - head.length, what });
  }
  // The views check everything; when the file ended first, `head` is the whole
  // file and the errors are those of viewPeHeaders on it.
  return { size, headers: head, view: new PeHeaderView(head) };
}

/**
 * Reads the headers and the section table of a PE image through a slice
 * reader: the first {@link PE_FIRST_READ} bytes, and one more read when the
 * section table ends after them (never past {@link MAX_PE_HEADERS_READ}).
 * Throws what {@link viewPeHeaders} throws, and `TRUNCATED` when the source
 * returns fewer bytes than it said it has. Section data are not read: for
 * a section's bytes, read `SizeOfRawData` at `PointerToRawData` yourself.
 *
 * @example
 * ```ts
 * const { view, size } = await readPeHeaders(blobSource(file)); // a browser File
 * for (const s of view.sections.decodeAll()) console.log(s.virtualAddress, s.sizeOfRawData);
 * ```
 */
export function readPeHeaders(source: ByteSource): Promise<PeHeadersRead> {
  return runReadPlan(source, peHeadersPlan(source.size));
}

/** {@link readPeHeaders} through a synchronous source (a file read with `readSync`, bytes in memory). */
export function readPeHeadersSync(source: SyncByteSource): PeHeadersRead {
  return runReadPlanSync(source, peHeadersPlan(source.size));
}
