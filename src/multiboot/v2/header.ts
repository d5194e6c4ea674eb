/**
 * The Multiboot 2 header of an OS image (Multiboot2 Specification 2.0,
 * section 3.1 "OS image format": 3.1.1 header layout, 3.1.2 magic fields,
 * 3.1.3 general tag structure, 3.1.4–3.1.13 the header tags), checked
 * against GRUB's `include/multiboot2.h`.
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, encodeLayout, u16, u32, type Decoded, type Problem } from '../../core/index.js';

/** `MULTIBOOT2_HEADER_MAGIC`. */
export const MULTIBOOT2_HEADER_MAGIC = 0xe85250d6;
/** `MULTIBOOT2_BOOTLOADER_MAGIC`: what a Multiboot 2 loader leaves in `%eax`. */
export const MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289;
/** `MULTIBOOT2_SEARCH`: the header lies completely within this many bytes from the start. */
export const MULTIBOOT2_SEARCH = 32768;
/** `MULTIBOOT2_HEADER_ALIGN`: the header is 64-bit aligned. */
export const MULTIBOOT2_HEADER_ALIGN = 8;
/** `MULTIBOOT2_MOD_ALIGN`. */
export const MULTIBOOT2_MOD_ALIGN = 0x1000;
/** `MULTIBOOT2_INFO_ALIGN`: the information structure starts 8-byte aligned. */
export const MULTIBOOT2_INFO_ALIGN = 8;
/** `MULTIBOOT2_TAG_ALIGN`: every tag (header and information) starts 8-byte aligned. */
export const MULTIBOOT2_TAG_ALIGN = 8;

/** `MULTIBOOT2_ARCHITECTURE_I386`: 32-bit protected mode of i386. */
export const MULTIBOOT2_ARCHITECTURE_I386 = 0;
/** `MULTIBOOT2_ARCHITECTURE_MIPS32`: 32-bit MIPS. */
export const MULTIBOOT2_ARCHITECTURE_MIPS32 = 4;

/** `MULTIBOOT2_HEADER_TAG_END`. */
export const MULTIBOOT2_HEADER_TAG_END = 0;
/** `MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST`. */
export const MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST = 1;
/** `MULTIBOOT2_HEADER_TAG_ADDRESS`. */
export const MULTIBOOT2_HEADER_TAG_ADDRESS = 2;
/** `MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS`. */
export const MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS = 3;
/** `MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS`. */
export const MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS = 4;
/** `MULTIBOOT2_HEADER_TAG_FRAMEBUFFER`. */
export const MULTIBOOT2_HEADER_TAG_FRAMEBUFFER = 5;
/** `MULTIBOOT2_HEADER_TAG_MODULE_ALIGN`. */
export const MULTIBOOT2_HEADER_TAG_MODULE_ALIGN = 6;
/** `MULTIBOOT2_HEADER_TAG_EFI_BS`. */
export const MULTIBOOT2_HEADER_TAG_EFI_BS = 7;
/** `MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32`. */
export const MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32 = 8;
/** `MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64`. */
export const MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64 = 9;
/** `MULTIBOOT2_HEADER_TAG_RELOCATABLE`. */
export const MULTIBOOT2_HEADER_TAG_RELOCATABLE = 10;

/** Header tag types by value. */
export const MULTIBOOT2_HEADER_TAG_TYPES: Readonly<Record<number, string>> = {
  0: 'MULTIBOOT2_HEADER_TAG_END',
  1: 'MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST',
  2: 'MULTIBOOT2_HEADER_TAG_ADDRESS',
  3: 'MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS',
  4: 'MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS',
  5: 'MULTIBOOT2_HEADER_TAG_FRAMEBUFFER',
  6: 'MULTIBOOT2_HEADER_TAG_MODULE_ALIGN',
  7: 'MULTIBOOT2_HEADER_TAG_EFI_BS',
  8: 'MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32',
  9: 'MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64',
  10: 'MULTIBOOT2_HEADER_TAG_RELOCATABLE',
};

