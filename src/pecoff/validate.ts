/**
 * Validation of a PE/COFF image: every problem, as {@link Problem}s,
 * never an exception. The rules and their codes are listed in
 * `docs/pecoff.md`; in short:
 *
 * - decoder failures (`BAD_MAGIC`, `TRUNCATED`, `UNSUPPORTED_VERSION`, …), as errors;
 * - `PE_HEADER_MISALIGNED` (warning): `e_lfanew` not a multiple of 8;
 * - `UNKNOWN_MACHINE`, `NOT_EXECUTABLE`, `TOO_MANY_SECTIONS`, `NO_SECTIONS` (warnings);
 * - `NUMBER_OF_RVA_AND_SIZES`: more than 16 (warning), or more than `SizeOfOptionalHeader` holds (error);
 * - `BAD_ALIGNMENT` (error): `FileAlignment` or `SectionAlignment` not a power of 2, or
 *   `SectionAlignment` < `FileAlignment`; (warning) a section's `VirtualAddress` not a multiple of
 *   `SectionAlignment`; (warning) `FileAlignment` outside 512–64 KiB, a section's
 *   `PointerToRawData`/`SizeOfRawData` not a multiple of `FileAlignment`, `SizeOfHeaders`
 *   not a multiple of `FileAlignment`;
 * - `SIZE_OF_IMAGE` (error): smaller than the end of the last section in memory;
 *   (warning) not a multiple of `SectionAlignment`;
 * - `HEADERS_OVERLAP` (error): `SizeOfHeaders` ends before the section table does, or a
 *   section's raw data or RVA starts inside the headers;
 * - `SECTION_PAST_END` (error): raw data past the end of the file;
 * - `SECTION_OVERLAP` (error): two sections overlap in memory or in the file;
 * - `SECTION_ORDER` (warning): RVAs not ascending;
 * - `BAD_SECTION_NAME` (error): a `/N` name the COFF string table does not resolve;
 * - `WRITE_EXECUTE` (warning): a section both writable and executable;
 * - `ENTRY_OUTSIDE_SECTIONS` (error): `AddressOfEntryPoint` in no executable-or-not section;
 *   `NO_ENTRY_POINT` (warning) when it is 0;
 * - `DIRECTORY_OUTSIDE_IMAGE` (error): a directory past `SizeOfImage`;
 * - relocation, certificate and debug walk failures, as errors with their codes, plus
 *   `CERTIFICATE_ALIGNMENT` (error: the table does not start on 8 bytes),
 *   `CERTIFICATE_NOT_AT_END` (warning), `UNKNOWN_CERTIFICATE` (warning);
 * - `CHECKSUM_ZERO` / `CHECKSUM_MISMATCH` (warnings; signers recompute it);
 * - `RESERVED_NONZERO` (warning): `Win32VersionValue` or `LoaderFlags` not 0.
 *
 * @module
 */
import { BootprotoError, problemFromError, type Problem, ProblemCollector } from '../core/index.js';
import { peChecksum } from './checksum.js';
import {
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_FILE_EXECUTABLE_IMAGE,
  IMAGE_FILE_MACHINE,
  IMAGE_NUMBEROF_DIRECTORY_ENTRIES,
  IMAGE_SCN_CNT_UNINITIALIZED_DATA,
  IMAGE_SCN_MEM_EXECUTE,
  IMAGE_SCN_MEM_WRITE,
  WIN_CERT_REVISION,
  WIN_CERT_TYPE,
  WINDOWS_MAX_SECTIONS,
} from './constants.js';
import { decodeBaseRelocations, decodeCertificates, decodeDebugDirectory } from './directories.js';
import { IMAGE_SECTION_HEADER } from './headers.js';
import { UKI_SECTIONS } from './efi.js';
import { decodePeImage, detectPeImage, sectionContents, type PeImage } from './image.js';

/** This module's problems. */
class Collector extends ProblemCollector {
  constructor() {
    super('pecoff');
  }
  /** Runs a check; a {@link BootprotoError} becomes a problem. */
  guard(run: () => void): void {
    this.attempt(run);
  }
}

const isPow2 = (x: number): boolean => x > 0 && (x & (x - 1)) === 0;

/** What {@link validatePeImage} checks beyond the headers. */
export interface ValidateOptions {
  /** Check the CheckSum field (default true). */
  checksum?: boolean;
}

