/**
 * The Multiboot 1 header of an OS image (Multiboot Specification 0.6.96,
 * section 3.1 "OS image format": 3.1.1 header layout, 3.1.2 magic fields,
 * 3.1.3 address fields, 3.1.4 graphics fields), checked against GRUB's
 * `include/multiboot.h`.
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, encodeLayout, u32, type Decoded, type Problem } from '../../core/index.js';

/** `MULTIBOOT_HEADER_MAGIC`: the header's `magic`. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** `MULTIBOOT_BOOTLOADER_MAGIC`: what a Multiboot 1 loader leaves in `%eax`. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** `MULTIBOOT_SEARCH`: the header lies completely within this many bytes from the start of the image. */
export const MULTIBOOT_SEARCH = 8192;
/** `MULTIBOOT_HEADER_ALIGN`: the header is 32-bit aligned within the image. */
export const MULTIBOOT_HEADER_ALIGN = 4;
/** `MULTIBOOT_MOD_ALIGN`: module alignment when `MULTIBOOT_PAGE_ALIGN` is requested. */
export const MULTIBOOT_MOD_ALIGN = 0x1000;
/** `MULTIBOOT_INFO_ALIGN`: alignment of the information structure. */
export const MULTIBOOT_INFO_ALIGN = 4;

/** `MULTIBOOT_PAGE_ALIGN` (bit 0): modules must be loaded at 4 KiB boundaries. */
export const MULTIBOOT_PAGE_ALIGN = 0x1;
/** `MULTIBOOT_MEMORY_INFO` (bit 1): the loader must pass `mem_*` (and may pass the memory map). */
export const MULTIBOOT_MEMORY_INFO = 0x2;
/** `MULTIBOOT_VIDEO_MODE` (bit 2): the loader must pass video information; the graphics fields are valid. */
export const MULTIBOOT_VIDEO_MODE = 0x4;
/** `MULTIBOOT_AOUT_KLUDGE` (bit 16): the address fields are valid and say where to load the image. */
export const MULTIBOOT_AOUT_KLUDGE = 0x10000;

/** The header flags by name. */
export const MULTIBOOT_HEADER_FLAGS: Readonly<Record<string, number>> = {
  MULTIBOOT_PAGE_ALIGN,
  MULTIBOOT_MEMORY_INFO,
  MULTIBOOT_VIDEO_MODE,
  MULTIBOOT_AOUT_KLUDGE,
};

/** `mode_type` 0: a linear graphics mode is preferred. */
export const MULTIBOOT_MODE_TYPE_LINEAR = 0;
/** `mode_type` 1: EGA-standard text mode is preferred. */
export const MULTIBOOT_MODE_TYPE_EGA_TEXT = 1;

/** `struct multiboot_header` (48 bytes: 12 required, 20 address fields, 16 graphics fields). */
export const MULTIBOOT_HEADER = defineLayout({
  name: 'multiboot_header',
  format: 'multiboot1',
  size: 48,
  fields: {
    /** `MULTIBOOT_HEADER_MAGIC` (0x1BADB002). */
    magic: u32(0, { values: { [MULTIBOOT_HEADER_MAGIC]: 'MULTIBOOT_HEADER_MAGIC' } }),
    /** Feature flags: bits 0–15 are requirements, 16–31 optional features. */
    flags: u32(4, { flags: MULTIBOOT_HEADER_FLAGS }),
    /** `magic + flags + checksum` is 0 modulo 2^32. */
    checksum: u32(8),
    /** Physical address the header's first byte is loaded at (`MULTIBOOT_AOUT_KLUDGE`). */
    headerAddr: u32(12),
    /** Physical address of the start of the text segment (`MULTIBOOT_AOUT_KLUDGE`). */
    loadAddr: u32(16),
    /** Physical address of the end of the data segment; 0: the whole file (`MULTIBOOT_AOUT_KLUDGE`). */
    loadEndAddr: u32(20),
    /** Physical address of the end of the bss; 0: no bss (`MULTIBOOT_AOUT_KLUDGE`). */
    bssEndAddr: u32(24),
    /** Physical address to jump to (`MULTIBOOT_AOUT_KLUDGE`). */
    entryAddr: u32(28),
    /** 0: linear graphics, 1: EGA text (`MULTIBOOT_VIDEO_MODE`). */
    modeType: u32(32, { values: { 0: 'linear', 1: 'EGA text' } }),
    /** Columns (pixels or characters); 0: no preference (`MULTIBOOT_VIDEO_MODE`). */
    width: u32(36),
    /** Lines (pixels or characters); 0: no preference (`MULTIBOOT_VIDEO_MODE`). */
    height: u32(40),
    /** Bits per pixel, 0 in text mode; 0: no preference (`MULTIBOOT_VIDEO_MODE`). */
    depth: u32(44),
  },
});