/** `MULTIBOOT2_HEADER_TAG_OPTIONAL`: bit 0 of a header tag's `flags`; clear means the loader must honour it or fail. */
export const MULTIBOOT2_HEADER_TAG_OPTIONAL = 1;
/** `MULTIBOOT2_CONSOLE_FLAGS_CONSOLE_REQUIRED`. */
export const MULTIBOOT2_CONSOLE_FLAGS_CONSOLE_REQUIRED = 1;
/** `MULTIBOOT2_CONSOLE_FLAGS_EGA_TEXT_SUPPORTED`. */
export const MULTIBOOT2_CONSOLE_FLAGS_EGA_TEXT_SUPPORTED = 2;
/** `MULTIBOOT2_LOAD_PREFERENCE_NONE`. */
export const MULTIBOOT2_LOAD_PREFERENCE_NONE = 0;
/** `MULTIBOOT2_LOAD_PREFERENCE_LOW`. */
export const MULTIBOOT2_LOAD_PREFERENCE_LOW = 1;
/** `MULTIBOOT2_LOAD_PREFERENCE_HIGH`. */
export const MULTIBOOT2_LOAD_PREFERENCE_HIGH = 2;

/** `struct multiboot2_header` (16 bytes; tags follow). */
export const MULTIBOOT2_HEADER = defineLayout({
  name: 'multiboot2_header',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** `MULTIBOOT2_HEADER_MAGIC` (0xE85250D6). */
    magic: u32(0, { values: { [MULTIBOOT2_HEADER_MAGIC]: 'MULTIBOOT2_HEADER_MAGIC' } }),
    /** `MULTIBOOT2_ARCHITECTURE_*`. */
    architecture: u32(4, { values: { 0: 'MULTIBOOT2_ARCHITECTURE_I386', 4: 'MULTIBOOT2_ARCHITECTURE_MIPS32' } }),
    /** Bytes of the header, tags included. */
    headerLength: u32(8),
    /** `magic + architecture + header_length + checksum` is 0 modulo 2^32. */
    checksum: u32(12),
  },
});

/** `struct multiboot2_header_tag` (8 bytes): the head of every header tag. */
export const MULTIBOOT2_HEADER_TAG = defineLayout({
  name: 'multiboot2_header_tag',
  format: 'multiboot2',
  size: 8,
  fields: {
    /** `MULTIBOOT2_HEADER_TAG_*`. */
    type: u16(0, { values: MULTIBOOT2_HEADER_TAG_TYPES }),
    /** Bit 0: `MULTIBOOT2_HEADER_TAG_OPTIONAL`. */
    flags: u16(2, { flags: { MULTIBOOT2_HEADER_TAG_OPTIONAL } }),
    /** Bytes of the tag, head included, padding excluded. */
    size: u32(4),
  },
});

/** `struct multiboot2_header_tag_address` (24 bytes). */
export const MULTIBOOT2_HEADER_TAG_ADDRESS_LAYOUT = defineLayout({
  name: 'multiboot2_header_tag_address',
  format: 'multiboot2',
  size: 24,
  fields: {
    /** 2. */
    type: u16(0),
    /** Tag flags. */
    flags: u16(2),
    /** 24. */
    size: u32(4),
    /** Physical address of the header's `magic`. */
    headerAddr: u32(8),
    /** Physical address of the text segment's start. */
    loadAddr: u32(12),
    /** End of the data segment; 0: the whole file. */
    loadEndAddr: u32(16),
    /** End of the bss; 0: no bss. */
    bssEndAddr: u32(20),
  },
});

/** `struct multiboot2_header_tag_entry_address` (12 bytes; also the EFI i386 and amd64 entry tags). */
export const MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_LAYOUT = defineLayout({
  name: 'multiboot2_header_tag_entry_address',
  format: 'multiboot2',
  size: 12,
  fields: {
    /** 3, 8 or 9. */
    type: u16(0),
    /** Tag flags. */
    flags: u16(2),
    /** 12. */
    size: u32(4),
    /** Physical address to jump to. */
    entryAddr: u32(8),
  },
});