/** Validates the image in `bytes` (or an already decoded image). Never throws on bad input. */
export function validatePeImage(input: Uint8Array | PeImage, options: ValidateOptions = {}): Problem[] {
  const c = new Collector();
  let image: PeImage;
  if (input instanceof Uint8Array) {
    try {
      image = decodePeImage(input);
    } catch (e) {
      if (e instanceof BootprotoError) return [problemFromError(e)];
      throw e;
    }
  } else image = input;
  checkHeaders(c, image);
  checkSections(c, image);
  checkDirectories(c, image);
  if (options.checksum !== false) checkChecksum(c, image);
  return c.problems;
}

function checkHeaders(c: Collector, im: PeImage): void {
  const fh = im.fileHeader;
  const oh = im.optionalHeader;
  const fho = im.fileHeaderOffset;
  const oho = im.optionalHeaderOffset;
  const ohName = im.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32';
  if (im.peOffset % 8 !== 0) c.add('warning', 'PE_HEADER_MISALIGNED', 'IMAGE_DOS_HEADER', 'e_lfanew', 60, `e_lfanew ${im.peOffset} is not a multiple of 8`);
  if (IMAGE_FILE_MACHINE[fh.machine] === undefined) c.add('warning', 'UNKNOWN_MACHINE', 'IMAGE_FILE_HEADER', 'Machine', fho, `machine 0x${fh.machine.toString(16)} is not in the specification`);
  if ((fh.characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) === 0) c.add('warning', 'NOT_EXECUTABLE', 'IMAGE_FILE_HEADER', 'Characteristics', fho + 18, 'IMAGE_FILE_EXECUTABLE_IMAGE is not set');
  if (fh.numberOfSections === 0) c.add('warning', 'NO_SECTIONS', 'IMAGE_FILE_HEADER', 'NumberOfSections', fho + 2, 'the image has no sections');
  if (fh.numberOfSections > WINDOWS_MAX_SECTIONS) c.add('warning', 'TOO_MANY_SECTIONS', 'IMAGE_FILE_HEADER', 'NumberOfSections', fho + 2, `${fh.numberOfSections} sections; the Windows loader takes at most ${WINDOWS_MAX_SECTIONS}`);
  const fixed = im.pe32Plus ? 112 : 96;
  const n = oh.numberOfRvaAndSizes;
  const room = Math.floor((fh.sizeOfOptionalHeader - fixed) / 8);
  if (n > room) c.add('error', 'NUMBER_OF_RVA_AND_SIZES', ohName, 'NumberOfRvaAndSizes', oho + fixed - 4, `${n} directories do not fit the ${fh.sizeOfOptionalHeader}-byte optional header (room for ${room})`);
  else if (n > IMAGE_NUMBEROF_DIRECTORY_ENTRIES) c.add('warning', 'NUMBER_OF_RVA_AND_SIZES', ohName, 'NumberOfRvaAndSizes', oho + fixed - 4, `${n} directories; only the first 16 are defined`);
  const fa = oh.fileAlignment;
  const sa = oh.sectionAlignment;
  if (!isPow2(fa)) c.add('error', 'BAD_ALIGNMENT', ohName, 'FileAlignment', oho + 36, `FileAlignment ${fa} is not a power of 2`);
  else if (fa < 512 || fa > 65536) c.add('warning', 'BAD_ALIGNMENT', ohName, 'FileAlignment', oho + 36, `FileAlignment ${fa} is outside 512–65536`);
  if (!isPow2(sa)) c.add('error', 'BAD_ALIGNMENT', ohName, 'SectionAlignment', oho + 32, `SectionAlignment ${sa} is not a power of 2`);
  else if (sa < fa) c.add('error', 'BAD_ALIGNMENT', ohName, 'SectionAlignment', oho + 32, `SectionAlignment ${sa} is smaller than FileAlignment ${fa}`);
  if (isPow2(sa) && oh.sizeOfImage % sa !== 0) c.add('warning', 'SIZE_OF_IMAGE', ohName, 'SizeOfImage', oho + 56, `SizeOfImage 0x${oh.sizeOfImage.toString(16)} is not a multiple of SectionAlignment 0x${sa.toString(16)}`);
  const tableEnd = im.sectionTableOffset + fh.numberOfSections * IMAGE_SECTION_HEADER.size;
  if (oh.sizeOfHeaders < tableEnd) c.add('error', 'HEADERS_OVERLAP', ohName, 'SizeOfHeaders', oho + 60, `SizeOfHeaders 0x${oh.sizeOfHeaders.toString(16)} ends before the section table does (0x${tableEnd.toString(16)})`);
  if (oh.sizeOfHeaders > im.bytes.length) c.add('error', 'TRUNCATED', ohName, 'SizeOfHeaders', oho + 60, `SizeOfHeaders 0x${oh.sizeOfHeaders.toString(16)} is past the end of the file`);
  if (isPow2(fa) && oh.sizeOfHeaders % fa !== 0) c.add('warning', 'BAD_ALIGNMENT', ohName, 'SizeOfHeaders', oho + 60, `SizeOfHeaders 0x${oh.sizeOfHeaders.toString(16)} is not a multiple of FileAlignment`);
  if (oh.win32VersionValue !== 0) c.add('warning', 'RESERVED_NONZERO', ohName, 'Win32VersionValue', oho + 52, 'reserved, must be 0');
  if (oh.loaderFlags !== 0) c.add('warning', 'RESERVED_NONZERO', ohName, 'LoaderFlags', oho + fixed - 8, 'reserved, must be 0');
}

