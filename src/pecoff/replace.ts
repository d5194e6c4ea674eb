/**
 * Replacing a section's contents, growing or shrinking it: in place when
 * its room in memory allows (the file data behind it move, as
 * `objcopy --update-section` moves them), otherwise moved to the end of the
 * image (as `objcopy --remove-section X --add-section X=… --change-section-vma`
 * would place it), refused when something in the image points into it.
 *
 * @module
 */
import { computePeChecksum } from './checksum.js';
import {
  IMAGE_DIRECTORY_ENTRY_DEBUG,
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_SCN_CNT_CODE,
  IMAGE_SCN_CNT_INITIALIZED_DATA,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA,
  IMAGE_SCN_MEM_EXECUTE,
} from './constants.js';
import { decodeBaseRelocations } from './directories.js';
import { UKI_SECTIONS } from './efi.js';
import { IMAGE_SECTION_HEADER, type ImageOptionalHeader32, type ImageOptionalHeader64 } from './headers.js';
import { dataDirectory, decodePeImage, findSection, rvaToOffset, type PeImage, type PeSection } from './image.js';
import { addSectionsInternal, encodePeHeaders, type AddSectionOptions } from './write.js';
import { alignUp, checkWritable, fail, forEachSymbol, moveDebugOffsets, optionalHeaderName, sectionTableEnd, symbolTableSpan } from './writer-util.js';

/** Options of {@link replaceSection}. */
export interface ReplaceSectionOptions extends AddSectionOptions {
  /**
   * Allow moving a section other than the payload sections
   * ({@link MOVABLE_SECTIONS}) to the end of the image. Code may address a
   * section relative to its own address, which no table of the image
   * shows: say true only when nothing does. Code sections, and sections
   * the entry point, a data directory or a base relocation points into,
   * are refused even then.
   */
  allowMove?: boolean;
}

/** Sections {@link replaceSection} moves without being told: the UKI sections, `.sbat` and `.sdmagic` (payload the stub and shim find by name). */
export const MOVABLE_SECTIONS: readonly string[] = [...UKI_SECTIONS, '.sdmagic'];

/** How {@link replaceSection} placed the new contents. */
export type ReplacePlacement = 'in-place' | 'moved-to-end';

/** The end of a section in memory, as the validator measures it. */
const memoryEnd = (s: PeSection): number => s.virtualAddress + Math.max(s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData, 1);

/** The RVA of the section that follows `s` in memory, or undefined when `s` is the highest. */
function nextVirtualAddress(im: PeImage, s: PeSection): number | undefined {
  let next: number | undefined;
  for (const t of im.sections) if (t !== s && t.virtualAddress >= s.virtualAddress && (next === undefined || t.virtualAddress < next)) next = t.virtualAddress;
  return next;
}

/**
 * Where the new contents of `name` would go: `in-place` when they fit below
 * the next section's RVA (or the section is the highest in memory), else
 * `moved-to-end`. Throws `NOT_FOUND` for an unknown name.
 */
export function replacementPlacement(bytes: Uint8Array, name: string, length: number): ReplacePlacement {
  const im = decodePeImage(bytes);
  const s = findSection(im, name);
  if (s === undefined) fail('NOT_FOUND', 'IMAGE_SECTION_HEADER', 'Name', im.sectionTableOffset, `no section named ${name}`);
  const next = nextVirtualAddress(im, s);
  return next === undefined || s.virtualAddress + Math.max(length, 1) <= next ? 'in-place' : 'moved-to-end';
}

function signedImage(im: PeImage, name: string): never {
  const cert = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  fail(
    'BAD_VALUE',
    'IMAGE_DATA_DIRECTORY',
    'VirtualAddress',
    cert?.entryOffset ?? im.optionalHeaderOffset,
    `the image is signed (a certificate table at file offset 0x${(cert?.virtualAddress ?? 0).toString(16)}): replacing ${name} moves the data after it, which the signature covers and the table's offset names; remove the signature first (sbattach --remove), replace the section, then sign the result again`,
  );
}

function sizeField(f: number): 'sizeOfCode' | 'sizeOfInitializedData' | 'sizeOfUninitializedData' | undefined {
  if (f & IMAGE_SCN_CNT_CODE) return 'sizeOfCode';
  if (f & IMAGE_SCN_CNT_UNINITIALIZED_DATA) return 'sizeOfUninitializedData';
  if (f & IMAGE_SCN_CNT_INITIALIZED_DATA) return 'sizeOfInitializedData';
  return undefined;
}

/**
 * Where `s`'s raw data are, and where the next raw data (or the bytes after
 * the last section: symbol and string tables) start. Throws `BAD_VALUE` when
 * another section's raw data overlap it.
 */