/** The header's 12 required bytes. */
export const MULTIBOOT_HEADER_REQUIRED_SIZE = 12;

/**
 * Every field of `multiboot_header`, as a plain object.
 *
 * @interface
 */
export type Mb1HeaderFields = Decoded<typeof MULTIBOOT_HEADER.fields>;

/**
 * A decoded Multiboot 1 header: `magic`, `flags`, `checksum` always; the
 * address fields when `MULTIBOOT_AOUT_KLUDGE` is set; the graphics fields
 * when `MULTIBOOT_VIDEO_MODE` is set.
 */
export type Mb1Header = Pick<Mb1HeaderFields, 'magic' | 'flags' | 'checksum'> &
  Partial<Omit<Mb1HeaderFields, 'magic' | 'flags' | 'checksum'>>;

/** How many bytes a header with these flags occupies: 12, 32 (address fields) or 48 (graphics fields). */
export function mb1HeaderSize(flags: number): number {
  if ((flags & MULTIBOOT_VIDEO_MODE) !== 0) return 48;
  if ((flags & MULTIBOOT_AOUT_KLUDGE) !== 0) return 32;
  return 12;
}

/** The checksum that makes `magic + flags + checksum` 0 modulo 2^32. */
export function mb1Checksum(flags: number, magic = MULTIBOOT_HEADER_MAGIC): number {
  return (0x100000000 - ((magic + flags) % 0x100000000)) % 0x100000000;
}

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Decodes the header at `offset`. Checks the magic (`BAD_MAGIC`) and that
 * the fields its flags enable fit (`TRUNCATED`). The checksum is not
 * checked here (see {@link validateMb1Header}); {@link findMb1Header} only
 * returns headers whose checksum is right.
 */
export function decodeMb1Header(bytes: Uint8Array, offset = 0): Mb1Header {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + 12 <= bytes.length)) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'multiboot1',
      structure: 'multiboot_header',
      offset,
      reason: `needs 12 bytes at ${offset}, ${Math.max(0, bytes.length - offset)} given`,
    });
  }
  const dv = dvOf(bytes);
  const magic = dv.getUint32(offset, true);
  if (magic !== MULTIBOOT_HEADER_MAGIC) {
    throw new BootprotoError({
      code: 'BAD_MAGIC',
      format: 'multiboot1',
      structure: 'multiboot_header',
      field: 'magic',
      offset,
      reason: `0x${magic.toString(16)} is not MULTIBOOT_HEADER_MAGIC (0x1badb002)`,
    });
  }
  const flags = dv.getUint32(offset + 4, true);
  const size = mb1HeaderSize(flags);
  const padded = new Uint8Array(48);
  if (offset + size > bytes.length) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'multiboot1',
      structure: 'multiboot_header',
      field: size === 48 ? 'depth' : 'entry_addr',
      offset,
      reason: `flags 0x${flags.toString(16)} need ${size} bytes, ${bytes.length - offset} given`,
    });
  }
  padded.set(bytes.subarray(offset, offset + size));
  const all = decodeLayout(MULTIBOOT_HEADER, padded);
  const out: Mb1Header = { magic: all.magic, flags: all.flags, checksum: all.checksum };
  if ((flags & MULTIBOOT_AOUT_KLUDGE) !== 0) {
    Object.assign(out, {
      headerAddr: all.headerAddr,
      loadAddr: all.loadAddr,
      loadEndAddr: all.loadEndAddr,
      bssEndAddr: all.bssEndAddr,
      entryAddr: all.entryAddr,
    });
  }
  if ((flags & MULTIBOOT_VIDEO_MODE) !== 0) {
    Object.assign(out, { modeType: all.modeType, width: all.width, height: all.height, depth: all.depth });
  }
  return out;
}

/**
 * Encodes a header: 12, 32 or 48 bytes as its flags say (absent fields are
 * written as 0; with the video flag the address fields are written too, as
 * they precede the graphics fields). The checksum is written as given.
 */
