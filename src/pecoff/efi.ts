/**
 * What the EFI and Linux world puts into PE images: the Linux `.compat`
 * entries (`arch/x86/boot/header.S`, read as systemd's stub reads them),
 * the arm64 and RISC-V `Image` headers that share their first 64 bytes
 * with the MS-DOS header (`Documentation/arch/arm64/booting.rst`,
 * `Documentation/arch/riscv/boot-image-header.rst`), SBAT metadata (shim's
 * `SBAT.md`: CSV records in `.sbat`), and the sections of a unified kernel
 * image (the UAPI Group's "Unified Kernel Image (UKI)" specification).
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, u16, u32, u64, u8, type Decoded } from '../core/index.js';
import { IMAGE_FILE_MACHINE } from './constants.js';
import { detectPeImage, findSection, sectionContents, type PeImage } from './image.js';

// ---------------------------------------------------------------------------
// .compat

/** One Linux `.compat` entry (systemd calls it `LinuxPeCompat1`; 8 bytes for type 1). */
export const LINUX_PE_COMPAT_ENTRY = defineLayout({
  name: 'LinuxPeCompat1',
  format: 'pecoff',
  size: 8,
  fields: {
    /** 1: an alternative entry point; 0 ends the list. */
    type: u8(0),
    /** Size of this entry in bytes (8 for type 1); entries follow each other by it. */
    size: u8(1),
    /** The machine the entry point is for (`IMAGE_FILE_MACHINE_I386` for mixed mode). */
    machineType: u16(2, { values: IMAGE_FILE_MACHINE }),
    /** RVA of that entry point. */
    entryPoint: u32(4),
  },
});
/** A decoded `.compat` entry, with where it is. */
export interface LinuxPeCompatEntry extends Decoded<typeof LINUX_PE_COMPAT_ENTRY.fields> {
  /** File offset of the entry. */
  fileOffset: number;
}

/** Bound on the `.compat` entries read (a bound of ours; Linux writes one). */
export const MAX_COMPAT_ENTRIES = 256;

/** `.compat` entry type 1: an entry point for another machine. */
export const LINUX_PE_COMPAT_TYPE_ENTRY_POINT = 1;

/**
 * The `.compat` entries of a Linux EFI stub image: from the start of the
 * section, entry by entry (each `size` bytes), until a `type` or `size` of
 * 0, an entry larger than what is left, or the section's end — the rule
 * systemd's stub follows. An image without `.compat` has none.
 */
export function decodeLinuxCompat(image: PeImage): LinuxPeCompatEntry[] {
  const s = findSection(image, '.compat');
  if (s === undefined) return [];
  const data = sectionContents(s);
  const out: LinuxPeCompatEntry[] = [];
  let o = 0;
  while (data.length - o >= 2) {
    const type = data[o] as number;
    const size = data[o + 1] as number;
    if (type === 0 || size === 0 || size > data.length - o || out.length >= MAX_COMPAT_ENTRIES) break;
    // An entry shorter than 8 bytes has only the fields it covers; the rest read as 0.
    const entry = size >= LINUX_PE_COMPAT_ENTRY.size ? data : new Uint8Array(LINUX_PE_COMPAT_ENTRY.size);
    if (entry !== data) entry.set(data.subarray(o, o + size));
    out.push({ ...decodeLayout(LINUX_PE_COMPAT_ENTRY, entry, entry === data ? o : 0), fileOffset: s.pointerToRawData + o });
    o += size;
  }
  return out;
}

// ---------------------------------------------------------------------------
// arm64 and RISC-V Image headers

/** The arm64 `Image` header (64 bytes, `Documentation/arch/arm64/booting.rst`). */
export const ARM64_IMAGE_HEADER = defineLayout({
  name: 'arm64_image_header',
  format: 'pecoff',
  size: 64,
  fields: {
    /** Executable code ("MZ" and a branch when the image carries an EFI stub). */
    code0: u32(0),
    /** Executable code. */
    code1: u32(4),
    /** Image load offset. */
    textOffset: u64(8),
    /** Effective image size. */
    imageSize: u64(16),
    /** Kernel flags (bit 0 big-endian, bits 1–2 page size, bit 3 placement). */
    flags: u64(24),
    /** Reserved. */
    res2: u64(32),
    /** Reserved. */
    res3: u64(40),
    /** Reserved. */
    res4: u64(48),
    /** "ARM\x64" (0x644d5241). */
    magic: u32(56, { values: { 0x644d5241: 'ARM64_IMAGE_MAGIC' } }),
    /** Reserved; the PE header's offset (the MS-DOS header's `e_lfanew`). */
    res5: u32(60),
  },
});
/**
 * A decoded arm64 `Image` header.
 *
 * @interface
 */
export type Arm64ImageHeader = Decoded<typeof ARM64_IMAGE_HEADER.fields>;
/** "ARM\x64" little-endian. */
export const ARM64_IMAGE_MAGIC = 0x644d5241;

