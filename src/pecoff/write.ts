/**
 * Writing PE images: the headers re-encoded from a decoded image, a section
 * added or replaced the way `objcopy --add-section … --change-section-vma …`
 * does it (file and section alignment, `SizeOfImage`, room in
 * `SizeOfHeaders`, checksum), and a unified kernel image assembled from a
 * stub, a kernel, an initrd, a command line and an os-release.
 *
 * @module
 */
import { BootprotoError, encodeLayout, type ErrorCode } from '../core/index.js';
import { computePeChecksum } from './checksum.js';
import {
  IMAGE_DIRECTORY_ENTRY_DEBUG,
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_SCN_CNT_CODE,
  IMAGE_SCN_CNT_INITIALIZED_DATA,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA,
  IMAGE_SCN_MEM_READ,
} from './constants.js';
import {
  IMAGE_DATA_DIRECTORY,
  IMAGE_DEBUG_DIRECTORY,
  IMAGE_DOS_HEADER,
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_SECTION_HEADER,
  type ImageOptionalHeader32,
  type ImageOptionalHeader64,
  type ImageSectionHeader,
} from './headers.js';
import { decodePeImage, findSection, rvaToOffset, type PeImage } from './image.js';
import { UKI_SECTIONS, formatSbat, utf8Bytes, type SbatRecord } from './efi.js';

function fail(code: ErrorCode, structure: string, field: string | undefined, offset: number, reason: string): never {
  throw new BootprotoError(field === undefined ? { code, format: 'pecoff', structure, offset, reason } : { code, format: 'pecoff', structure, field, offset, reason });
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

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
  /** Its name: at most 8 bytes of UTF-8 (long names would need a COFF string table). */
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

function nameBytes(name: string): Uint8Array {
  const b = utf8Bytes(name);
  if (b.length === 0 || b.length > 8) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'Name', 0, `section name "${name}" must be 1 to 8 bytes`);
  const out = new Uint8Array(8);
  out.set(b);
  return out;
}

/**
 * Refuses an image a writer cannot lay out within bounds: a `FileAlignment`
 * that is not a power of two up to 64 KiB (the writers pad by it), or headers
 * or section raw data that run past the end of the file (the writers copy them).
 */
