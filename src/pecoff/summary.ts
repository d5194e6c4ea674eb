/**
 * One call that gathers what a person (or the command line) wants to see of
 * a PE image: the headers with their flags named, the sections, directories,
 * certificates, checksum and Authenticode digest, SBAT, `.compat`, the
 * Linux `Image` header, the UKI parts (as sizes and text, not bytes), and
 * every problem. JSON-friendly except for the `bigint`s of PE32+ headers
 * (render them with `toJson`).
 *
 * @module
 */
import { BootprotoError, bytesToHex, problemFromError, type Problem } from '../core/index.js';
import { authenticodeSha256, peChecksum } from './checksum.js';
import {
  IMAGE_DLLCHARACTERISTICS,
  IMAGE_FILE_CHARACTERISTICS,
  IMAGE_FILE_MACHINE,
  IMAGE_SCN,
  IMAGE_SUBSYSTEM,
  flagNames,
} from './constants.js';
import { decodeBaseRelocations, decodeCertificates, decodeDebugDirectory, type CodeViewRecord } from './directories.js';
import { decodeLinuxCompat, decodeLinuxImageHeader, decodeSbat, decodeUki, type LinuxImageHeader, type LinuxPeCompatEntry, type SbatRecord } from './efi.js';
import type { ImageDosHeader, ImageFileHeader, ImageOptionalHeader32, ImageOptionalHeader64 } from './headers.js';
import { decodePeImage, type DataDirectory } from './image.js';
import { validatePeImage, validateUki } from './validate.js';

/** A section as the summary shows it. */
export interface PeSectionSummary {
  /** Table index (0-based). */
  index: number;
  /** The resolved name. */
  name: string;
  /** The 8-byte name field as text (`/4` for a long name). */
  rawName: string;
  /** `VirtualAddress`. */
  virtualAddress: number;
  /** `VirtualSize`. */
  virtualSize: number;
  /** `PointerToRawData`. */
  pointerToRawData: number;
  /** `SizeOfRawData`. */
  sizeOfRawData: number;
  /** `Characteristics`. */
  characteristics: number;
  /** The `IMAGE_SCN_*` names set in it. */
  flags: string[];
}

/** A certificate as the summary shows it (without its bytes). */
export interface PeCertificateSummary {
  /** File offset. */
  fileOffset: number;
  /** `dwLength`. */
  dwLength: number;
  /** `WIN_CERT_REVISION_*` or the hex value. */
  revision: string;
  /** `WIN_CERT_TYPE_*` or the hex value. */
  type: string;
}

/** Everything {@link summarizePeImage} reports. */
export interface PeSummary {
  /** `PE32` or `PE32+`. */
  format: 'PE32' | 'PE32+';
  /** The machine's `IMAGE_FILE_MACHINE_*` name, or its hex value. */
  machine: string;
  /** The subsystem's `IMAGE_SUBSYSTEM_*` name, or its value. */
  subsystem: string;
  /** `IMAGE_FILE_*` names set in `Characteristics`. */
  characteristics: string[];
  /** `IMAGE_DLLCHARACTERISTICS_*` names set in `DllCharacteristics`. */
  dllCharacteristics: string[];
  /** The MS-DOS header. */
  dosHeader: ImageDosHeader;
  /** The COFF file header. */
  fileHeader: ImageFileHeader;
  /** The optional header's fixed fields. */
  optionalHeader: ImageOptionalHeader32 | ImageOptionalHeader64;
  /** The data directories read. */
  dataDirectories: DataDirectory[];
  /** The sections. */
  sections: PeSectionSummary[];
  /** The stored and the computed checksum. */
  checksum: {
    /** `CheckSum` as stored. */
    stored: number;
    /** The file's checksum. */
    computed: number;
  };
  /** The Authenticode SHA-256, in hex (what `pesign --hash` prints). */
  authenticodeSha256: string;
  /** The certificates. */
  certificates: PeCertificateSummary[];
  /** Base relocation blocks and entries (padding included). */
  relocations: {
    /** Blocks. */
    blocks: number;
    /** Entries, padding included. */
    entries: number;
  };
  /** CodeView records of the debug directory. */
  codeView: CodeViewRecord[];
  /** SBAT records. */
  sbat: SbatRecord[];
  /** Linux `.compat` entries. */
  compat: LinuxPeCompatEntry[];
  /** The arm64 or RISC-V `Image` header, when the file starts with one. */
  linuxImage: LinuxImageHeader | undefined;
  /** True when the file is also an x86 Linux bzImage (0xAA55 at 0x1FE, "HdrS" at 0x202): see `bootproto/linux-bootparams`. */
  x86BzImage: boolean;
  /** The UKI parts, when the image has a `.linux` section. */
  uki:
    | {
        /** The UKI sections present, in table order. */
        sections: string[];
        /** `.cmdline`. */
        cmdline: string | undefined;
        /** `.osrel` pairs. */
        osrel: Record<string, string> | undefined;
        /** `.uname`. */
        uname: string | undefined;
        /** Byte sizes of the binary parts. */
        sizes: Record<string, number>;
      }
    | undefined;
  /** Every problem (see {@link validatePeImage}, and {@link validateUki} for a UKI). */
  problems: Problem[];
}

