/**
 * Writing PE images: the headers re-encoded from a decoded image, and
 * sections added the way `objcopy --add-section … --change-section-vma …`
 * adds them (file and section alignment, `SizeOfImage`, room in
 * `SizeOfHeaders`, names longer than 8 bytes through the COFF string table,
 * checksum). Replacing a section is in `replace.ts`, building a unified
 * kernel image in `uki.ts`.
 *
 * @module
 */
import { encodeLayout } from '../core/index.js';
import { computePeChecksum } from './checksum.js';
import {
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_SCN_CNT_CODE,
  IMAGE_SCN_CNT_INITIALIZED_DATA,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA,
  IMAGE_SCN_MEM_READ,
} from './constants.js';
import {
  IMAGE_DATA_DIRECTORY,
  IMAGE_DOS_HEADER,
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_SECTION_HEADER,
  type ImageOptionalHeader32,
  type ImageOptionalHeader64,
  type ImageSectionHeader,
} from './headers.js';
import { decodePeImage, type PeImage } from './image.js';
import { utf8Bytes } from './efi.js';
import { alignUp, checkWritable, fail, forEachSymbol, moveDebugOffsets, sectionTableEnd, symbolTableSpan } from './writer-util.js';

function sectionHeaderOf(s: ImageSectionHeader): ImageSectionHeader {
  return {
    name: s.name,
    virtualSize: s.virtualSize,
    virtualAddress: s.virtualAddress,
    sizeOfRawData: s.sizeOfRawData,
    pointerToRawData: s.pointerToRawData,
    pointerToRelocations: s.pointerToRelocations,
    pointerToLinenumbers: s.pointerToLinenumbers,
    numberOfRelocations: s.numberOfRelocations,
    numberOfLinenumbers: s.numberOfLinenumbers,
    characteristics: s.characteristics,
  };
}

/**
 * Writes the headers of `image` — the MS-DOS header, "PE\0\0", the COFF
 * file header, the optional header, its data directories and the section
 * table — from its decoded fields into `into` (by default a copy of the
 * image's bytes). Bytes no structure covers (the DOS stub, padding) are
 * left as they are. decode → encode gives the same bytes.
 */
export function encodePeHeaders(image: PeImage, into: Uint8Array = image.bytes.slice()): Uint8Array {
  encodeLayout(IMAGE_DOS_HEADER, image.dosHeader, into, 0);
  into.set([0x50, 0x45, 0, 0], image.peOffset);
  encodeLayout(IMAGE_FILE_HEADER, image.fileHeader, into, image.fileHeaderOffset);
  if (image.pe32Plus) encodeLayout(IMAGE_OPTIONAL_HEADER64, image.optionalHeader as ImageOptionalHeader64, into, image.optionalHeaderOffset);
  else encodeLayout(IMAGE_OPTIONAL_HEADER32, image.optionalHeader as ImageOptionalHeader32, into, image.optionalHeaderOffset);
  for (const d of image.dataDirectories) encodeLayout(IMAGE_DATA_DIRECTORY, { virtualAddress: d.virtualAddress, size: d.size }, into, d.entryOffset);
  for (const s of image.sections) encodeLayout(IMAGE_SECTION_HEADER, sectionHeaderOf(s), into, s.headerOffset);
  return into;
}

/** Sets the `CheckSum` field of the image in `bytes` to its imagehlp checksum; returns the value. */
export function updatePeChecksum(bytes: Uint8Array): number {
  const im = decodePeImage(bytes);
  const sum = computePeChecksum(bytes, im.checksumOffset);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(im.checksumOffset, sum, true);
  return sum;
}

/** A section to add. */
export interface NewSection {
  /**
   * Its name, as UTF-8. Up to 8 bytes it goes into the section header; a
   * longer one goes into the COFF string table and the header holds `/N`
   * (N its decimal offset there), as GNU ld and objcopy write long names.
   */
  name: string;
  /** Its contents. */
  data: Uint8Array;
  /** Its RVA (objcopy's `--change-section-vma`, less `ImageBase`); by default the first `SectionAlignment` boundary after the image. */
  virtualAddress?: number;
  /** `IMAGE_SCN_*` flags; by default initialized, readable data (`0x40000040`, as objcopy gives `readonly,data`). */
  characteristics?: number;
}

/** Options of {@link addSections}. */
export interface AddSectionOptions {
  /** Recompute `CheckSum` (default true). */
  updateChecksum?: boolean;
}

/** The largest string-table offset a `/N` name can hold (7 decimal digits in 8 bytes). */
export const MAX_LONG_NAME_OFFSET = 9_999_999;

/**
 * A section to add, as the writers pass it between themselves: the 8-byte
 * name field may be given as is.
 * @internal
 */