/** `struct multiboot2_header_tag_console_flags` (12 bytes). */
export const MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS_LAYOUT = defineLayout({
  name: 'multiboot2_header_tag_console_flags',
  format: 'multiboot2',
  size: 12,
  fields: {
    /** 4. */
    type: u16(0),
    /** Tag flags. */
    flags: u16(2),
    /** 12. */
    size: u32(4),
    /** `MULTIBOOT2_CONSOLE_FLAGS_*`. */
    consoleFlags: u32(8, {
      flags: { MULTIBOOT2_CONSOLE_FLAGS_CONSOLE_REQUIRED, MULTIBOOT2_CONSOLE_FLAGS_EGA_TEXT_SUPPORTED },
    }),
  },
});

/** `struct multiboot2_header_tag_framebuffer` (20 bytes). */
export const MULTIBOOT2_HEADER_TAG_FRAMEBUFFER_LAYOUT = defineLayout({
  name: 'multiboot2_header_tag_framebuffer',
  format: 'multiboot2',
  size: 20,
  fields: {
    /** 5. */
    type: u16(0),
    /** Tag flags. */
    flags: u16(2),
    /** 20. */
    size: u32(4),
    /** Preferred width; 0: no preference. */
    width: u32(8),
    /** Preferred height; 0: no preference. */
    height: u32(12),
    /** Preferred bits per pixel; 0: no preference. */
    depth: u32(16),
  },
});

/** `struct multiboot2_header_tag_relocatable` (24 bytes). */
export const MULTIBOOT2_HEADER_TAG_RELOCATABLE_LAYOUT = defineLayout({
  name: 'multiboot2_header_tag_relocatable',
  format: 'multiboot2',
  size: 24,
  fields: {
    /** 10. */
    type: u16(0),
    /** Tag flags. */
    flags: u16(2),
    /** 24. */
    size: u32(4),
    /** Lowest address the image may be loaded at. */
    minAddr: u32(8),
    /** Highest address the image's end may reach. */
    maxAddr: u32(12),
    /** Alignment of the load address. */
    align: u32(16),
    /** `MULTIBOOT2_LOAD_PREFERENCE_*`. */
    preference: u32(20, { values: { 0: 'MULTIBOOT2_LOAD_PREFERENCE_NONE', 1: 'MULTIBOOT2_LOAD_PREFERENCE_LOW', 2: 'MULTIBOOT2_LOAD_PREFERENCE_HIGH' } }),
  },
});

/** The fixed sizes of the header tags whose size the specification gives. */
export const MULTIBOOT2_HEADER_TAG_SIZES: Readonly<Record<number, number>> = {
  0: 8,
  2: 24,
  3: 12,
  4: 12,
  5: 20,
  6: 8,
  7: 8,
  8: 12,
  9: 12,
  10: 24,
};

/** The head every decoded header tag has. */
export interface Mb2HeaderTagBase {
  /** `MULTIBOOT2_HEADER_TAG_*`. */
  type: number;
  /** Bit 0: optional. */
  flags: number;
  /** The tag's `size`. */
  size: number;
  /** The bytes between `size` and the next 8-byte boundary, when not all zero (Xen's header has 0xc2 there). */
  padding?: Uint8Array;
}

/** Header tags 0 (`end`), 6 (`module-align`) and 7 (`efi-bs`): no fields. */
export interface Mb2HeaderEmptyTag extends Mb2HeaderTagBase {
  /** Which. */
  kind: 'end' | 'module-align' | 'efi-bs';
}

/** Header tag 1: the information tag types the kernel asks for. */
export interface Mb2HeaderInformationRequestTag extends Mb2HeaderTagBase {
  /** `information-request`. */
  kind: 'information-request';
  /** `MULTIBOOT2_TAG_TYPE_*` values; required unless the tag is optional. */
  requests: number[];
}

