/**
 * The data directories EFI images use: base relocations (PE Format, "The
 * .reloc Section"), the attribute certificate table ("The Attribute
 * Certificate Table"), the debug directory with CodeView records ("The
 * .debug Section"), and exports and imports ("The .edata Section", "The
 * .idata Section"). Every walk is bounded by the directory's size and the
 * file; every failure is a {@link BootprotoError}.
 *
 * @module
 */
import { BootprotoError, decodeLayout, readCString, type ErrorCode } from '../core/index.js';
import {
  IMAGE_DIRECTORY_ENTRY_BASERELOC,
  IMAGE_DIRECTORY_ENTRY_DEBUG,
  IMAGE_DIRECTORY_ENTRY_EXPORT,
  IMAGE_DIRECTORY_ENTRY_IMPORT,
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_DEBUG_TYPE_CODEVIEW,
  IMAGE_REL_BASED_HIGHADJ,
  WIN_CERT_REVISION,
  WIN_CERT_TYPE,
  relocationTypeName,
} from './constants.js';
import {
  IMAGE_BASE_RELOCATION,
  IMAGE_DEBUG_DIRECTORY,
  IMAGE_EXPORT_DIRECTORY,
  IMAGE_IMPORT_DESCRIPTOR,
  WIN_CERTIFICATE,
  type ImageDebugDirectory,
  type ImageExportDirectory,
  type ImageImportDescriptor,
} from './headers.js';
import { dataDirectory, rvaToOffset, type PeImage } from './image.js';

/** Bound on the entries of any one table read here (imports, exports, debug entries). */
export const MAX_TABLE_ENTRIES = 65536;
/** Bound on a name read through an RVA (DLL and function names, PDB paths). */
export const MAX_NAME_LENGTH = 4096;

function fail(code: ErrorCode, structure: string, field: string | undefined, offset: number, reason: string): never {
  throw new BootprotoError(field === undefined ? { code, format: 'pecoff', structure, offset, reason } : { code, format: 'pecoff', structure, field, offset, reason });
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}

/** Maps a directory's RVA and size to file offsets, checking that the whole table lies in one section's raw data (or the headers). */
function directorySpan(image: PeImage, index: number, structure: string): { offset: number; size: number } | undefined {
  const d = dataDirectory(image, index);
  if (d === undefined) return undefined;
  const offset = rvaToOffset(image, d.virtualAddress);
  if (offset === undefined) fail('OUT_OF_BOUNDS', structure, 'VirtualAddress', d.entryOffset, `RVA 0x${d.virtualAddress.toString(16)} is in no section's raw data`);
  if (d.size > image.bytes.length - offset) fail('TRUNCATED', structure, 'Size', d.entryOffset, `${d.size} bytes at file offset ${offset} run past the end of the file (${image.bytes.length})`);
  return { offset, size: d.size };
}

// ---------------------------------------------------------------------------
// Base relocations

/** One Type/Offset entry of a base relocation block. */
export interface BaseRelocationEntry {
  /** The 4-bit type. */
  type: number;
  /** Its `IMAGE_REL_BASED_*` name for the image's machine. */
  typeName: string;
  /** The 12-bit offset within the page. */
  offset: number;
  /** `VirtualAddress` of the block + `offset`. */
  rva: number;
  /** For `IMAGE_REL_BASED_HIGHADJ`: the next entry, taken whole as the low 16 bits of the value. */
  highAdjLow?: number;
}

/** One base relocation block. */
export interface BaseRelocationBlock {
  /** File offset of the block. */
  fileOffset: number;
  /** The page RVA. */
  virtualAddress: number;
  /** `SizeOfBlock`. */
  sizeOfBlock: number;
  /** Its entries (padding `IMAGE_REL_BASED_ABSOLUTE` entries included). */
  entries: BaseRelocationEntry[];
}

/**
 * Walks the base relocation table. Throws `BAD_VALUE` for a block whose
 * `SizeOfBlock` is below 8, odd, or runs past the directory; `LIMIT` never
 * happens because the entries are bounded by the directory's size. An
 * image without the directory has no blocks.
 */
