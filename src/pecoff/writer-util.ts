/**
 * Pieces the PE writers share (not exported from the module): errors,
 * alignment, the checks that an image can be laid out again, and the
 * fix-ups of file offsets that live inside the image (debug entries, COFF
 * symbol section numbers) when data move.
 *
 * @module
 */
import { BootprotoError, type ErrorCode } from '../core/index.js';
import { IMAGE_DIRECTORY_ENTRY_DEBUG, IMAGE_SIZEOF_SYMBOL } from './constants.js';
import { IMAGE_DEBUG_DIRECTORY, IMAGE_SECTION_HEADER } from './headers.js';
import type { PeImage } from './image.js';

/** Throws the module's {@link BootprotoError}. */
export function fail(code: ErrorCode, structure: string, field: string | undefined, offset: number, reason: string): never {
  throw new BootprotoError(field === undefined ? { code, format: 'pecoff', structure, offset, reason } : { code, format: 'pecoff', structure, field, offset, reason });
}

/** `x` rounded up to a multiple of `a`. */
export const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** The name of the optional header's layout for this image. */
export const optionalHeaderName = (im: Pick<PeImage, 'pe32Plus'>): string => (im.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32');

/** Where the section table ends: the headers reach at least this far, whatever `SizeOfHeaders` claims. */
export const sectionTableEnd = (im: Pick<PeImage, 'sectionTableOffset' | 'sections'>): number => im.sectionTableOffset + im.sections.length * IMAGE_SECTION_HEADER.size;

/**
 * Refuses an image a writer cannot lay out within bounds: a `FileAlignment`
 * that is not a power of two up to 64 KiB (the writers pad by it), or headers
 * or section raw data that run past the end of the file (the writers copy them).
 */
export function checkWritable(im: PeImage, bytes: Uint8Array): void {
  const fa = im.optionalHeader.fileAlignment;
  if (fa !== 0 && (fa > 0x10000 || (fa & (fa - 1)) !== 0)) {
    fail('BAD_VALUE', optionalHeaderName(im), 'FileAlignment', im.optionalHeaderOffset + 36, `FileAlignment 0x${fa.toString(16)} is not a power of two up to 0x10000`);
  }
  if (im.optionalHeader.sizeOfHeaders > bytes.length) {
    fail('TRUNCATED', optionalHeaderName(im), 'SizeOfHeaders', im.optionalHeaderOffset + 60, `SizeOfHeaders 0x${im.optionalHeader.sizeOfHeaders.toString(16)} runs past the file's ${bytes.length} bytes`);
  }
  const tableEnd = sectionTableEnd(im);
  for (const s of im.sections) {
    if (s.sizeOfRawData > 0 && s.pointerToRawData < tableEnd) {
      fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'PointerToRawData', s.headerOffset + 20, `section ${s.index}'s raw data (0x${s.pointerToRawData.toString(16)} + 0x${s.sizeOfRawData.toString(16)}) starts inside the headers, which end at 0x${tableEnd.toString(16)}: writing it would overwrite them`);
    }
    if (s.sizeOfRawData > 0 && s.pointerToRawData + s.sizeOfRawData > bytes.length) {
      fail('TRUNCATED', 'IMAGE_SECTION_HEADER', 'SizeOfRawData', s.headerOffset + 16, `section ${s.index}'s raw data (0x${s.pointerToRawData.toString(16)} + 0x${s.sizeOfRawData.toString(16)}) runs past the file's ${bytes.length} bytes`);
    }
  }
  // The writers move section data and the COFF tables separately: tables
  // that share bytes with a section's raw data would be overwritten.
  const p = im.fileHeader.pointerToSymbolTable;
  if (p !== 0) {
    const end = im.stringTable !== undefined ? im.stringTable.offset + im.stringTable.size : p + im.fileHeader.numberOfSymbols * IMAGE_SIZEOF_SYMBOL;
    for (const s of im.sections) {
      if (s.sizeOfRawData > 0 && s.pointerToRawData < end && s.pointerToRawData + s.sizeOfRawData > p) {
        fail('BAD_VALUE', 'IMAGE_FILE_HEADER', 'PointerToSymbolTable', im.fileHeaderOffset + 8, `the COFF symbol and string tables (0x${p.toString(16)}–0x${end.toString(16)}) overlap section ${s.index}'s raw data (0x${s.pointerToRawData.toString(16)} + 0x${s.sizeOfRawData.toString(16)}): writing would overwrite one with the other`);
      }
    }
  }
}