function checkSections(c: Collector, im: PeImage): void {
  const oh = im.optionalHeader;
  const fa = oh.fileAlignment;
  const sa = oh.sectionAlignment;
  const S = 'IMAGE_SECTION_HEADER';
  let imageEnd = 0;
  let prevVa = -1;
  for (const s of im.sections) {
    const at = s.headerOffset;
    const label = `section ${s.index} (${s.resolvedName})`;
    if (s.longNameOffset !== undefined && s.resolvedName === s.rawName) c.add('error', 'BAD_SECTION_NAME', S, 'Name', at, `${label}: ${s.rawName} does not resolve in the COFF string table`);
    const bss = (s.characteristics & IMAGE_SCN_CNT_UNINITIALIZED_DATA) !== 0 && s.sizeOfRawData === 0;
    if (s.sizeOfRawData > 0) {
      if (s.pointerToRawData + s.sizeOfRawData > im.bytes.length) c.add('error', 'SECTION_PAST_END', S, 'SizeOfRawData', at + 16, `${label}: raw data 0x${s.pointerToRawData.toString(16)}+0x${s.sizeOfRawData.toString(16)} runs past the end of the file (0x${im.bytes.length.toString(16)})`);
      if (isPow2(fa) && s.pointerToRawData % fa !== 0) c.add('warning', 'BAD_ALIGNMENT', S, 'PointerToRawData', at + 20, `${label}: PointerToRawData 0x${s.pointerToRawData.toString(16)} is not a multiple of FileAlignment`);
      if (isPow2(fa) && s.sizeOfRawData % fa !== 0) c.add('warning', 'BAD_ALIGNMENT', S, 'SizeOfRawData', at + 16, `${label}: SizeOfRawData 0x${s.sizeOfRawData.toString(16)} is not a multiple of FileAlignment`);
      if (s.pointerToRawData < oh.sizeOfHeaders) c.add('error', 'HEADERS_OVERLAP', S, 'PointerToRawData', at + 20, `${label}: raw data starts inside the headers`);
    }
    if (isPow2(sa) && s.virtualAddress % sa !== 0) c.add('warning', 'BAD_ALIGNMENT', S, 'VirtualAddress', at + 12, `${label}: VirtualAddress 0x${s.virtualAddress.toString(16)} is not a multiple of SectionAlignment 0x${sa.toString(16)}`);
    if (s.virtualAddress < oh.sizeOfHeaders) c.add('error', 'HEADERS_OVERLAP', S, 'VirtualAddress', at + 12, `${label}: VirtualAddress 0x${s.virtualAddress.toString(16)} is inside the headers`);
    if (s.virtualAddress < prevVa) c.add('warning', 'SECTION_ORDER', S, 'VirtualAddress', at + 12, `${label}: RVAs are not ascending`);
    prevVa = s.virtualAddress;
    if ((s.characteristics & IMAGE_SCN_MEM_WRITE) !== 0 && (s.characteristics & IMAGE_SCN_MEM_EXECUTE) !== 0) c.add('warning', 'WRITE_EXECUTE', S, 'Characteristics', at + 36, `${label} is both writable and executable`);
    // The end in memory, unaligned: rounding SizeOfImage up to SectionAlignment is a separate
    // (warning) rule, which gnu-efi's hand-written aarch64 headers break (SizeOfImage = _edata).
    imageEnd = Math.max(imageEnd, s.virtualAddress + (s.virtualSize !== 0 ? s.virtualSize : bss ? 0 : s.sizeOfRawData));
  }
  if (oh.sizeOfImage < imageEnd) c.add('error', 'SIZE_OF_IMAGE', im.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32', 'SizeOfImage', im.optionalHeaderOffset + 56, `SizeOfImage 0x${oh.sizeOfImage.toString(16)} is smaller than the end of the last section (0x${imageEnd.toString(16)})`);
  // Overlaps, in memory and in the file (sorted sweeps: n log n, no n² on hostile tables).
  const mem = im.sections.map((s) => ({ s, start: s.virtualAddress, end: s.virtualAddress + Math.max(s.virtualSize !== 0 ? s.virtualSize : s.sizeOfRawData, 1) })).sort((a, b) => a.start - b.start);
  for (let i = 1; i < mem.length; i++) {
    const a = mem[i - 1];
    const b = mem[i];
    if (a !== undefined && b !== undefined && b.start < a.end) c.add('error', 'SECTION_OVERLAP', S, 'VirtualAddress', b.s.headerOffset + 12, `sections ${a.s.resolvedName} and ${b.s.resolvedName} overlap in memory`);
  }
  const file = im.sections.filter((s) => s.sizeOfRawData > 0).map((s) => ({ s, start: s.pointerToRawData, end: s.pointerToRawData + s.sizeOfRawData })).sort((a, b) => a.start - b.start);
  for (let i = 1; i < file.length; i++) {
    const a = file[i - 1];
    const b = file[i];
    if (a !== undefined && b !== undefined && b.start < a.end) c.add('error', 'SECTION_OVERLAP', S, 'PointerToRawData', b.s.headerOffset + 20, `sections ${a.s.resolvedName} and ${b.s.resolvedName} overlap in the file`);
  }
  const ep = oh.addressOfEntryPoint;
  const ohName = im.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32';
  if (ep === 0) c.add('warning', 'NO_ENTRY_POINT', ohName, 'AddressOfEntryPoint', im.optionalHeaderOffset + 16, 'AddressOfEntryPoint is 0');
  else if (!im.sections.some((s) => ep >= s.virtualAddress && ep < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData))) {
    c.add('error', 'ENTRY_OUTSIDE_SECTIONS', ohName, 'AddressOfEntryPoint', im.optionalHeaderOffset + 16, `entry point 0x${ep.toString(16)} is in no section`);
  }
}