function guard<T>(problems: Problem[], fallback: T, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    // The validator reports the same failure; keep one copy.
    const p = problemFromError(e);
    if (!problems.some((q) => q.code === p.code && q.offset === p.offset && q.structure === p.structure)) problems.push(p);
    return fallback;
  }
}

/**
 * Summarizes a PE image. Throws {@link BootprotoError} only when the headers
 * cannot be decoded; a directory that cannot be walked becomes a problem.
 */
export function summarizePeImage(bytes: Uint8Array): PeSummary {
  const im = decodePeImage(bytes);
  const problems = validatePeImage(im);
  if (im.sections.some((s) => s.resolvedName === '.linux')) problems.push(...validateUki(im));
  const oh = im.optionalHeader;
  const certs = guard(problems, [], () => decodeCertificates(im));
  const relocs = guard(problems, [], () => decodeBaseRelocations(im));
  const debug = guard(problems, [], () => decodeDebugDirectory(im));
  const u = guard(problems, undefined, () => decodeUki(im));
  const hexOr = (names: Readonly<Record<number, string>>, v: number): string => names[v] ?? `0x${v.toString(16)}`;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes: Record<string, number> = {};
  if (u !== undefined) {
    for (const [k, v] of [['.linux', u.linux], ['.initrd', u.initrd], ['.ucode', u.ucode], ['.dtb', u.dtb], ['.splash', u.splash]] as const) if (v !== undefined) sizes[k] = v.length;
  }
  return {
    format: im.pe32Plus ? 'PE32+' : 'PE32',
    machine: hexOr(IMAGE_FILE_MACHINE, im.fileHeader.machine),
    subsystem: IMAGE_SUBSYSTEM[oh.subsystem] ?? String(oh.subsystem),
    characteristics: flagNames(im.fileHeader.characteristics, IMAGE_FILE_CHARACTERISTICS),
    dllCharacteristics: flagNames(oh.dllCharacteristics, IMAGE_DLLCHARACTERISTICS),
    dosHeader: im.dosHeader,
    fileHeader: im.fileHeader,
    optionalHeader: oh,
    dataDirectories: im.dataDirectories,
    sections: im.sections.map((s) => ({
      index: s.index,
      name: s.resolvedName,
      rawName: s.rawName,
      virtualAddress: s.virtualAddress,
      virtualSize: s.virtualSize,
      pointerToRawData: s.pointerToRawData,
      sizeOfRawData: s.sizeOfRawData,
      characteristics: s.characteristics,
      flags: flagNames(s.characteristics, IMAGE_SCN),
    })),
    checksum: { stored: oh.checkSum, computed: peChecksum(im) },
    authenticodeSha256: bytesToHex(authenticodeSha256(im)),
    certificates: certs.map((c) => ({ fileOffset: c.fileOffset, dwLength: c.dwLength, revision: c.revisionName ?? `0x${c.wRevision.toString(16)}`, type: c.typeName ?? `0x${c.wCertificateType.toString(16)}` })),
    relocations: { blocks: relocs.length, entries: relocs.reduce((a, b) => a + b.entries.length, 0) },
    codeView: debug.flatMap((d) => (d.codeView === undefined ? [] : [d.codeView])),
    sbat: guard(problems, [], () => decodeSbat(im)),
    compat: decodeLinuxCompat(im),
    linuxImage: decodeLinuxImageHeader(bytes),
    x86BzImage: bytes.length >= 0x206 && dv.getUint16(0x1fe, true) === 0xaa55 && dv.getUint32(0x202, true) === 0x53726448,
    uki: u === undefined || u.linux === undefined ? undefined : { sections: u.present, cmdline: u.cmdline, osrel: u.osrel, uname: u.uname, sizes },
    problems,
  };
}