function checkWritable(im: PeImage, bytes: Uint8Array): void {
  const fa = im.optionalHeader.fileAlignment;
  if (fa !== 0 && (fa > 0x10000 || (fa & (fa - 1)) !== 0)) {
    fail('BAD_VALUE', im.optionalHeader.magic === 0x20b ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32', 'FileAlignment', im.peOffset + 24 + 36, `FileAlignment 0x${fa.toString(16)} is not a power of two up to 0x10000`);
  }
  if (im.optionalHeader.sizeOfHeaders > bytes.length) {
    fail('TRUNCATED', 'IMAGE_OPTIONAL_HEADER', 'SizeOfHeaders', im.peOffset + 24 + 60, `SizeOfHeaders 0x${im.optionalHeader.sizeOfHeaders.toString(16)} runs past the file's ${bytes.length} bytes`);
  }
  for (const s of im.sections) {
    if (s.sizeOfRawData > 0 && s.pointerToRawData + s.sizeOfRawData > bytes.length) {
      fail('TRUNCATED', 'IMAGE_SECTION_HEADER', 'SizeOfRawData', s.headerOffset + 16, `section ${s.index}'s raw data (0x${s.pointerToRawData.toString(16)} + 0x${s.sizeOfRawData.toString(16)}) runs past the file's ${bytes.length} bytes`);
    }
  }
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
 * Throws `BAD_VALUE` (a name longer than 8 bytes, an RVA that overlaps
 * another section or is not aligned) or `LIMIT` (no room for the section
 * headers below the first section's RVA).
 */
export function addSections(bytes: Uint8Array, sections: readonly NewSection[], options: AddSectionOptions = {}): Uint8Array {
  const im = decodePeImage(bytes);
  checkWritable(im, bytes);
  const oh = im.optionalHeader;
  const fa = oh.fileAlignment || 512;
  const sa = oh.sectionAlignment || 4096;
  const cert = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  const certStart = cert !== undefined && cert.size > 0 ? cert.virtualAddress : bytes.length;
  // What the file holds: headers, section raw data, then "trailing" bytes
  // (COFF symbol and string tables, anything else) up to the certificate table.
  let rawEnd = oh.sizeOfHeaders;
  for (const s of im.sections) if (s.sizeOfRawData > 0) rawEnd = Math.max(rawEnd, s.pointerToRawData + s.sizeOfRawData);
  rawEnd = Math.min(rawEnd, bytes.length);
  const trailing = bytes.subarray(rawEnd, Math.max(rawEnd, Math.min(certStart, bytes.length)));
  // Room for the new headers.
  const tableEnd = im.sectionTableOffset + (im.sections.length + sections.length) * IMAGE_SECTION_HEADER.size;
  const firstRva = im.sections.reduce((m, s) => Math.min(m, s.virtualAddress), Number.MAX_SAFE_INTEGER);
  const firstRaw = im.sections.reduce((m, s) => (s.sizeOfRawData > 0 ? Math.min(m, s.pointerToRawData) : m), oh.sizeOfHeaders);
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
  const placed: { h: ImageSectionHeader; data: Uint8Array }[] = [];
  const taken = im.sections.map((s) => ({ start: s.virtualAddress, end: s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData) }));
  for (const n of sections) {
    const va = n.virtualAddress ?? alignUp(vaEnd, sa);
    const size = n.data.length;
    const vend = va + Math.max(size, 1);
    if (taken.some((t) => va < t.end && vend > t.start)) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'VirtualAddress', 0, `section ${n.name} at RVA 0x${va.toString(16)} overlaps another section`);
    if (va < sizeOfHeaders) fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'VirtualAddress', 0, `section ${n.name} at RVA 0x${va.toString(16)} lies inside the headers`);
    taken.push({ start: va, end: vend });
    placed.push({
      h: {
        name: nameBytes(n.name),
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
  const fh = { ...im.fileHeader, numberOfSections: next.sections.length };
  if (fh.pointerToSymbolTable !== 0 && fh.pointerToSymbolTable >= rawEnd) fh.pointerToSymbolTable = fh.pointerToSymbolTable - rawEnd + trailingAt;
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
  out.fill(0, im.sectionTableOffset + im.sections.length * IMAGE_SECTION_HEADER.size, Math.min(sizeOfHeaders, im.sectionTableOffset + next.sections.length * IMAGE_SECTION_HEADER.size));
  encodePeHeaders(next, out);
  // Debug directory entries hold file offsets (PointerToRawData): move them with the data.
  const movedOffset = (o: number): number => (o >= rawEnd ? o - rawEnd + trailingAt : o >= firstRaw ? o + shift : o);
  if (shift > 0 || trailingAt !== rawEnd) {
    const debugDir = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_DEBUG];
    if (debugDir !== undefined && debugDir.size > 0) {
      const at = rvaToOffset(im, debugDir.virtualAddress);
      // Only a directory inside section data: one that claims to lie in the headers would patch them.
      if (at !== undefined && at >= oh.sizeOfHeaders && at + debugDir.size <= bytes.length) {
        const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let e = 0; e + IMAGE_DEBUG_DIRECTORY.size <= debugDir.size; e += IMAGE_DEBUG_DIRECTORY.size) {
          const field = movedOffset(at + e) + 24;
          if (field + 4 > out.length) break;
          const p = dv.getUint32(field, true);
          if (p !== 0) dv.setUint32(field, movedOffset(p), true);
        }
      }
    }
  }
  if (options.updateChecksum !== false) new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(im.checksumOffset, computePeChecksum(out, im.checksumOffset), true);
  return out;
}

/**
 * Replaces the contents of the section named `name` in place and returns the
 * new image: the new data must fit the section's current file space
 * (`SizeOfRawData`) and its memory span (up to the next section's RVA).
 * `VirtualSize` becomes the new length, the rest of the raw data is zeroed,
 * and the checksum is updated. Throws `NOT_FOUND` or `LIMIT`. To grow a
 * section past its room, build the image again with {@link addSections}.
 */
export function replaceSection(bytes: Uint8Array, name: string, data: Uint8Array, options: AddSectionOptions = {}): Uint8Array {
  const im = decodePeImage(bytes);
  checkWritable(im, bytes);
  const s = findSection(im, name);
  if (s === undefined) fail('NOT_FOUND', 'IMAGE_SECTION_HEADER', 'Name', im.sectionTableOffset, `no section named ${name}`);
  const nextVa = im.sections.reduce((m, t) => (t.virtualAddress > s.virtualAddress ? Math.min(m, t.virtualAddress) : m), Number.MAX_SAFE_INTEGER);
  const vroom = Math.min(nextVa, im.optionalHeader.sizeOfImage) - s.virtualAddress;
  if (data.length > s.sizeOfRawData || data.length > vroom) fail('LIMIT', 'IMAGE_SECTION_HEADER', 'SizeOfRawData', s.headerOffset + 16, `${data.length} bytes do not fit section ${name} (${s.sizeOfRawData} bytes in the file, ${vroom} in memory)`);
  const out = bytes.slice();
  out.fill(0, s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData);
  out.set(data, s.pointerToRawData);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(s.headerOffset + 8, data.length, true);
  if (options.updateChecksum !== false) updatePeChecksum(out);
  return out;
}

/** What a unified kernel image is made of (see {@link buildUki}). */
export interface UkiParts {
  /** The systemd stub (`linuxx64.efi.stub`). */
  stub: Uint8Array;
  /** The kernel (`vmlinuz`, itself a PE image). */
  linux: Uint8Array;
  /** The initrd. */
  initrd?: Uint8Array;
  /** A microcode initrd. */
  ucode?: Uint8Array;
  /** The kernel command line. */
  cmdline?: string;
  /** os-release text. */
  osrel?: string;
  /** `uname -r` of the kernel. */
  uname?: string;
  /** A devicetree blob. */
  dtb?: Uint8Array;
  /** A BMP boot splash. */
  splash?: Uint8Array;
  /** SBAT records to add as `.sbat`, for a stub without one (systemd's stubs carry their own; `BAD_VALUE` then). */
  sbat?: readonly SbatRecord[];
  /** PEM text of the PCR public key. */
  pcrpkey?: string;
  /** The PCR signature JSON text. */
  pcrsig?: string;
  /** Extra sections, placed before `.linux`. */
  extra?: readonly NewSection[];
}

/**
 * Builds a unified kernel image: the stub with one section per part, in
 * the UKI specification's order, each at the next `SectionAlignment`
 * boundary after the stub's image, and `.linux` last (at the highest
 * address, as ukify places it). The result decodes again, objdump reads it,
 * and its checksum is correct; it is not signed.
 */
export function buildUki(parts: UkiParts): Uint8Array {
  if (parts.sbat !== undefined && findSection(decodePeImage(parts.stub), '.sbat') !== undefined) {
    fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'Name', 0, 'the stub already has a .sbat section; a second one would be ignored by shim (merge the records into the stub first)');
  }
  const text = (s: string | undefined): Uint8Array | undefined => (s === undefined ? undefined : utf8Bytes(s));
  const byName: Record<string, Uint8Array | undefined> = {
    '.osrel': text(parts.osrel),
    '.cmdline': text(parts.cmdline),
    '.dtb': parts.dtb,
    '.uname': text(parts.uname),
    '.splash': parts.splash,
    '.sbat': parts.sbat === undefined ? undefined : utf8Bytes(formatSbat(parts.sbat)),
    '.pcrpkey': text(parts.pcrpkey),
    '.pcrsig': text(parts.pcrsig),
    '.initrd': parts.initrd,
    '.ucode': parts.ucode,
  };
  const list: NewSection[] = [];
  for (const name of UKI_SECTIONS) {
    const data = byName[name];
    if (data !== undefined) list.push({ name, data });
  }
  for (const e of parts.extra ?? []) list.push(e);
  list.push({ name: '.linux', data: parts.linux });
  return addSections(parts.stub, list);
}