function fileSlot(im: PeImage, s: PeSection): { at: number; nextRaw: number } {
  const others = im.sections.filter((t) => t !== s && t.sizeOfRawData > 0);
  let at = s.pointerToRawData;
  if (s.sizeOfRawData === 0) {
    // No raw data yet: its data go before the raw data of the sections after it in the table.
    const after = others.filter((t) => t.index > s.index).map((t) => t.pointerToRawData);
    // Never inside the headers, whatever SizeOfHeaders claims.
    const headersEnd = Math.max(im.optionalHeader.sizeOfHeaders, sectionTableEnd(im));
    at = after.length > 0 ? Math.min(...after) : others.reduce((m, t) => Math.max(m, t.pointerToRawData + t.sizeOfRawData), headersEnd);
  } else {
    for (const t of others) {
      if (t.pointerToRawData < at + s.sizeOfRawData && t.pointerToRawData + t.sizeOfRawData > at) {
        fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'PointerToRawData', t.headerOffset + 20, `sections ${s.resolvedName} and ${t.resolvedName} overlap in the file; their data cannot be moved apart`);
      }
    }
  }
  const following = others.filter((t) => t.pointerToRawData >= at).map((t) => t.pointerToRawData);
  const nextRaw = following.length > 0 ? Math.min(...following) : Math.min(at + s.sizeOfRawData, im.bytes.length);
  return { at, nextRaw };
}

/**
 * Replaces the contents of the section named `name` (its resolved name, so
 * a long name works) and returns the new image; the input is not changed.
 *
 * - **In place** when the new length fits below the next section's RVA, or
 *   the section is the highest in memory: `VirtualAddress` stays,
 *   `VirtualSize` becomes the new length, `SizeOfRawData` the length rounded
 *   up to `FileAlignment`, and everything in the file after the section's
 *   raw data (the following sections' raw data, the COFF symbol and string
 *   tables, debug data) moves by the difference, with every file offset
 *   that names it (`PointerToRawData`, `PointerToSymbolTable`, the debug
 *   directory's entries) — what `objcopy --update-section` does. A file gap
 *   after the section is used before anything moves. `SizeOfImage` grows
 *   when the highest section grows past it.
 * - **Moved to the end** otherwise: the section's header goes to the end of
 *   the table, its data to the end of the section data, its RVA to the next
 *   `SectionAlignment` boundary after the image, and the data that followed
 *   its old place move back (as objcopy's remove-then-add would lay it out;
 *   COFF symbols keep their sections — objcopy's remove-then-add drops the
 *   symbols of the section it removed). Refused (`BAD_VALUE`) when the
 *   section holds code, the entry point, a data directory or the target of a
 *   base relocation (those point at its old RVA), and, unless
 *   `allowMove` is set, for any section but the payload ones
 *   ({@link MOVABLE_SECTIONS}): code may address a section PC-relatively.
 *
 * In place, a section that shrinks may not leave the entry point or a data
 * directory it held past its new end (`BAD_VALUE`).
 *
 * `SizeOfCode`/`SizeOfInitializedData`/`SizeOfUninitializedData` follow the
 * change of `SizeOfRawData`; the checksum is recomputed. A signed image
 * (with a certificate table) is refused (`BAD_VALUE` naming the directory
 * entry) whenever data would move: remove the signature, replace, sign
 * again; a replacement that moves nothing keeps the (now stale) table.
 * Throws `NOT_FOUND` for an unknown name, `TRUNCATED` for an image whose
 * data run past the file.
 */
export function replaceSection(bytes: Uint8Array, name: string, data: Uint8Array, options: ReplaceSectionOptions = {}): Uint8Array {
  const im = decodePeImage(bytes);
  checkWritable(im, bytes);
  const s = findSection(im, name);
  if (s === undefined) fail('NOT_FOUND', 'IMAGE_SECTION_HEADER', 'Name', im.sectionTableOffset, `no section named ${name}`);
  const next = nextVirtualAddress(im, s);
  if (next === undefined || s.virtualAddress + Math.max(data.length, 1) <= next) return replaceInPlace(im, s, data, next === undefined, options);
  return moveToEnd(im, s, data, options);
}