/** Header tag 2: where to load an image that is not ELF. */
export interface Mb2HeaderAddressTag extends Mb2HeaderTagBase {
  /** `address`. */
  kind: 'address';
  /** Physical address of the header's `magic`. */
  headerAddr: number;
  /** Physical address of the text segment's start. */
  loadAddr: number;
  /** End of the data segment; 0: the whole file. */
  loadEndAddr: number;
  /** End of the bss; 0: no bss. */
  bssEndAddr: number;
}

/** Header tags 3 (`entry-address`), 8 (`entry-address-efi32`) and 9 (`entry-address-efi64`). */
export interface Mb2HeaderEntryTag extends Mb2HeaderTagBase {
  /** Which entry. */
  kind: 'entry-address' | 'entry-address-efi32' | 'entry-address-efi64';
  /** Physical address to jump to. */
  entryAddr: number;
}

/** Header tag 4: console requirements. */
export interface Mb2HeaderConsoleFlagsTag extends Mb2HeaderTagBase {
  /** `console-flags`. */
  kind: 'console-flags';
  /** `MULTIBOOT2_CONSOLE_FLAGS_*`. */
  consoleFlags: number;
}

/** Header tag 5: the preferred framebuffer mode. */
export interface Mb2HeaderFramebufferTag extends Mb2HeaderTagBase {
  /** `framebuffer`. */
  kind: 'framebuffer';
  /** Width; 0: no preference. */
  width: number;
  /** Height; 0: no preference. */
  height: number;
  /** Bits per pixel; 0: no preference. */
  depth: number;
}

/** Header tag 10: the image can be loaded anywhere in a range. */
export interface Mb2HeaderRelocatableTag extends Mb2HeaderTagBase {
  /** `relocatable`. */
  kind: 'relocatable';
  /** Lowest load address. */
  minAddr: number;
  /** Highest address the image's end may reach. */
  maxAddr: number;
  /** Alignment of the load address. */
  align: number;
  /** `MULTIBOOT2_LOAD_PREFERENCE_*`. */
  preference: number;
}

/** A header tag of a type this module does not know. */
export interface Mb2HeaderUnknownTag extends Mb2HeaderTagBase {
  /** `unknown`. */
  kind: 'unknown';
  /** The bytes after the 8-byte head, within `size`. */
  data: Uint8Array;
}

/** A decoded header tag: its head and the fields of its type (raw `data` for a type we do not know). */
export type Mb2HeaderTag =
  | Mb2HeaderEmptyTag
  | Mb2HeaderInformationRequestTag
  | Mb2HeaderAddressTag
  | Mb2HeaderEntryTag
  | Mb2HeaderConsoleFlagsTag
  | Mb2HeaderFramebufferTag
  | Mb2HeaderRelocatableTag
  | Mb2HeaderUnknownTag;

/** A decoded Multiboot 2 header: the fixed part and its tags. */
export interface Mb2Header extends Decoded<typeof MULTIBOOT2_HEADER.fields> {
  /** The tags in order, the end tag last (when present within `header_length`). */
  tags: Mb2HeaderTag[];
}

const KINDS: Readonly<Record<number, Mb2HeaderTag['kind']>> = {
  0: 'end',
  1: 'information-request',
  2: 'address',
  3: 'entry-address',
  4: 'console-flags',
  5: 'framebuffer',
  6: 'module-align',
  7: 'efi-bs',
  8: 'entry-address-efi32',
  9: 'entry-address-efi64',
  10: 'relocatable',
};

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const align8 = (n: number): number => (n + 7) & ~7;

function err(code: 'TRUNCATED' | 'BAD_MAGIC' | 'BAD_VALUE' | 'LIMIT', structure: string, field: string | undefined, offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: 'multiboot2', structure, ...(field === undefined ? {} : { field }), offset, reason });
}