export interface NewSectionInternal extends NewSection {
  /** The 8-byte `Name` field to write instead of one made from `name` (a section moved keeps its `/N`). */
  nameField?: Uint8Array;
}

function shortName(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  out.set(b);
  return out;
}

/** Reads a little-endian u32 from bytes known to hold it. */
function le32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Adds sections to a PE image and returns the new image (the input is not
 * changed). As objcopy does: the new sections enter the table in RVA order,
 * and their raw data follows the last section's raw data in that order, at
 * `FileAlignment`; `VirtualSize` is the data's exact
 * length and `SizeOfRawData` is padded to `FileAlignment`; the section
 * table grows in place, and when `SizeOfHeaders` has no room for the new
 * headers it grows by `FileAlignment` steps (moving every section's raw data
 * and the COFF symbol table, and updating the debug directory's file
 * offsets) as long as it stays below the first section's RVA. `NumberOfSections`, `SizeOfImage`, `SizeOfInitializedData` (or
 * `SizeOfCode`) and the checksum follow. Any certificate table is dropped
 * (a new section breaks the signature anyway): sign the result again.
 *
 * A name longer than 8 bytes goes into the COFF string table, as objcopy
 * `--long-section-names enable` writes it: after the long names of the
 * sections already there (the symbols' names behind them move, and the
 * symbols' offsets with them); an image without a symbol table gets a
 * string table at the end of the file, `PointerToSymbolTable` pointing at
 * it and `NumberOfSymbols` 0.
 *
 * Throws `BAD_VALUE` (an empty name or one with a NUL, an RVA that overlaps
 * another section or is not aligned, a symbol table this writer cannot
 * extend) or `LIMIT` (no room for the section headers below the first
 * section's RVA, a string table past the reach of `/N`).
 */
export function addSections(bytes: Uint8Array, sections: readonly NewSection[], options: AddSectionOptions = {}): Uint8Array {
  return addSectionsInternal(bytes, sections, options);
}

/**
 * {@link addSections}, with the 8-byte name field optionally given.
 * @internal
 */
export function addSectionsInternal(bytes: Uint8Array, sections: readonly NewSectionInternal[], options: AddSectionOptions = {}): Uint8Array {
  const im = decodePeImage(bytes);
  checkWritable(im, bytes);
  const oh = im.optionalHeader;
  const fa = oh.fileAlignment || 512;
  const sa = oh.sectionAlignment || 4096;
  const cert = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  const certStart = cert !== undefined && cert.size > 0 && cert.virtualAddress <= bytes.length ? cert.virtualAddress : bytes.length;
  // What the file holds: headers, section raw data, then "trailing" bytes
  // (COFF symbol and string tables, anything else) up to the certificate table.
  // The headers end at SizeOfHeaders, or where the first section's raw data
  // starts when SizeOfHeaders claims more (what lies past that is not headers).
  const firstRaw = im.sections.reduce((m, s) => (s.sizeOfRawData > 0 ? Math.min(m, s.pointerToRawData) : m), oh.sizeOfHeaders);
  let rawEnd = firstRaw;
  for (const s of im.sections) if (s.sizeOfRawData > 0) rawEnd = Math.max(rawEnd, s.pointerToRawData + s.sizeOfRawData);
  rawEnd = Math.min(rawEnd, bytes.length);
  let trailing = bytes.subarray(rawEnd, Math.max(rawEnd, Math.min(certStart, bytes.length)));
  // Room for the new headers.
  const tableEnd = im.sectionTableOffset + (im.sections.length + sections.length) * IMAGE_SECTION_HEADER.size;
  const firstRva = im.sections.reduce((m, s) => Math.min(m, s.virtualAddress), Number.MAX_SAFE_INTEGER);
  let shift = 0;
  let sizeOfHeaders = oh.sizeOfHeaders;
  if (tableEnd > Math.min(sizeOfHeaders, firstRaw)) {
    const needed = alignUp(tableEnd, fa);
    if (needed > firstRva) fail('LIMIT', 'IMAGE_SECTION_HEADER', undefined, im.sectionTableOffset, `no room for ${sections.length} more section headers below the first section's RVA 0x${firstRva.toString(16)}`);
    shift = alignUp(Math.max(0, needed - firstRaw), fa);
    sizeOfHeaders = Math.max(sizeOfHeaders, needed);
  }
  // Lay out the new sections.
  let vaEnd = 0;
  for (const s of im.sections) vaEnd = Math.max(vaEnd, s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData));
  vaEnd = Math.max(vaEnd, oh.sizeOfImage);
  let fileEnd = alignUp(rawEnd + shift, fa);
  const placed: { h: ImageSectionHeader; data: Uint8Array; long: Uint8Array | undefined }[] = [];
  const taken = im.sections.map((s) => ({ start: s.virtualAddress, end: s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData) }));
  for (const n of sections) {
    const nb = utf8Bytes(n.name);
    if (n.nameField === undefined && (nb.length === 0 || nb.includes(0))) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'Name', 0, `section name "${n.name}" must be at least 1 byte and hold no NUL`);
    const va = n.virtualAddress ?? alignUp(vaEnd, sa);
    const size = n.data.length;
    const vend = va + Math.max(size, 1);
    if (!Number.isSafeInteger(va) || va < 0 || vend > 0xffffffff) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'VirtualAddress', 0, `section ${n.name} at RVA ${va} does not fit 32 bits`);
    if (taken.some((t) => va < t.end && vend > t.start)) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'VirtualAddress', 0, `section ${n.name} at RVA 0x${va.toString(16)} overlaps another section`);
    if (va < sizeOfHeaders) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'VirtualAddress', 0, `section ${n.name} at RVA 0x${va.toString(16)} lies inside the headers`);
    taken.push({ start: va, end: vend });
    const long = n.nameField === undefined && nb.length > 8 ? nb : undefined;
    placed.push({
      h: {
        name: n.nameField !== undefined ? shortName(n.nameField.subarray(0, 8)) : long === undefined ? shortName(nb) : new Uint8Array(8),
        virtualSize: size,
        virtualAddress: va,
        sizeOfRawData: alignUp(size, fa),
        pointerToRawData: 0,
        pointerToRelocations: 0,
        pointerToLinenumbers: 0,
        numberOfRelocations: 0,
        numberOfLinenumbers: 0,
        characteristics: n.characteristics ?? (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ) >>> 0,
      },
      data: n.data,
      long,
    });
    vaEnd = Math.max(vaEnd, vend);
  }
  // objcopy (BFD) keeps a PE section table in RVA order, and lays the raw data out in that order.
  placed.sort((a, b) => a.h.virtualAddress - b.h.virtualAddress);
  for (const p of placed) {
    if (p.h.sizeOfRawData === 0) continue;
    p.h.pointerToRawData = fileEnd;
    fileEnd += p.h.sizeOfRawData;
  }
  const trailingAt = fileEnd;
  const fh = { ...im.fileHeader, numberOfSections: im.sections.length + placed.length };
  if (fh.pointerToSymbolTable !== 0 && fh.pointerToSymbolTable >= rawEnd) fh.pointerToSymbolTable = fh.pointerToSymbolTable - rawEnd + trailingAt;
  // Long names: into the COFF string table, after the long names of the sections already there.
  if (placed.some((p) => p.long !== undefined)) trailing = withLongNames(im, rawEnd, trailing, trailingAt, placed, fh);
  const total = trailingAt + trailing.length;
  const out = new Uint8Array(total);
  // Headers (up to the old first raw data), then the old raw data moved by `shift`.
  out.set(bytes.subarray(0, Math.min(firstRaw, bytes.length)), 0);
  out.set(bytes.subarray(firstRaw, rawEnd), firstRaw + shift);
  for (const p of placed) if (p.h.sizeOfRawData > 0) out.set(p.data, p.h.pointerToRawData);
  out.set(trailing, trailingAt);
  // Headers.
  const next: PeImage = { ...im, bytes: out, sections: [...im.sections], dataDirectories: im.dataDirectories.map((d) => ({ ...d })) };
  next.sections = im.sections.map((s) => ({ ...s, pointerToRawData: s.sizeOfRawData > 0 && shift > 0 ? s.pointerToRawData + shift : s.pointerToRawData }));
  placed.forEach((p, i) => {
    const headerOffset = im.sectionTableOffset + (im.sections.length + i) * IMAGE_SECTION_HEADER.size;
    next.sections.push({ ...p.h, index: im.sections.length + i, headerOffset, rawName: '', resolvedName: '', longNameOffset: undefined, data: out.subarray(0, 0) });
  });
  next.fileHeader = fh;
  const nh = { ...oh } as ImageOptionalHeader32 | ImageOptionalHeader64;
  nh.sizeOfHeaders = sizeOfHeaders;
  nh.sizeOfImage = alignUp(vaEnd, sa);
  for (const p of placed) {
    const f = p.h.characteristics;
    if (f & IMAGE_SCN_CNT_CODE) nh.sizeOfCode += p.h.sizeOfRawData;
    else if (f & IMAGE_SCN_CNT_UNINITIALIZED_DATA) nh.sizeOfUninitializedData += p.h.sizeOfRawData;
    else if (f & IMAGE_SCN_CNT_INITIALIZED_DATA) nh.sizeOfInitializedData += p.h.sizeOfRawData;
  }
  nh.sizeOfCode >>>= 0;
  nh.sizeOfInitializedData >>>= 0;
  nh.sizeOfUninitializedData >>>= 0;
  nh.checkSum = 0;
  next.optionalHeader = nh;
  const certDir = next.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  if (certDir !== undefined) {
    certDir.virtualAddress = 0;
    certDir.size = 0;
  }
  // Section headers beyond the old table were never written from the old bytes: clear the span first.
  out.fill(0, sectionTableEnd(im), Math.min(sizeOfHeaders, sectionTableEnd(next)));
  encodePeHeaders(next, out);
  // Debug directory entries hold file offsets (PointerToRawData): move them with the data.
  if (shift > 0 || trailingAt !== rawEnd) moveDebugOffsets(im, out, (o) => (o >= rawEnd ? o - rawEnd + trailingAt : o >= firstRaw ? o + shift : o));
  if (options.updateChecksum !== false) new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(im.checksumOffset, computePeChecksum(out, im.checksumOffset), true);
  return out;
}