/**
 * Debug directory entries hold file offsets (`PointerToRawData`): after the
 * file's data moved, rewrites each through `moved` (old offset → new). Only
 * a directory inside section data is touched (one that claims to lie in the
 * headers would patch them), and only the entries inside the raw data of the
 * section that holds the directory's first byte: what a `Size` claims past
 * that is not the directory as a loader maps it, and may be another
 * section's data (the caller's new data, when a section grew in place).
 */
export function moveDebugOffsets(im: PeImage, out: Uint8Array, moved: (oldOffset: number) => number): void {
  const debugDir = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_DEBUG];
  if (debugDir === undefined || debugDir.size === 0) return;
  // The section whose raw data holds the directory's RVA (as rvaToOffset finds it).
  const rva = debugDir.virtualAddress;
  const home = im.sections.find((s) => rva >= s.virtualAddress && rva - s.virtualAddress < s.sizeOfRawData);
  if (home === undefined) return;
  const into = rva - home.virtualAddress;
  const at = home.pointerToRawData + into;
  if (at < im.optionalHeader.sizeOfHeaders || at + debugDir.size > im.bytes.length) return;
  const size = Math.min(debugDir.size, home.sizeOfRawData - into);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let e = 0; e + IMAGE_DEBUG_DIRECTORY.size <= size; e += IMAGE_DEBUG_DIRECTORY.size) {
    const field = moved(at + e) + 24;
    if (field < 0 || field + 4 > out.length) break;
    const p = dv.getUint32(field, true);
    if (p !== 0) dv.setUint32(field, moved(p), true);
  }
}

/** Where the COFF symbol table is, when the image has one that fits the file. */
export interface SymbolTableSpan {
  /** File offset of the first record. */
  offset: number;
  /** `NumberOfSymbols`. */
  count: number;
}

/**
 * The COFF symbol table of an image (undefined when `PointerToSymbolTable`
 * is 0). Throws `TRUNCATED` when the records run past the file.
 */
export function symbolTableSpan(im: PeImage): SymbolTableSpan | undefined {
  const { pointerToSymbolTable: p, numberOfSymbols: n } = im.fileHeader;
  if (p === 0) return undefined;
  if (p > im.bytes.length || (im.bytes.length - p) / IMAGE_SIZEOF_SYMBOL < n) {
    fail('TRUNCATED', 'IMAGE_FILE_HEADER', 'NumberOfSymbols', im.fileHeaderOffset + 12, `${n} COFF symbols at 0x${p.toString(16)} run past the file's ${im.bytes.length} bytes`);
  }
  return { offset: p, count: n };
}

/**
 * Walks the COFF symbol records (aux records skipped) of a table at `offset`
 * in `bytes` and calls `visit` with each record's file offset. Offsets of the
 * record's fields (PE Format, "COFF Symbol Table"): `Name` 0 (8 bytes;
 * zeros then a string-table offset at 4 for a long name), `Value` 8,
 * `SectionNumber` 12 (signed 16-bit, 1-based), `Type` 14, `StorageClass` 16,
 * `NumberOfAuxSymbols` 17.
 */
export function forEachSymbol(bytes: Uint8Array, table: SymbolTableSpan, visit: (recordOffset: number) => void): void {
  for (let i = 0; i < table.count; ) {
    const o = table.offset + i * IMAGE_SIZEOF_SYMBOL;
    if (o + IMAGE_SIZEOF_SYMBOL > bytes.length) return;
    visit(o);
    i += 1 + (bytes[o + 17] as number);
  }
}