export function encodeMb1Header(header: Mb1Header, into?: Uint8Array, offset = 0): Uint8Array {
  const size = mb1HeaderSize(header.flags);
  const full = encodeLayout(MULTIBOOT_HEADER, {
    headerAddr: 0,
    loadAddr: 0,
    loadEndAddr: 0,
    bssEndAddr: 0,
    entryAddr: 0,
    modeType: 0,
    width: 0,
    height: 0,
    depth: 0,
    ...header,
  });
  const out = into ?? new Uint8Array(offset + size);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + size <= out.length)) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'multiboot1',
      structure: 'multiboot_header',
      offset,
      reason: `${size} bytes do not fit at ${offset} in ${out.length}`,
    });
  }
  out.set(full.subarray(0, size), offset);
  return out;
}

/** A header found in an image. */
export interface FoundMb1Header {
  /** Byte offset of `magic` in the image. */
  offset: number;
  /** The header. */
  header: Mb1Header;
}

/**
 * Finds the Multiboot 1 header as a loader does: the first 4-byte-aligned
 * offset within the first {@link MULTIBOOT_SEARCH} bytes holding the magic
 * with a checksum that sums to 0. Returns undefined when there is none.
 * Throws `TRUNCATED` only when such a header's enabled fields run past the
 * end of the image.
 */
export function findMb1Header(image: Uint8Array): FoundMb1Header | undefined {
  const offset = scanMb1(image);
  return offset < 0 ? undefined : { offset, header: decodeMb1Header(image, offset) };
}

