/**
 * The command line's PE/COFF handler: headers, sections, directories,
 * certificates, checksum and Authenticode digest of an EFI image, the Linux
 * EFI stub or a unified kernel image.
 */
import { BootprotoError, hasErrors, hex, type Problem, type SyncByteSource } from '../core/index.js';
import {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_DLLCHARACTERISTICS,
  IMAGE_FILE_CHARACTERISTICS,
  IMAGE_FILE_MACHINE,
  IMAGE_SCN,
  IMAGE_SUBSYSTEM,
  decodeLinuxImageHeader,
  decodePeImage,
  flagNames,
  isUki,
  readPeHeadersSync,
  shortSectionName,
  summarizePeImage,
  validatePeImage,
  validateUki,
} from '../pecoff/index.js';
import { renderTree, type Lines } from './render.js';
import type { Inspection, StructHandler } from './types.js';

/** `--as pe` (and a detected PE image). */
export const peImage: StructHandler = {
  name: 'pe',
  summary: 'a PE/COFF image: EFI application or driver, Linux EFI stub, unified kernel image',
  fromBytes(bytes, offset) {
    const image = offset === 0 ? bytes : bytes.subarray(offset);
    let problems: Problem[] = validatePeImage(image);
    try {
      const summary = summarizePeImage(image);
      if (isUki(decodePeImage(image))) problems = [...problems, ...validateUki(image)];
      const { problems: _own, ...facts } = summary;
      void _own;
      const lines: Lines = [
        `${summary.format} image, machine ${summary.machine}, subsystem ${summary.subsystem}`,
        `  checksum stored ${hex(summary.checksum.stored)}, computed ${hex(summary.checksum.computed)}`,
        `  Authenticode SHA-256 ${summary.authenticodeSha256}`,
      ];
      lines.push(`sections: ${summary.sections.length}`);
      renderTree(lines, '', 'pe', facts);
      return { json: { format: 'pe', pe: facts, problems }, lines, problems };
    } catch (e) {
      if (!(e instanceof BootprotoError) || !hasErrors(problems)) throw e;
      return { json: { format: 'pe', pe: null, problems }, lines: ['pe: not decodable (see problems)'], problems, incomplete: true };
    }
  },
};

/** 0xAA55 at 0x1FE and "HdrS" at 0x202, as {@link summarizePeImage} tells an x86 bzImage. */
function detectBzImageHeader(b: Uint8Array): boolean {
  return b.length >= 0x206 && b[0x1fe] === 0x55 && b[0x1ff] === 0xaa && b[0x202] === 0x48 && b[0x203] === 0x64 && b[0x204] === 0x72 && b[0x205] === 0x53;
}

/**
 * The headers of a PE image too large to read whole (see main.ts,
 * WHOLE_FILE_LIMIT), read through `source`: the summary's header facts,
 * section table, Linux Image header and x86 bzImage flag, with the same keys
 * as {@link peImage}'s, and `headersOnly` instead of what needs the whole
 * file (checksum, Authenticode digest, certificates, relocations, debug
 * records, SBAT, `.compat`, UKI parts).
 */
export function peHeadersFromSource(source: SyncByteSource, note: string): Inspection {
  const { view } = readPeHeadersSync(source);
  const hexOr = (names: Readonly<Record<number, string>>, v: number): string => names[v] ?? `0x${v.toString(16)}`;
  const oh = (view.optionalHeader64 ?? view.optionalHeader32)?.decode();
  if (oh === undefined) throw new Error('unreachable: a PE image has an optional header');
  const fileHeader = view.fileHeader.decode();
  const at = view.locations;
  const facts = {
    format: at.pe32Plus ? 'PE32+' : 'PE32',
    machine: hexOr(IMAGE_FILE_MACHINE, fileHeader.machine),
    subsystem: IMAGE_SUBSYSTEM[oh.subsystem] ?? String(oh.subsystem),
    characteristics: flagNames(fileHeader.characteristics, IMAGE_FILE_CHARACTERISTICS),
    dllCharacteristics: flagNames(oh.dllCharacteristics, IMAGE_DLLCHARACTERISTICS),
    dosHeader: view.dosHeader.decode(),
    fileHeader,
    optionalHeader: oh,
    dataDirectories: view.dataDirectories.decodeAll().map((d, index) => ({
      index,
      name: IMAGE_DIRECTORY_ENTRY[index] as string,
      virtualAddress: d.virtualAddress,
      size: d.size,
      entryOffset: at.optionalHeaderOffset + at.optionalFixedSize + index * 8,
    })),
    sections: view.sections.decodeAll().map((s, index) => {
      const rawName = shortSectionName(s.name);
      return {
        index,
        name: rawName,
        rawName,
        virtualAddress: s.virtualAddress,
        virtualSize: s.virtualSize,
        pointerToRawData: s.pointerToRawData,
        sizeOfRawData: s.sizeOfRawData,
        characteristics: s.characteristics,
        flags: flagNames(s.characteristics, IMAGE_SCN),
      };
    }),
    // Both lie in the first bytes: the arm64/RISC-V Image header (64 bytes), the x86 setup header's magic.
    linuxImage: decodeLinuxImageHeader(view.bytes),
    x86BzImage: detectBzImageHeader(view.bytes),
    headersOnly: note,
  };
  const lines: Lines = [`${facts.format} image, machine ${facts.machine}, subsystem ${facts.subsystem}`, `  checksum stored ${hex(oh.checkSum)}; ${note}`, `sections: ${facts.sections.length}`];
  renderTree(lines, '', 'pe', facts);
  return { json: { format: 'pe', pe: facts, problems: [] }, lines, problems: [] };
}