export function decodeBaseRelocations(image: PeImage): BaseRelocationBlock[] {
  const span = directorySpan(image, IMAGE_DIRECTORY_ENTRY_BASERELOC, 'IMAGE_BASE_RELOCATION');
  if (span === undefined) return [];
  const b = image.bytes;
  const machine = image.fileHeader.machine;
  const blocks: BaseRelocationBlock[] = [];
  const end = span.offset + span.size;
  let o = span.offset;
  while (o < end) {
    if (end - o < IMAGE_BASE_RELOCATION.size) fail('TRUNCATED', 'IMAGE_BASE_RELOCATION', undefined, o, `${end - o} bytes left in the directory, a block head needs 8`);
    const virtualAddress = u32(b, o);
    const sizeOfBlock = u32(b, o + 4);
    if (sizeOfBlock < 8 || sizeOfBlock % 2 !== 0) fail('BAD_VALUE', 'IMAGE_BASE_RELOCATION', 'SizeOfBlock', o + 4, `SizeOfBlock ${sizeOfBlock} is below 8 or odd`);
    if (sizeOfBlock > end - o) fail('OUT_OF_BOUNDS', 'IMAGE_BASE_RELOCATION', 'SizeOfBlock', o + 4, `a block of ${sizeOfBlock} bytes runs past the directory's end (${end - o} left)`);
    const entries: BaseRelocationEntry[] = [];
    for (let e = o + 8; e < o + sizeOfBlock; e += 2) {
      const w = u16(b, e);
      const type = w >>> 12;
      const entry: BaseRelocationEntry = { type, typeName: relocationTypeName(type, machine), offset: w & 0xfff, rva: virtualAddress + (w & 0xfff) };
      if (type === IMAGE_REL_BASED_HIGHADJ && e + 2 < o + sizeOfBlock) {
        entry.highAdjLow = u16(b, e + 2);
        e += 2;
      }
      entries.push(entry);
    }
    blocks.push({ fileOffset: o, virtualAddress, sizeOfBlock, entries });
    o += sizeOfBlock;
  }
  return blocks;
}

/**
 * Calls `visit(type, rva)` for every base relocation entry without
 * allocating (padding entries included). Same checks as
 * {@link decodeBaseRelocations}. Returns the number of entries.
 */
export function forEachBaseRelocation(image: PeImage, visit: (type: number, rva: number) => void): number {
  const span = directorySpan(image, IMAGE_DIRECTORY_ENTRY_BASERELOC, 'IMAGE_BASE_RELOCATION');
  if (span === undefined) return 0;
  const b = image.bytes;
  const end = span.offset + span.size;
  let o = span.offset;
  let count = 0;
  while (o < end) {
    if (end - o < 8) fail('TRUNCATED', 'IMAGE_BASE_RELOCATION', undefined, o, `${end - o} bytes left in the directory, a block head needs 8`);
    const va = u32(b, o);
    const size = u32(b, o + 4);
    if (size < 8 || size % 2 !== 0) fail('BAD_VALUE', 'IMAGE_BASE_RELOCATION', 'SizeOfBlock', o + 4, `SizeOfBlock ${size} is below 8 or odd`);
    if (size > end - o) fail('OUT_OF_BOUNDS', 'IMAGE_BASE_RELOCATION', 'SizeOfBlock', o + 4, `a block of ${size} bytes runs past the directory's end (${end - o} left)`);
    for (let e = o + 8; e < o + size; e += 2) {
      const w = u16(b, e);
      visit(w >>> 12, va + (w & 0xfff));
      count++;
    }
    o += size;
  }
  return count;
}

// ---------------------------------------------------------------------------
// Certificates

/** One attribute certificate (`WIN_CERTIFICATE`). */
export interface WinCertificate {
  /** File offset of the entry. */
  fileOffset: number;
  /** `dwLength`: the entry's length, head included (padding to 8 may or may not be included). */
  dwLength: number;
  /** `wRevision`. */
  wRevision: number;
  /** `WIN_CERT_REVISION_*` name, when known. */
  revisionName: string | undefined;
  /** `wCertificateType`. */
  wCertificateType: number;
  /** `WIN_CERT_TYPE_*` name, when known. */
  typeName: string | undefined;
  /** `bCertificate`: `dwLength` − 8 bytes (a subarray); a PKCS #7 SignedData for Authenticode. */
  bCertificate: Uint8Array;
}

/**
 * Walks the attribute certificate table: entries follow each other at
 * `dwLength` rounded up to 8, until the directory's size is used. Throws
 * `OUT_OF_BOUNDS` when the table is not inside the file, `BAD_VALUE` for a
 * `dwLength` below 8 or past the table's end. The directory's
 * `VirtualAddress` is a file offset.
 */