function checkDirectories(c: Collector, im: PeImage): void {
  const size = im.optionalHeader.sizeOfImage;
  for (const d of im.dataDirectories) {
    if (d.index === IMAGE_DIRECTORY_ENTRY_SECURITY || (d.virtualAddress === 0 && d.size === 0)) continue;
    if (d.virtualAddress + d.size > size) c.add('error', 'DIRECTORY_OUTSIDE_IMAGE', 'IMAGE_DATA_DIRECTORY', 'VirtualAddress', d.entryOffset, `${d.name} (0x${d.virtualAddress.toString(16)}+0x${d.size.toString(16)}) ends past SizeOfImage 0x${size.toString(16)}`);
  }
  c.guard(() => void decodeBaseRelocations(im));
  c.guard(() => void decodeDebugDirectory(im));
  const cert = im.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  if (cert !== undefined && cert.size !== 0) {
    if (cert.virtualAddress % 8 !== 0) c.add('error', 'CERTIFICATE_ALIGNMENT', 'WIN_CERTIFICATE', 'VirtualAddress', cert.entryOffset, `the certificate table starts at 0x${cert.virtualAddress.toString(16)}, not on 8 bytes`);
    if (cert.virtualAddress + cert.size !== im.bytes.length) c.add('warning', 'CERTIFICATE_NOT_AT_END', 'WIN_CERTIFICATE', 'Size', cert.entryOffset, 'the certificate table does not end the file');
    c.guard(() => {
      for (const w of decodeCertificates(im)) {
        if (WIN_CERT_REVISION[w.wRevision] === undefined || WIN_CERT_TYPE[w.wCertificateType] === undefined) {
          c.add('warning', 'UNKNOWN_CERTIFICATE', 'WIN_CERTIFICATE', 'wCertificateType', w.fileOffset + 4, `revision 0x${w.wRevision.toString(16)}, type 0x${w.wCertificateType.toString(16)}`);
        }
      }
    });
  }
}