function replaceInPlace(im: PeImage, s: PeSection, data: Uint8Array, highest: boolean, options: ReplaceSectionOptions): Uint8Array {
  const bytes = im.bytes;
  const oh = im.optionalHeader;
  const fa = oh.fileAlignment || 512;
  const sa = oh.sectionAlignment || 4096;
  const n = data.length;
  const oldRaw = s.sizeOfRawData;
  const newRaw = n === 0 ? 0 : alignUp(n, fa);
  // What points into the section must still find bytes of it.
  const start = s.virtualAddress;
  const end = memoryEnd(s);
  const newEnd = start + n;
  const why = `${n} bytes would leave section ${s.resolvedName} ending at RVA 0x${newEnd.toString(16)}, but`;
  const ep = oh.addressOfEntryPoint;
  if (ep !== 0 && ep >= start && ep < end && ep >= newEnd) fail('BAD_VALUE', optionalHeaderName(im), 'AddressOfEntryPoint', im.optionalHeaderOffset + 16, `${why} the entry point 0x${ep.toString(16)} lies past that`);
  for (const d of im.dataDirectories) {
    if (d.index === IMAGE_DIRECTORY_ENTRY_SECURITY || d.size === 0) continue;
    if (d.virtualAddress >= start && d.virtualAddress < end && d.virtualAddress + d.size > newEnd) {
      fail('BAD_VALUE', 'IMAGE_DATA_DIRECTORY', 'Size', d.entryOffset + 4, `${why} ${d.name} (RVA 0x${d.virtualAddress.toString(16)}, 0x${d.size.toString(16)} bytes) runs past that: update the directory with the section`);
    }
  }
  const { at, nextRaw } = fileSlot(im, s);
  const room = nextRaw - at;
  let shift = 0;
  if (newRaw > room) shift = alignUp(newRaw - room, fa);
  else if (oldRaw > 0 && room === oldRaw) shift = -(Math.floor((oldRaw - newRaw) / fa) * fa);
  if (shift !== 0 && dataDirectory(im, IMAGE_DIRECTORY_ENTRY_SECURITY) !== undefined) signedImage(im, s.resolvedName);
  const out = new Uint8Array(bytes.length + shift);
  if (shift === 0) {
    out.set(bytes);
    out.fill(0, at, at + Math.max(oldRaw, newRaw));
  } else {
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(nextRaw), nextRaw + shift);
  }
  out.set(data, at);
  const moved = (o: number): number => (o >= nextRaw ? o + shift : o);
  const nextIm: PeImage = { ...im, bytes: out };
  nextIm.sections = im.sections.map((t) => {
    if (t === s) return { ...t, virtualSize: n, sizeOfRawData: newRaw, pointerToRawData: newRaw > 0 ? at : 0 };
    return {
      ...t,
      pointerToRawData: t.sizeOfRawData > 0 ? moved(t.pointerToRawData) : t.pointerToRawData,
      pointerToRelocations: t.pointerToRelocations !== 0 ? moved(t.pointerToRelocations) : 0,
      pointerToLinenumbers: t.pointerToLinenumbers !== 0 ? moved(t.pointerToLinenumbers) : 0,
    };
  });
  const fh = { ...im.fileHeader };
  if (fh.pointerToSymbolTable !== 0) fh.pointerToSymbolTable = moved(fh.pointerToSymbolTable);
  nextIm.fileHeader = fh;
  const nh = { ...oh } as ImageOptionalHeader32 | ImageOptionalHeader64;
  const field = sizeField(s.characteristics);
  if (field !== undefined) nh[field] = Math.max(0, nh[field] + newRaw - oldRaw) >>> 0;
  if (highest) nh.sizeOfImage = Math.max(nh.sizeOfImage, alignUp(s.virtualAddress + Math.max(n, newRaw), sa));
  if (nh.sizeOfImage > 0xffffffff) fail('LIMIT', optionalHeaderName(im), 'SizeOfImage', im.optionalHeaderOffset + 56, `the image would end past 4 GiB (0x${nh.sizeOfImage.toString(16)})`);
  nh.checkSum = 0;
  nextIm.optionalHeader = nh;
  encodePeHeaders(nextIm, out);
  if (shift !== 0) {
    // Debug entries name file offsets; a debug directory inside the replaced section is the caller's new data.
    const dbg = dataDirectory(im, IMAGE_DIRECTORY_ENTRY_DEBUG);
    const dbgAt = dbg === undefined ? undefined : rvaToOffset(im, dbg.virtualAddress);
    if (dbgAt === undefined || dbgAt < at || dbgAt >= nextRaw) moveDebugOffsets(im, out, moved);
  }
  if (options.updateChecksum !== false) new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(im.checksumOffset, computePeChecksum(out, im.checksumOffset), true);
  return out;
}