/** The most header tags decoded (each is at least 8 bytes, so a 32 KiB header holds at most 4096). */
const MAX_HEADER_TAGS = 4096;

function decodeHeaderTag(bytes: Uint8Array, o: number, size: number): Mb2HeaderTag {
  const head = decodeLayout(MULTIBOOT2_HEADER_TAG, bytes, o);
  const kind = KINDS[head.type];
  const need = MULTIBOOT2_HEADER_TAG_SIZES[head.type] ?? 8;
  if (kind === undefined) return { ...head, kind: 'unknown', data: bytes.slice(o + 8, o + size) };
  if (size < need) throw err('BAD_VALUE', 'multiboot2_header_tag', 'size', o, `${kind} tag of ${size} bytes, needs ${need}`);
  const dv = dvOf(bytes);
  switch (kind) {
    case 'end':
    case 'module-align':
    case 'efi-bs':
      return { ...head, kind };
    case 'information-request': {
      const requests: number[] = [];
      for (let p = o + 8; p + 4 <= o + size; p += 4) requests.push(dv.getUint32(p, true));
      return { ...head, kind, requests };
    }
    case 'address': {
      const { headerAddr, loadAddr, loadEndAddr, bssEndAddr } = decodeLayout(MULTIBOOT2_HEADER_TAG_ADDRESS_LAYOUT, bytes, o);
      return { ...head, kind, headerAddr, loadAddr, loadEndAddr, bssEndAddr };
    }
    case 'entry-address':
    case 'entry-address-efi32':
    case 'entry-address-efi64':
      return { ...head, kind, entryAddr: dv.getUint32(o + 8, true) };
    case 'console-flags':
      return { ...head, kind, consoleFlags: dv.getUint32(o + 8, true) };
    case 'framebuffer': {
      const { width, height, depth } = decodeLayout(MULTIBOOT2_HEADER_TAG_FRAMEBUFFER_LAYOUT, bytes, o);
      return { ...head, kind, width, height, depth };
    }
    case 'relocatable': {
      const { minAddr, maxAddr, align, preference } = decodeLayout(MULTIBOOT2_HEADER_TAG_RELOCATABLE_LAYOUT, bytes, o);
      return { ...head, kind, minAddr, maxAddr, align, preference };
    }
    case 'unknown':
      return { ...head, kind, data: bytes.slice(o + 8, o + size) };
  }
}

/**
 * Decodes the Multiboot 2 header at `offset`: the fixed part (`BAD_MAGIC`
 * unless the magic is right) and its tags, each 8-byte aligned, up to the
 * end tag or `header_length` (`TRUNCATED` when a tag runs past either the
 * bytes or `header_length`; `BAD_VALUE` for a tag smaller than 8 bytes or
 * than its type needs). The checksum is not checked here.
 */
export function decodeMb2Header(bytes: Uint8Array, offset = 0): Mb2Header {
  if (!(Number.isInteger(offset) && offset >= 0)) throw err('TRUNCATED', 'multiboot2_header', undefined, offset, 'bad offset');
  const fixed = decodeLayout(MULTIBOOT2_HEADER, bytes, offset);
  if (fixed.magic !== MULTIBOOT2_HEADER_MAGIC) {
    throw err('BAD_MAGIC', 'multiboot2_header', 'magic', offset, `0x${fixed.magic.toString(16)} is not MULTIBOOT2_HEADER_MAGIC (0xe85250d6)`);
  }
  if (fixed.headerLength < 16) throw err('BAD_VALUE', 'multiboot2_header', 'header_length', offset + 8, `header_length ${fixed.headerLength} is below 16`);
  if (offset + fixed.headerLength > bytes.length) {
    throw err('TRUNCATED', 'multiboot2_header', 'header_length', offset + 8, `header_length ${fixed.headerLength} runs past the ${bytes.length - offset} bytes given`);
  }
  const end = offset + fixed.headerLength;
  const tags: Mb2HeaderTag[] = [];
  let o = offset + 16;
  while (o < end) {
    if (tags.length >= MAX_HEADER_TAGS) throw err('LIMIT', 'multiboot2_header_tag', undefined, o - offset, `more than ${MAX_HEADER_TAGS} tags`);
    if (end - o < 8) throw err('TRUNCATED', 'multiboot2_header_tag', undefined, o - offset, `${end - o} bytes left before header_length, a tag needs 8`);
    const size = dvOf(bytes).getUint32(o + 4, true);
    if (size < 8) throw err('BAD_VALUE', 'multiboot2_header_tag', 'size', o - offset, `tag size ${size} is below 8`);
    if (size > end - o) throw err('TRUNCATED', 'multiboot2_header_tag', 'size', o - offset, `tag of ${size} bytes runs past header_length`);
    const tag = decodeHeaderTag(bytes, o, size);
    const pad = bytes.subarray(o + size, Math.min(o + align8(size), end));
    if (pad.some((b) => b !== 0)) tag.padding = pad.slice();
    tags.push(tag);
    if (tag.kind === 'end') break;
    o += align8(size);
  }
  return { ...fixed, tags };
}