/** Offset of the first magic-and-checksum match, or -1. */
function scanMb1(image: Uint8Array, wantChecksum = true): number {
  const dv = dvOf(image);
  const end = Math.min(image.length, MULTIBOOT_SEARCH) - 12;
  for (let o = 0; o <= end; o += MULTIBOOT_HEADER_ALIGN) {
    if (dv.getUint32(o, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    if (!wantChecksum) return o;
    if (((MULTIBOOT_HEADER_MAGIC + dv.getUint32(o + 4, true) + dv.getUint32(o + 8, true)) >>> 0) % 0x100000000 === 0) return o;
  }
  return -1;
}

/** True when `image` holds a Multiboot 1 header (magic and checksum) where a loader looks for one. */
export function detectMultiboot1(image: Uint8Array): boolean {
  return scanMb1(image) >= 0;
}

/** Where and what a loader loads for an image with the a.out kludge (`MULTIBOOT_AOUT_KLUDGE`). */
export interface Mb1AoutLoad {
  /** Offset in the file of the first byte loaded: the header's offset minus (`header_addr` − `load_addr`). */
  fileOffset: number;
  /** Physical address of the first byte loaded (`load_addr`). */
  loadAddr: number;
  /** Bytes copied from the file: `load_end_addr − load_addr`, or the rest of the file when `load_end_addr` is 0. */
  loadSize: number;
  /** Physical end of the area zeroed as bss (`bss_end_addr`), or the end of the load when 0. */
  bssEnd: number;
  /** Physical address to jump to (`entry_addr`). */
  entry: number;
}

/**
 * What a loader does with the address fields of a header that has
 * `MULTIBOOT_AOUT_KLUDGE` (section 3.1.3). Throws `BAD_VALUE` naming the
 * field when the fields cannot describe a load from this image.
 */
export function mb1AoutLoad(image: Uint8Array, found: FoundMb1Header): Mb1AoutLoad {
  const h = found.header;
  const bad = (field: string, fieldOffset: number, reason: string): BootprotoError =>
    new BootprotoError({ code: 'BAD_VALUE', format: 'multiboot1', structure: 'multiboot_header', field, offset: found.offset + fieldOffset, reason });
  if ((h.flags & MULTIBOOT_AOUT_KLUDGE) === 0 || h.headerAddr === undefined || h.loadAddr === undefined) {
    throw bad('flags', 4, 'MULTIBOOT_AOUT_KLUDGE is not set: the image is loaded from its ELF program headers');
  }
  const { headerAddr, loadAddr } = h;
  const loadEndAddr = h.loadEndAddr ?? 0;
  const bssEndAddr = h.bssEndAddr ?? 0;
  if (loadAddr > headerAddr) throw bad('load_addr', 16, `load_addr 0x${loadAddr.toString(16)} is above header_addr 0x${headerAddr.toString(16)}`);
  const fileOffset = found.offset - (headerAddr - loadAddr);
  if (fileOffset < 0) throw bad('header_addr', 12, `header_addr - load_addr (${headerAddr - loadAddr}) is more than the header's offset ${found.offset}`);
  let loadSize: number;
  if (loadEndAddr === 0) loadSize = image.length - fileOffset;
  else {
    if (loadEndAddr < loadAddr) throw bad('load_end_addr', 20, `load_end_addr 0x${loadEndAddr.toString(16)} is below load_addr`);
    loadSize = loadEndAddr - loadAddr;
    if (fileOffset + loadSize > image.length) {
      throw bad('load_end_addr', 20, `${loadSize} bytes to load from offset ${fileOffset}, the file has ${image.length}`);
    }
  }
  const loadEnd = loadAddr + loadSize;
  if (bssEndAddr !== 0 && bssEndAddr < loadEnd) throw bad('bss_end_addr', 24, `bss_end_addr 0x${bssEndAddr.toString(16)} is below the end of the load 0x${loadEnd.toString(16)}`);
  return { fileOffset, loadAddr, loadSize, bssEnd: bssEndAddr === 0 ? loadEnd : bssEndAddr, entry: h.entryAddr ?? 0 };
}

const KNOWN_REQUIRED = MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE;

/**
 * Validates the Multiboot 1 header of an image: present within the first
 * 8192 bytes (`NOT_FOUND`, or `BAD_CHECKSUM` when only a magic with a wrong
 * checksum is there), unknown requirement bits 3–15 that a loader must
 * refuse (`UNKNOWN_REQUIRED_FLAGS`, error), unknown optional bits
 * (`UNKNOWN_OPTIONAL_FLAGS`, warning), the fields the flags enable fit in the
 * search area (`TRUNCATED`), a.out kludge fields that describe a load
 * (`BAD_AOUT_FIELDS`) with the entry inside it (`ENTRY_OUTSIDE_LOAD`,
 * warning), and a graphics mode type of 0 or 1 (`UNKNOWN_MODE_TYPE`, warning).
 */
export function validateMb1Header(image: Uint8Array): Problem[] {
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], code: string, offset: number, message: string, field?: string): void => {
    const p: Problem = { severity, code, format: 'multiboot1', structure: 'multiboot_header', offset, message };
    if (field !== undefined) p.field = field;
    problems.push(p);
  };
  const offset = scanMb1(image);
  if (offset < 0) {
    const magicAt = scanMb1(image, false);
    if (magicAt >= 0) add('error', 'BAD_CHECKSUM', magicAt, 'MULTIBOOT_HEADER_MAGIC found, but magic + flags + checksum is not 0', 'checksum');
    else add('error', 'NOT_FOUND', 0, `no MULTIBOOT_HEADER_MAGIC at a 4-byte boundary in the first ${MULTIBOOT_SEARCH} bytes`);
    return problems;
  }
  const dv = dvOf(image);
  const flags = dv.getUint32(offset + 4, true);
  const required = flags & 0xffff & ~KNOWN_REQUIRED;
  if (required !== 0) add('error', 'UNKNOWN_REQUIRED_FLAGS', offset + 4, `requirement bits 0x${required.toString(16)} are not defined: a loader must refuse the image`, 'flags');
  const optional = (flags & 0xffff0000 & ~MULTIBOOT_AOUT_KLUDGE) >>> 0;
  if (optional !== 0) add('warning', 'UNKNOWN_OPTIONAL_FLAGS', offset + 4, `optional bits 0x${optional.toString(16)} are not defined (loaders ignore them)`, 'flags');
  const size = mb1HeaderSize(flags);
  if (offset + size > Math.min(image.length, MULTIBOOT_SEARCH)) {
    add('error', 'TRUNCATED', offset, `the header's ${size} bytes do not lie within the first ${MULTIBOOT_SEARCH} bytes of the image`);
    return problems;
  }
  const header = decodeMb1Header(image, offset);
  if ((flags & MULTIBOOT_AOUT_KLUDGE) !== 0) {
    try {
      const load = mb1AoutLoad(image, { offset, header });
      if (load.entry < load.loadAddr || load.entry >= load.loadAddr + load.loadSize) {
        add('warning', 'ENTRY_OUTSIDE_LOAD', offset + 28, `entry_addr 0x${load.entry.toString(16)} is outside the loaded bytes [0x${load.loadAddr.toString(16)}, 0x${(load.loadAddr + load.loadSize).toString(16)})`, 'entry_addr');
      }
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      add('error', 'BAD_AOUT_FIELDS', e.offset, e.reason, e.field);
    }
  }
  if ((flags & MULTIBOOT_VIDEO_MODE) !== 0 && header.modeType !== undefined && header.modeType > 1) {
    add('warning', 'UNKNOWN_MODE_TYPE', offset + 32, `mode_type ${header.modeType} is reserved (0: linear graphics, 1: EGA text)`, 'mode_type');
  }
  return problems;
}