/** The RISC-V `Image` header (64 bytes, `Documentation/arch/riscv/boot-image-header.rst`, version 0.2). */
export const RISCV_IMAGE_HEADER = defineLayout({
  name: 'riscv_image_header',
  format: 'pecoff',
  size: 64,
  fields: {
    /** Executable code ("MZ" when the image carries an EFI stub). */
    code0: u32(0),
    /** Executable code. */
    code1: u32(4),
    /** Image load offset. */
    textOffset: u64(8),
    /** Effective image size. */
    imageSize: u64(16),
    /** Kernel flags (bit 0: big-endian). */
    flags: u64(24),
    /** Header version: major in bits 16–31, minor in bits 0–15. */
    version: u32(32),
    /** Reserved. */
    res1: u32(36),
    /** Reserved. */
    res2: u64(40),
    /** "RISCV\0\0\0" (deprecated since 0.2). */
    magic: u64(48),
    /** "RSC\x05" (0x05435352). */
    magic2: u32(56, { values: { 0x05435352: 'RISCV_IMAGE_MAGIC2' } }),
    /** Reserved; the PE header's offset (`e_lfanew`). */
    res3: u32(60),
  },
});
/**
 * A decoded RISC-V `Image` header.
 *
 * @interface
 */
export type RiscvImageHeader = Decoded<typeof RISCV_IMAGE_HEADER.fields>;
/** "RSC\x05" little-endian. */
export const RISCV_IMAGE_MAGIC2 = 0x05435352;
/** "RISCV" little-endian, as a 64-bit value. */
export const RISCV_IMAGE_MAGIC = 0x5643534952n;

/** An arm64 `Image` header found at the start of a file. */
export interface Arm64LinuxImage {
  /** Which header it is. */
  arch: 'arm64';
  /** The header. */
  header: Arm64ImageHeader;
  /** True when the same bytes are also a PE image (the kernel's EFI stub). */
  efiStub: boolean;
}
/** A RISC-V `Image` header found at the start of a file. */
export interface RiscvLinuxImage {
  /** Which header it is. */
  arch: 'riscv';
  /** The header. */
  header: RiscvImageHeader;
  /** True when the same bytes are also a PE image (the kernel's EFI stub). */
  efiStub: boolean;
}
/** A Linux `Image` header found at the start of a file. */
export type LinuxImageHeader = Arm64LinuxImage | RiscvLinuxImage;

/**
 * Reads the arm64 or RISC-V `Image` header at the start of `bytes`, or
 * returns undefined when neither magic is there. `efiStub` tells whether
 * the same bytes are also a PE image (`MZ` and a PE signature at offset 0x3c).
 */