/** Bytes {@link encodeMb2Header} writes for the tags: each tag's size rounded up to 8. */
function headerTagsLength(tags: readonly Mb2HeaderTag[]): number {
  return tags.reduce((a, t) => a + align8(t.size), 0);
}

/**
 * Encodes a header: the fixed part and each tag at 8-byte alignment
 * (padding written as 0). `headerLength` and `checksum` are written as
 * given; use {@link mb2HeaderChecksum} to compute one.
 */
export function encodeMb2Header(header: Mb2Header, into?: Uint8Array, offset = 0): Uint8Array {
  const total = Math.max(header.headerLength, 16 + headerTagsLength(header.tags));
  const out = into ?? new Uint8Array(offset + total);
  if (offset + 16 + headerTagsLength(header.tags) > out.length) throw err('TRUNCATED', 'multiboot2_header', undefined, offset, 'the header does not fit');
  encodeLayout(MULTIBOOT2_HEADER, header, out, offset);
  const dv = dvOf(out);
  let o = offset + 16;
  for (const t of header.tags) {
    out.fill(0, o, o + align8(t.size));
    if (t.padding !== undefined) out.set(t.padding.subarray(0, align8(t.size) - t.size), o + t.size);
    encodeLayout(MULTIBOOT2_HEADER_TAG, { type: t.type, flags: t.flags, size: t.size }, out, o);
    switch (t.kind) {
      case 'information-request':
        t.requests.forEach((r, i) => {
          if (8 + 4 * i + 4 <= t.size) dv.setUint32(o + 8 + 4 * i, r, true);
        });
        break;
      case 'address':
        encodeLayout(MULTIBOOT2_HEADER_TAG_ADDRESS_LAYOUT, t, out, o);
        break;
      case 'entry-address':
      case 'entry-address-efi32':
      case 'entry-address-efi64':
        dv.setUint32(o + 8, t.entryAddr, true);
        break;
      case 'console-flags':
        dv.setUint32(o + 8, t.consoleFlags, true);
        break;
      case 'framebuffer':
        encodeLayout(MULTIBOOT2_HEADER_TAG_FRAMEBUFFER_LAYOUT, t, out, o);
        break;
      case 'relocatable':
        encodeLayout(MULTIBOOT2_HEADER_TAG_RELOCATABLE_LAYOUT, t, out, o);
        break;
      case 'unknown':
        out.set(t.data.subarray(0, Math.max(0, t.size - 8)), o + 8);
        break;
      default:
        break;
    }
    o += align8(t.size);
  }
  return out;
}

/** The checksum that makes `magic + architecture + header_length + checksum` 0 modulo 2^32. */
export function mb2HeaderChecksum(architecture: number, headerLength: number, magic = MULTIBOOT2_HEADER_MAGIC): number {
  return (0x100000000 - ((magic + architecture + headerLength) % 0x100000000)) % 0x100000000;
}