function checkChecksum(c: Collector, im: PeImage): void {
  const stored = im.optionalHeader.checkSum;
  const ohName = im.pe32Plus ? 'IMAGE_OPTIONAL_HEADER64' : 'IMAGE_OPTIONAL_HEADER32';
  if (stored === 0) {
    c.add('warning', 'CHECKSUM_ZERO', ohName, 'CheckSum', im.checksumOffset, 'CheckSum is 0');
    return;
  }
  const actual = peChecksum(im);
  if (actual !== stored) c.add('warning', 'CHECKSUM_MISMATCH', ohName, 'CheckSum', im.checksumOffset, `CheckSum 0x${stored.toString(16)}, the file sums to 0x${actual.toString(16)}`);
}

/** UKI sections that may appear more than once (multi-profile UKIs and devicetree sets). */
const UKI_REPEATABLE = new Set(['.profile', '.dtbauto', '.hwids']);

/**
 * Checks the layout rules systemd's stub and ukify follow for a unified
 * kernel image, on top of {@link validatePeImage}'s:
 * - `UKI_NO_LINUX` (error): no `.linux` section;
 * - `UKI_LINUX_NOT_PE` (error): `.linux` is not a PE image (the stub starts the kernel
 *   through its EFI stub);
 * - `UKI_LINUX_NOT_LAST` (warning): a section lies above `.linux` in memory (ukify puts
 *   the kernel last, where the stub may give it room);
 * - `UKI_DUPLICATE_SECTION` (warning): a UKI section other than `.profile`, `.dtbauto`,
 *   `.hwids` appears twice before any `.profile` (the stub reads the first);
 * - `UKI_EMPTY_SECTION` (warning): a UKI section with no contents;
 * - `UKI_TEXT_NOT_UTF8` (warning): `.cmdline`, `.osrel` or `.uname` is not UTF-8.
 * Never throws on bad input.
 */
export function validateUki(input: Uint8Array | PeImage): Problem[] {
  const c = new Collector();
  let image: PeImage;
  if (input instanceof Uint8Array) {
    try {
      image = decodePeImage(input);
    } catch (e) {
      if (e instanceof BootprotoError) return [problemFromError(e)];
      throw e;
    }
  } else image = input;
  const S = 'IMAGE_SECTION_HEADER';
  const linux = image.sections.find((s) => s.resolvedName === '.linux');
  if (linux === undefined) {
    c.add('error', 'UKI_NO_LINUX', S, 'Name', image.sectionTableOffset, 'no .linux section: not a unified kernel image');
    return c.problems;
  }
  const kernel = sectionContents(linux);
  if (!detectPeImage(kernel)) c.add('error', 'UKI_LINUX_NOT_PE', S, 'Name', linux.headerOffset, '.linux does not hold a PE image');
  for (const s of image.sections) {
    if (s !== linux && s.virtualAddress > linux.virtualAddress) c.add('warning', 'UKI_LINUX_NOT_LAST', S, 'VirtualAddress', s.headerOffset + 12, `${s.resolvedName} lies above .linux in memory`);
  }
  const known = new Set<string>(UKI_SECTIONS);
  const seen = new Set<string>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for (const s of image.sections) {
    const n = s.resolvedName;
    if (n === '.profile') break;
    if (!known.has(n)) continue;
    if (seen.has(n) && !UKI_REPEATABLE.has(n)) c.add('warning', 'UKI_DUPLICATE_SECTION', S, 'Name', s.headerOffset, `${n} appears more than once; the stub reads the first`);
    seen.add(n);
    const data = sectionContents(s);
    if (data.length === 0) c.add('warning', 'UKI_EMPTY_SECTION', S, 'VirtualSize', s.headerOffset + 8, `${n} is empty`);
    if (n === '.cmdline' || n === '.osrel' || n === '.uname') {
      try {
        utf8.decode(data);
      } catch {
        c.add('warning', 'UKI_TEXT_NOT_UTF8', S, 'Name', s.headerOffset, `${n} is not UTF-8`);
      }
    }
  }
  return c.problems;
}