/**
 * Puts the long names of `placed` into the COFF string table and returns
 * the new trailing bytes (symbol table, string table, the rest), setting
 * each header's `/N` and, for an image without a symbol table,
 * `PointerToSymbolTable` in `fh`.
 */
function withLongNames(
  im: PeImage,
  rawEnd: number,
  trailing: Uint8Array,
  trailingAt: number,
  placed: { h: ImageSectionHeader; long: Uint8Array | undefined }[],
  fh: { pointerToSymbolTable: number; numberOfSymbols: number },
): Uint8Array {
  const longs = placed.filter((p) => p.long !== undefined) as { h: ImageSectionHeader; long: Uint8Array }[];
  const inserted = longs.reduce((n, p) => n + p.long.length + 1, 0);
  const setNames = (base: number): void => {
    let at = base;
    for (const p of longs) {
      if (at > MAX_LONG_NAME_OFFSET) fail('LIMIT', 'IMAGE_SECTION_HEADER', 'Name', 0, `string table offset ${at} of section name "${new TextDecoder().decode(p.long)}" is past what /N can hold (${MAX_LONG_NAME_OFFSET})`);
      p.h.name = shortName(utf8Bytes(`/${at}`));
      at += p.long.length + 1;
    }
  };
  const names = new Uint8Array(inserted);
  let k = 0;
  for (const p of longs) {
    names.set(p.long, k);
    k += p.long.length + 1;
  }
  const table = symbolTableSpan(im);
  if (table === undefined) {
    // No symbol table: a string table of its own at the end of the file.
    const at = trailingAt + trailing.length;
    const out = new Uint8Array(trailing.length + 4 + inserted);
    out.set(trailing);
    put32(out, trailing.length, 4 + inserted);
    out.set(names, trailing.length + 4);
    setNames(4);
    fh.pointerToSymbolTable = at;
    // The string table follows NumberOfSymbols records: none (a count left
    // with PointerToSymbolTable 0 counts nothing, and would hide the names).
    fh.numberOfSymbols = 0;
    return out;
  }
  const strtab = im.stringTable;
  const fieldAt = im.fileHeaderOffset + 8;
  if (table.offset < rawEnd || strtab === undefined || strtab.size < 4 || strtab.offset + strtab.size > rawEnd + trailing.length) {
    fail('BAD_VALUE', 'IMAGE_FILE_HEADER', 'PointerToSymbolTable', fieldAt, 'the COFF symbol and string tables are not both after the section data, within the file: this writer cannot add a long section name to them');
  }
  // objcopy writes the sections' long names first, in table order, then the symbols' names:
  // the new names go after the last long name of a section already there.
  let insertAt = 4;
  for (const s of im.sections) {
    if (s.longNameOffset !== undefined && s.resolvedName !== s.rawName) insertAt = Math.max(insertAt, s.longNameOffset + utf8Bytes(s.resolvedName).length + 1);
  }
  insertAt = Math.min(insertAt, strtab.size);
  const cut = strtab.offset - rawEnd + insertAt;
  const out = new Uint8Array(trailing.length + inserted);
  out.set(trailing.subarray(0, cut));
  out.set(names, cut);
  out.set(trailing.subarray(cut), cut + inserted);
  put32(out, strtab.offset - rawEnd, strtab.size + inserted);
  // Symbols whose names lie behind the insertion move with them.
  const rel = { offset: table.offset - rawEnd, count: table.count };
  forEachSymbol(out, rel, (o) => {
    if (le32(out, o) === 0) {
      const n = le32(out, o + 4);
      if (n >= insertAt) put32(out, o + 4, n + inserted);
    }
  });
  setNames(insertAt);
  return out;
}