function moveToEnd(im: PeImage, s: PeSection, data: Uint8Array, options: ReplaceSectionOptions): Uint8Array {
  const start = s.virtualAddress;
  const end = memoryEnd(s);
  const why = `section ${s.resolvedName} must move to the end of the image (${data.length} bytes do not fit below the next section's RVA), but`;
  if (s.characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) {
    fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'Characteristics', s.headerOffset + 36, `${why} it holds code, which addresses it by its RVA`);
  }
  const ep = im.optionalHeader.addressOfEntryPoint;
  if (ep !== 0 && ep >= start && ep < end) fail('BAD_VALUE', optionalHeaderName(im), 'AddressOfEntryPoint', im.optionalHeaderOffset + 16, `${why} the entry point 0x${ep.toString(16)} lies in it`);
  for (const d of im.dataDirectories) {
    if (d.index === IMAGE_DIRECTORY_ENTRY_SECURITY || d.size === 0) continue;
    if (d.virtualAddress < end && d.virtualAddress + d.size > start) fail('BAD_VALUE', 'IMAGE_DATA_DIRECTORY', 'VirtualAddress', d.entryOffset, `${why} ${d.name} (RVA 0x${d.virtualAddress.toString(16)}) lies in it`);
  }
  for (const b of decodeBaseRelocations(im)) {
    const hit = b.entries.find((e) => e.type !== 0 && e.rva >= start && e.rva < end);
    if (hit !== undefined) fail('BAD_VALUE', 'IMAGE_BASE_RELOCATION', 'VirtualAddress', b.fileOffset, `${why} a base relocation patches RVA 0x${hit.rva.toString(16)} in it`);
  }
  if (options.allowMove !== true && !MOVABLE_SECTIONS.includes(s.resolvedName)) {
    fail('BAD_VALUE', 'IMAGE_SECTION_HEADER', 'Name', s.headerOffset, `${why} it is not one of the payload sections found by name (${MOVABLE_SECTIONS.join(' ')}): code may address it relative to its own address, which no table shows; pass { allowMove: true } if nothing does`);
  }
  if (dataDirectory(im, IMAGE_DIRECTORY_ENTRY_SECURITY) !== undefined) signedImage(im, s.resolvedName);
  const without = removeForMove(im, s);
  return addSectionsInternal(without, [{ name: s.resolvedName, nameField: s.name, data, characteristics: s.characteristics }], { updateChecksum: options.updateChecksum !== false });
}

/**
 * The image without section `s` (its header out of the table, its raw data
 * out of the file, what followed moved back), with the COFF symbols of `s`
 * renumbered to the last slot, where {@link addSectionsInternal} puts it back.
 */
function removeForMove(im: PeImage, s: PeSection): Uint8Array {
  const bytes = im.bytes;
  const fa = im.optionalHeader.fileAlignment || 512;
  const { at } = fileSlot(im, s);
  const cut = s.sizeOfRawData === 0 ? 0 : Math.floor(s.sizeOfRawData / fa) * fa;
  const table = symbolTableSpan(im);
  const out = new Uint8Array(bytes.length - cut);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + cut), at);
  const moved = (o: number): number => (o >= at + cut ? o - cut : o);
  const nextIm: PeImage = { ...im, bytes: out };
  nextIm.sections = im.sections
    .filter((t) => t !== s)
    .map((t) => ({
      ...t,
      headerOffset: t.index > s.index ? t.headerOffset - IMAGE_SECTION_HEADER.size : t.headerOffset,
      pointerToRawData: t.sizeOfRawData > 0 ? moved(t.pointerToRawData) : t.pointerToRawData,
      pointerToRelocations: t.pointerToRelocations !== 0 ? moved(t.pointerToRelocations) : 0,
      pointerToLinenumbers: t.pointerToLinenumbers !== 0 ? moved(t.pointerToLinenumbers) : 0,
    }));
  const fh = { ...im.fileHeader, numberOfSections: im.sections.length - 1 };
  if (fh.pointerToSymbolTable !== 0) fh.pointerToSymbolTable = moved(fh.pointerToSymbolTable);
  nextIm.fileHeader = fh;
  const nh = { ...im.optionalHeader } as ImageOptionalHeader32 | ImageOptionalHeader64;
  const field = sizeField(s.characteristics);
  if (field !== undefined) nh[field] = Math.max(0, nh[field] - s.sizeOfRawData) >>> 0;
  nextIm.optionalHeader = nh;
  const lastRow = im.sectionTableOffset + (im.sections.length - 1) * IMAGE_SECTION_HEADER.size;
  out.fill(0, lastRow, lastRow + IMAGE_SECTION_HEADER.size);
  encodePeHeaders(nextIm, out);
  moveDebugOffsets(im, out, moved);
  if (table !== undefined) {
    // SectionNumber is 1-based: the moved section becomes the last one.
    const k = s.index + 1;
    const last = im.sections.length;
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    forEachSymbol(out, { offset: moved(table.offset), count: table.count }, (o) => {
      const sec = dv.getInt16(o + 12, true);
      if (sec === k) dv.setInt16(o + 12, last, true);
      else if (sec > k) dv.setInt16(o + 12, sec - 1, true);
    });
  }
  return out;
}