export function decodeCertificates(image: PeImage): WinCertificate[] {
  const d = dataDirectory(image, IMAGE_DIRECTORY_ENTRY_SECURITY);
  if (d === undefined) return [];
  const b = image.bytes;
  const start = d.virtualAddress;
  if (start > b.length || d.size > b.length - start) {
    fail('OUT_OF_BOUNDS', 'WIN_CERTIFICATE', 'VirtualAddress', d.entryOffset, `the table (${d.size} bytes at file offset ${start}) is not inside the ${b.length}-byte file`);
  }
  const end = start + d.size;
  const out: WinCertificate[] = [];
  let o = start;
  while (o < end) {
    if (end - o < WIN_CERTIFICATE.size) fail('TRUNCATED', 'WIN_CERTIFICATE', undefined, o, `${end - o} bytes left in the table, a certificate head needs 8`);
    const h = decodeLayout(WIN_CERTIFICATE, b, o);
    if (h.dwLength < 8 || h.dwLength > end - o) fail('BAD_VALUE', 'WIN_CERTIFICATE', 'dwLength', o, `dwLength ${h.dwLength} is below 8 or past the table's end (${end - o} left)`);
    out.push({
      fileOffset: o,
      dwLength: h.dwLength,
      wRevision: h.wRevision,
      revisionName: WIN_CERT_REVISION[h.wRevision],
      wCertificateType: h.wCertificateType,
      typeName: WIN_CERT_TYPE[h.wCertificateType],
      bCertificate: b.subarray(o + 8, o + h.dwLength),
    });
    o += (h.dwLength + 7) & ~7;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Debug directory

/** A CodeView record: `RSDS` (PDB 7.0) or `NB10` (PDB 2.0). */
export interface CodeViewRecord {
  /** `RSDS` or `NB10`. */
  signature: 'RSDS' | 'NB10';
  /** RSDS: the PDB GUID as text (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, Microsoft's mixed-endian order). */
  guid?: string;
  /** NB10: the 32-bit signature (a time stamp). */
  nb10Signature?: number;
  /** NB10: the CodeView offset (normally 0). */
  nb10Offset?: number;
  /** The age. */
  age: number;
  /** The PDB path, up to its NUL. */
  path: string;
}

/** One debug directory entry, with its CodeView record when it has one. */
export interface DebugEntry extends ImageDebugDirectory {
  /** File offset of the entry. */
  fileOffset: number;
  /** The debug data (`SizeOfData` bytes at `PointerToRawData`, clipped to the file; a subarray). */
  data: Uint8Array;
  /** The decoded CodeView record, for `IMAGE_DEBUG_TYPE_CODEVIEW` entries with a known signature. */
  codeView: CodeViewRecord | undefined;
}

function hex(v: number, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

/** Decodes a CodeView record (`RSDS` or `NB10`); undefined for another signature or a record too short. */
export function decodeCodeView(data: Uint8Array): CodeViewRecord | undefined {
  if (data.length < 4) return undefined;
  const sig = String.fromCharCode(data[0] as number, data[1] as number, data[2] as number, data[3] as number);
  const pathAt = (o: number): string => {
    const ctx = { format: 'pecoff' as const, structure: 'CV_INFO_PDB', field: 'PdbFileName' };
    try {
      return readCString(data, o, Math.min(MAX_NAME_LENGTH, data.length - o), ctx).text;
    } catch {
      return new TextDecoder().decode(data.subarray(o, Math.min(data.length, o + MAX_NAME_LENGTH)));
    }
  };
  if (sig === 'RSDS' && data.length >= 24) {
    const g = `${hex(u32(data, 4), 8)}-${hex(u16(data, 8), 4)}-${hex(u16(data, 10), 4)}-${hex(data[12] as number, 2)}${hex(data[13] as number, 2)}-${Array.from(data.subarray(14, 20), (x) => hex(x, 2)).join('')}`;
    return { signature: 'RSDS', guid: g, age: u32(data, 20), path: pathAt(24) };
  }
  if (sig === 'NB10' && data.length >= 16) {
    return { signature: 'NB10', nb10Offset: u32(data, 4), nb10Signature: u32(data, 8), age: u32(data, 12), path: pathAt(16) };
  }
  return undefined;
}

/** Reads the debug directory: `Size` / 28 entries (bounded by {@link MAX_TABLE_ENTRIES}). */
export function decodeDebugDirectory(image: PeImage): DebugEntry[] {
  const span = directorySpan(image, IMAGE_DIRECTORY_ENTRY_DEBUG, 'IMAGE_DEBUG_DIRECTORY');
  if (span === undefined) return [];
  const count = Math.floor(span.size / IMAGE_DEBUG_DIRECTORY.size);
  if (count > MAX_TABLE_ENTRIES) fail('LIMIT', 'IMAGE_DEBUG_DIRECTORY', 'Size', span.offset, `${count} entries exceed the bound of ${MAX_TABLE_ENTRIES}`);
  const b = image.bytes;
  const out: DebugEntry[] = [];
  for (let i = 0; i < count; i++) {
    const fileOffset = span.offset + i * IMAGE_DEBUG_DIRECTORY.size;
    const e = decodeLayout(IMAGE_DEBUG_DIRECTORY, b, fileOffset);
    const s = Math.min(e.pointerToRawData, b.length);
    const data = b.subarray(s, Math.min(b.length, e.pointerToRawData + e.sizeOfData));
    out.push({ ...e, fileOffset, data, codeView: e.type === IMAGE_DEBUG_TYPE_CODEVIEW ? decodeCodeView(data) : undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Exports and imports

function nameAt(image: PeImage, rva: number, structure: string, field: string): string {
  const o = rvaToOffset(image, rva);
  if (o === undefined) fail('OUT_OF_BOUNDS', structure, field, 0, `name RVA 0x${rva.toString(16)} is in no section`);
  return readCString(image.bytes, o, MAX_NAME_LENGTH, { format: 'pecoff', structure, field }).text;
}

/** One exported symbol. */
export interface ExportedSymbol {
  /** Its ordinal (`Base` + index in the address table). */
  ordinal: number;
  /** Its name, when it is exported by name. */
  name: string | undefined;
  /** Its RVA (for a forwarder: the RVA of the forwarder string). */
  rva: number;
  /** The forwarder string ("DLL.Symbol"), when the RVA falls inside the export directory. */
  forwarder: string | undefined;
}

/** The export table. */
export interface ExportTable {
  /** The directory table. */
  directory: ImageExportDirectory;
  /** The DLL name. */
  name: string;
  /** Every entry of the address table that is not 0. */
  symbols: ExportedSymbol[];
}

/** Reads the export table, or undefined when the image has none. Counts are bounded by {@link MAX_TABLE_ENTRIES}. */
export function decodeExports(image: PeImage): ExportTable | undefined {
  const span = directorySpan(image, IMAGE_DIRECTORY_ENTRY_EXPORT, 'IMAGE_EXPORT_DIRECTORY');
  if (span === undefined) return undefined;
  const b = image.bytes;
  const dir = decodeLayout(IMAGE_EXPORT_DIRECTORY, b, span.offset);
  for (const [field, n] of [['NumberOfFunctions', dir.numberOfFunctions], ['NumberOfNames', dir.numberOfNames]] as const) {
    if (n > MAX_TABLE_ENTRIES) fail('LIMIT', 'IMAGE_EXPORT_DIRECTORY', field, span.offset, `${n} entries exceed the bound of ${MAX_TABLE_ENTRIES}`);
  }
  const table = (rva: number, count: number, width: number, field: string): number => {
    const o = rvaToOffset(image, rva);
    if (o === undefined || count * width > b.length - o) fail('OUT_OF_BOUNDS', 'IMAGE_EXPORT_DIRECTORY', field, span.offset, `${count} entries at RVA 0x${rva.toString(16)} are not inside the file`);
    return o;
  };
  const dirRva = image.dataDirectories[IMAGE_DIRECTORY_ENTRY_EXPORT]?.virtualAddress ?? 0;
  const funcs = dir.numberOfFunctions === 0 ? 0 : table(dir.addressOfFunctions, dir.numberOfFunctions, 4, 'AddressOfFunctions');
  const names = dir.numberOfNames === 0 ? 0 : table(dir.addressOfNames, dir.numberOfNames, 4, 'AddressOfNames');
  const ords = dir.numberOfNames === 0 ? 0 : table(dir.addressOfNameOrdinals, dir.numberOfNames, 2, 'AddressOfNameOrdinals');
  const byIndex = new Map<number, string>();
  for (let i = 0; i < dir.numberOfNames; i++) byIndex.set(u16(b, ords + 2 * i), nameAt(image, u32(b, names + 4 * i), 'IMAGE_EXPORT_DIRECTORY', 'AddressOfNames'));
  const symbols: ExportedSymbol[] = [];
  for (let i = 0; i < dir.numberOfFunctions; i++) {
    const rva = u32(b, funcs + 4 * i);
    if (rva === 0) continue;
    const fwd = rva >= dirRva && rva < dirRva + span.size;
    symbols.push({ ordinal: dir.base + i, name: byIndex.get(i), rva, forwarder: fwd ? nameAt(image, rva, 'IMAGE_EXPORT_DIRECTORY', 'AddressOfFunctions') : undefined });
  }
  return { directory: dir, name: dir.name === 0 ? '' : nameAt(image, dir.name, 'IMAGE_EXPORT_DIRECTORY', 'Name'), symbols };
}

/** One imported symbol. */
export interface ImportedSymbol {
  /** The ordinal, when imported by ordinal. */
  ordinal: number | undefined;
  /** The hint, when imported by name. */
  hint: number | undefined;
  /** The name, when imported by name. */
  name: string | undefined;
}

/** One imported DLL. */
export interface ImportedModule {
  /** Its import directory entry. */
  descriptor: ImageImportDescriptor;
  /** The DLL name. */
  name: string;
  /** The symbols, from the import lookup table (or the address table when there is none). */
  symbols: ImportedSymbol[];
}

/** Reads the import directory table (until the all-zero entry or the file's end; at most {@link MAX_TABLE_ENTRIES} descriptors and as many imported symbols in all). */
export function decodeImports(image: PeImage): ImportedModule[] {
  const span = directorySpan(image, IMAGE_DIRECTORY_ENTRY_IMPORT, 'IMAGE_IMPORT_DESCRIPTOR');
  if (span === undefined) return [];
  const b = image.bytes;
  const width = image.pe32Plus ? 8 : 4;
  const out: ImportedModule[] = [];
  let total = 0;
  for (let i = 0; ; i++) {
    const o = span.offset + i * IMAGE_IMPORT_DESCRIPTOR.size;
    if (i >= MAX_TABLE_ENTRIES) fail('LIMIT', 'IMAGE_IMPORT_DESCRIPTOR', undefined, o, `more than ${MAX_TABLE_ENTRIES} import descriptors`);
    if (b.length - o < IMAGE_IMPORT_DESCRIPTOR.size) fail('TRUNCATED', 'IMAGE_IMPORT_DESCRIPTOR', undefined, o, 'the import directory table runs past the end of the file');
    const d = decodeLayout(IMAGE_IMPORT_DESCRIPTOR, b, o);
    if (d.originalFirstThunk === 0 && d.name === 0 && d.firstThunk === 0) break;
    const lookup = d.originalFirstThunk !== 0 ? d.originalFirstThunk : d.firstThunk;
    let t = rvaToOffset(image, lookup);
    if (t === undefined) fail('OUT_OF_BOUNDS', 'IMAGE_IMPORT_DESCRIPTOR', 'OriginalFirstThunk', o, `lookup table RVA 0x${lookup.toString(16)} is in no section`);
    const symbols: ImportedSymbol[] = [];
    for (let n = 0; ; n++, t += width) {
      // One bound over all modules: descriptors may share a lookup table.
      if (++total > MAX_TABLE_ENTRIES) fail('LIMIT', 'IMAGE_IMPORT_DESCRIPTOR', 'OriginalFirstThunk', o, `more than ${MAX_TABLE_ENTRIES} imports in all`);
      if (b.length - t < width) fail('TRUNCATED', 'IMAGE_IMPORT_DESCRIPTOR', 'OriginalFirstThunk', t, 'the import lookup table has no terminating 0');
      const lo = u32(b, t);
      const hi = width === 8 ? u32(b, t + 4) : 0;
      if (lo === 0 && hi === 0) break;
      const byOrdinal = width === 8 ? (hi & 0x80000000) !== 0 : (lo & 0x80000000) !== 0;
      if (byOrdinal) symbols.push({ ordinal: lo & 0xffff, hint: undefined, name: undefined });
      else {
        const hn = rvaToOffset(image, lo & 0x7fffffff);
        if (hn === undefined || b.length - hn < 2) fail('OUT_OF_BOUNDS', 'IMAGE_IMPORT_BY_NAME', 'Hint', t, `hint/name RVA 0x${(lo & 0x7fffffff).toString(16)} is in no section`);
        symbols.push({ ordinal: undefined, hint: u16(b, hn), name: readCString(b, hn + 2, MAX_NAME_LENGTH, { format: 'pecoff', structure: 'IMAGE_IMPORT_BY_NAME', field: 'Name' }).text });
      }
    }
    out.push({ descriptor: d, name: nameAt(image, d.name, 'IMAGE_IMPORT_DESCRIPTOR', 'Name'), symbols });
  }
  return out;
}