/** A Multiboot 2 header found in an image. */
export interface FoundMb2Header {
  /** Byte offset of `magic`. */
  offset: number;
  /** The header. */
  header: Mb2Header;
}

function scanMb2(image: Uint8Array, wantChecksum = true): number {
  const dv = dvOf(image);
  const end = Math.min(image.length, MULTIBOOT2_SEARCH) - 16;
  for (let o = 0; o <= end; o += MULTIBOOT2_HEADER_ALIGN) {
    if (dv.getUint32(o, true) !== MULTIBOOT2_HEADER_MAGIC) continue;
    if (!wantChecksum) return o;
    const sum = (MULTIBOOT2_HEADER_MAGIC + dv.getUint32(o + 4, true) + dv.getUint32(o + 8, true) + dv.getUint32(o + 12, true)) >>> 0;
    if (sum === 0) return o;
  }
  return -1;
}

/**
 * Finds the Multiboot 2 header as GRUB does: the first 8-byte-aligned
 * offset within the first {@link MULTIBOOT2_SEARCH} bytes holding the magic
 * with a checksum that sums to 0, then decodes it. Undefined when none.
 */
export function findMb2Header(image: Uint8Array): FoundMb2Header | undefined {
  const offset = scanMb2(image);
  return offset < 0 ? undefined : { offset, header: decodeMb2Header(image, offset) };
}

/** True when `image` holds a Multiboot 2 header (magic and checksum) where a loader looks for one. */
export function detectMultiboot2(image: Uint8Array): boolean {
  return scanMb2(image) >= 0;
}

/**
 * Validates the Multiboot 2 header of an image: found (`NOT_FOUND`, or
 * `BAD_CHECKSUM` when only the magic is there), within the first 32768
 * bytes (`TRUNCATED`), decodable (the decoder's error), architecture 0 or 4
 * (`UNKNOWN_ARCHITECTURE`), an end tag of size 8 last (`NO_END_TAG`,
 * `BAD_END_TAG`), known tags of their specified size (`TAG_SIZE`, warning),
 * required tags of an unknown type, which a loader must refuse
 * (`UNKNOWN_REQUIRED_TAG`, error; optional ones are a warning), requested
 * information types that are not defined (`UNKNOWN_REQUEST`, warning),
 * relocatable ranges with `min_addr` ≤ `max_addr`, a power-of-two alignment
 * and a known preference (`BAD_RELOCATABLE`), address fields in order
 * (`BAD_ADDRESS_TAG`), and entry tags without an address tag in a non-ELF
 * image (info `ENTRY_WITHOUT_ADDRESS` is left to the caller: not checked).
 */