export function decodeLinuxImageHeader(bytes: Uint8Array): LinuxImageHeader | undefined {
  if (bytes.length < 64) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 64);
  const efiStub = detectPeImage(bytes);
  if (dv.getUint32(56, true) === ARM64_IMAGE_MAGIC) return { arch: 'arm64', header: decodeLayout(ARM64_IMAGE_HEADER, bytes, 0), efiStub };
  if (dv.getUint32(56, true) === RISCV_IMAGE_MAGIC2 || dv.getBigUint64(48, true) === RISCV_IMAGE_MAGIC) {
    return { arch: 'riscv', header: decodeLayout(RISCV_IMAGE_HEADER, bytes, 0), efiStub };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// SBAT

/** One SBAT record (a CSV line of `.sbat`). */
export interface SbatRecord {
  /** The component's name (`sbat` for the format's own version line). */
  componentName: string;
  /** Its generation number, as text. */
  componentGeneration: string;
  /** The vendor's name. */
  vendorName: string;
  /** The vendor's package name. */
  vendorPackageName: string;
  /** The vendor's version. */
  vendorVersion: string;
  /** The vendor's URL. */
  vendorUrl: string;
  /** Fields beyond the six (kept, never dropped). */
  extra: string[];
}

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();
const SBAT_KEYS = ['componentName', 'componentGeneration', 'vendorName', 'vendorPackageName', 'vendorVersion', 'vendorUrl'] as const;
/** Bound on SBAT records read (a bound of ours; real images carry a handful). */
export const MAX_SBAT_RECORDS = 4096;

/**
 * Parses SBAT CSV text (the `.sbat` section): one record per non-empty
 * line, fields separated by commas, trailing NUL padding ignored. Fields
 * missing from a short line are empty strings. Throws `LIMIT` past
 * {@link MAX_SBAT_RECORDS} lines.
 */
export function parseSbat(data: Uint8Array | string): SbatRecord[] {
  let text = typeof data === 'string' ? data : utf8.decode(data);
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const out: SbatRecord[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (out.length >= MAX_SBAT_RECORDS) {
      throw new BootprotoError({ code: 'LIMIT', format: 'pecoff', structure: '.sbat', offset: 0, reason: `more than ${MAX_SBAT_RECORDS} SBAT records` });
    }
    const f = line.split(',');
    const r: SbatRecord = { componentName: '', componentGeneration: '', vendorName: '', vendorPackageName: '', vendorVersion: '', vendorUrl: '', extra: f.slice(6) };
    SBAT_KEYS.forEach((k, i) => {
      r[k] = f[i] ?? '';
    });
    out.push(r);
  }
  return out;
}

/** Writes SBAT records as CSV text, one line each, ending with a newline. */
export function formatSbat(records: readonly SbatRecord[]): string {
  return records.map((r) => [...SBAT_KEYS.map((k) => r[k]), ...r.extra].join(',') + '\n').join('');
}

/** The SBAT records of an image's `.sbat` section, or [] when it has none. */
export function decodeSbat(image: PeImage): SbatRecord[] {
  const s = findSection(image, '.sbat');
  return s === undefined ? [] : parseSbat(sectionContents(s));
}

// ---------------------------------------------------------------------------
// Unified kernel images

/** The sections of a UKI, in the order the UKI specification lists them. */
export const UKI_SECTIONS = ['.linux', '.osrel', '.cmdline', '.initrd', '.ucode', '.splash', '.dtb', '.dtbauto', '.hwids', '.uname', '.sbat', '.pcrsig', '.pcrpkey', '.profile', '.efifw'] as const;
/** A UKI section name. */
export type UkiSectionName = (typeof UKI_SECTIONS)[number];

/** A unified kernel image's payload, decoded section by section (bytes are subarrays of the image). */
export interface UkiContents {
  /** `.linux`: the kernel (itself a PE image with an EFI stub). */
  linux: Uint8Array | undefined;
  /** `.initrd`. */
  initrd: Uint8Array | undefined;
  /** `.ucode`: a microcode initrd. */
  ucode: Uint8Array | undefined;
  /** `.cmdline`, as text (a trailing NUL removed). */
  cmdline: string | undefined;
  /** `.osrel`, as key/value pairs (os-release syntax). */
  osrel: Record<string, string> | undefined;
  /** `.uname`, as text. */
  uname: string | undefined;
  /** `.dtb`. */
  dtb: Uint8Array | undefined;
  /** `.splash` (a BMP). */
  splash: Uint8Array | undefined;
  /** `.pcrsig`, parsed from JSON when it parses, else the text. */
  pcrsig: unknown;
  /** `.pcrpkey` (PEM text). */
  pcrpkey: string | undefined;
  /** `.sbat` records. */
  sbat: SbatRecord[];
  /** Every `.profile` section's text (multi-profile UKIs have several). */
  profiles: string[];
  /** The names of the UKI sections present, in table order (repeats included). */
  present: string[];
}

function text(b: Uint8Array | undefined): string | undefined {
  if (b === undefined) return undefined;
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return utf8.decode(b.subarray(0, n));
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
  }
  return v;
}

/** Parses os-release text (`KEY=value` lines, `#` comments, shell quoting) into key/value pairs. */
export function parseOsRelease(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    out[key] = unquote(line.slice(eq + 1));
  }
  return out;
}

/** Decodes the UKI sections of an image (the first of each name; every `.profile`). */
export function decodeUki(image: PeImage): UkiContents {
  const get = (name: string): Uint8Array | undefined => {
    const s = findSection(image, name);
    return s === undefined ? undefined : sectionContents(s);
  };
  const osrelText = text(get('.osrel'));
  const pcrsigText = text(get('.pcrsig'));
  let pcrsig: unknown = pcrsigText;
  if (pcrsigText !== undefined) {
    try {
      pcrsig = JSON.parse(pcrsigText) as unknown;
    } catch {
      pcrsig = pcrsigText;
    }
  }
  const known = new Set<string>(UKI_SECTIONS);
  return {
    linux: get('.linux'),
    initrd: get('.initrd'),
    ucode: get('.ucode'),
    cmdline: text(get('.cmdline')),
    osrel: osrelText === undefined ? undefined : parseOsRelease(osrelText),
    uname: text(get('.uname'))?.trim(),
    dtb: get('.dtb'),
    splash: get('.splash'),
    pcrsig,
    pcrpkey: text(get('.pcrpkey')),
    sbat: decodeSbat(image),
    profiles: image.sections.filter((s) => s.resolvedName === '.profile').map((s) => text(sectionContents(s)) ?? ''),
    present: image.sections.map((s) => s.resolvedName).filter((n) => known.has(n)),
  };
}

/** True when the image has a `.linux` section (a unified kernel image). */
export function isUki(image: PeImage): boolean {
  return findSection(image, '.linux') !== undefined;
}

/** Encodes text as UTF-8 (for section payloads such as `.cmdline` and `.osrel`). */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