export function validateMb2Header(image: Uint8Array): Problem[] {
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], code: string, offset: number, message: string, structure = 'multiboot2_header', field?: string): void => {
    const p: Problem = { severity, code, format: 'multiboot2', structure, offset, message };
    if (field !== undefined) p.field = field;
    problems.push(p);
  };
  const offset = scanMb2(image);
  if (offset < 0) {
    const at = scanMb2(image, false);
    if (at >= 0) add('error', 'BAD_CHECKSUM', at + 12, 'MULTIBOOT2_HEADER_MAGIC found, but the checksum does not make the sum 0', 'multiboot2_header', 'checksum');
    else add('error', 'NOT_FOUND', 0, `no MULTIBOOT2_HEADER_MAGIC at an 8-byte boundary in the first ${MULTIBOOT2_SEARCH} bytes`);
    return problems;
  }
  let header: Mb2Header;
  try {
    header = decodeMb2Header(image, offset);
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    const p: Problem = { severity: 'error', code: e.code, format: 'multiboot2', structure: e.structure, offset: e.offset, message: e.reason };
    if (e.field !== undefined) p.field = e.field;
    problems.push(p);
    return problems;
  }
  if (offset + header.headerLength > MULTIBOOT2_SEARCH) {
    add('error', 'TRUNCATED', offset + 8, `the header ends at ${offset + header.headerLength}, past the first ${MULTIBOOT2_SEARCH} bytes`, 'multiboot2_header', 'header_length');
  }
  if (header.architecture !== MULTIBOOT2_ARCHITECTURE_I386 && header.architecture !== MULTIBOOT2_ARCHITECTURE_MIPS32) {
    add('error', 'UNKNOWN_ARCHITECTURE', offset + 4, `architecture ${header.architecture} is not defined`, 'multiboot2_header', 'architecture');
  }
  const last = header.tags[header.tags.length - 1];
  if (last === undefined || last.kind !== 'end') add('error', 'NO_END_TAG', offset + 8, 'no end tag within header_length');
  else if (last.size !== 8) add('warning', 'BAD_END_TAG', offset, `the end tag's size is ${last.size}, not 8`, 'multiboot2_header_tag', 'size');
  let o = offset + 16;
  for (const t of header.tags) {
    const rel = o - offset;
    const want = MULTIBOOT2_HEADER_TAG_SIZES[t.type];
    if (want !== undefined && t.size !== want) add('warning', 'TAG_SIZE', rel, `${t.kind} tag has size ${t.size}, the specification gives ${want}`, 'multiboot2_header_tag', 'size');
    const optional = (t.flags & MULTIBOOT2_HEADER_TAG_OPTIONAL) !== 0;
    if (t.kind === 'unknown') {
      add(optional ? 'warning' : 'error', optional ? 'UNKNOWN_OPTIONAL_TAG' : 'UNKNOWN_REQUIRED_TAG', rel, `header tag type ${t.type} is not defined${optional ? '' : ' and not optional: a loader must refuse the image'}`, 'multiboot2_header_tag', 'type');
    }
    if (t.kind === 'information-request') {
      if ((t.size - 8) % 4 !== 0) add('warning', 'TAG_SIZE', rel, `information request of ${t.size} bytes is not 8 + 4n`, 'multiboot2_header_tag', 'size');
      for (const r of t.requests) if (r > 21) add('warning', 'UNKNOWN_REQUEST', rel, `requested information type ${r} is not defined${optional ? '' : ' (a loader may refuse a required request it cannot meet)'}`, 'multiboot2_header_tag', 'requests');
    }
    if (t.kind === 'relocatable') {
      if (t.minAddr > t.maxAddr) add('error', 'BAD_RELOCATABLE', rel, `min_addr 0x${t.minAddr.toString(16)} is above max_addr 0x${t.maxAddr.toString(16)}`, 'multiboot2_header_tag', 'min_addr');
      if (t.align !== 0 && (t.align & (t.align - 1)) !== 0) add('warning', 'BAD_RELOCATABLE', rel, `align ${t.align} is not a power of two`, 'multiboot2_header_tag', 'align');
      if (t.preference > 2) add('warning', 'BAD_RELOCATABLE', rel, `preference ${t.preference} is not 0, 1 or 2`, 'multiboot2_header_tag', 'preference');
    }
    if (t.kind === 'address') {
      if (t.loadAddr > t.headerAddr) add('error', 'BAD_ADDRESS_TAG', rel, 'load_addr is above header_addr', 'multiboot2_header_tag', 'load_addr');
      if (t.loadEndAddr !== 0 && t.loadEndAddr < t.loadAddr) add('error', 'BAD_ADDRESS_TAG', rel, 'load_end_addr is below load_addr', 'multiboot2_header_tag', 'load_end_addr');
      if (t.bssEndAddr !== 0 && t.loadEndAddr !== 0 && t.bssEndAddr < t.loadEndAddr) add('error', 'BAD_ADDRESS_TAG', rel, 'bss_end_addr is below load_end_addr', 'multiboot2_header_tag', 'bss_end_addr');
    }
    o += align8(t.size);
  }
  return problems;
}
