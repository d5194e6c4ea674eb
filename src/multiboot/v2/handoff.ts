/**
 * The Multiboot 2 handoff in guest-physical memory: reading the information
 * structure at `%ebx`, validating it, and the builder that lays it out (with
 * module contents) as a loader does.
 *
 * @module
 */
import {
  BootprotoError,
  toPhysAddr,
  type MemoryContext,
  type PhysAddr,
  type PhysicalMemory,
  type Problem,
  type Severity,
} from '../../core/index.js';
import {
  MB2_MAX_TAGS,
  MB2_TAG_FIXED_SIZES,
  MB2_TAG_KINDS,
  MB2_TAG_MIN_SIZES,
  MB2_TAG_TYPE_OF,
  MULTIBOOT2_MEMORY_AVAILABLE,
  MULTIBOOT2_MEMORY_TYPES,
  decodeMb2Info,
  decodeMb2Tag,
  encodeMb2Info,
  type Mb2ApmTag,
  type Mb2BasicMeminfoTag,
  type Mb2BootdevTag,
  type Mb2Color,
  type Mb2EfiMmapTag,
  type Mb2ElfSectionsTag,
  type Mb2FramebufferRgb,
  type Mb2Info,
  type Mb2MmapEntry,
  type Mb2SmbiosTag,
  type Mb2Tag,
  type Mb2VbeTag,
} from './info.js';
import { MULTIBOOT2_INFO_ALIGN } from './header.js';

/** The largest `total_size` read from memory (default bound: 16 MiB). */
export const MB2_MAX_INFO_SIZE = 16 << 20;

const ctx = (structure: string): MemoryContext => ({ format: 'multiboot2', structure });

/**
 * Reads the information structure at `paddr` through `memory` and decodes
 * it. Throws `LIMIT` when `total_size` exceeds `maxSize`, `UNMAPPED` when
 * the bytes are not backed, and the decoder's errors.
 */
export function readMb2Info(memory: PhysicalMemory, paddr: PhysAddr, maxSize = MB2_MAX_INFO_SIZE): Mb2Info {
  return decodeMb2Info(readMb2InfoBytes(memory, paddr, maxSize));
}

/** The `total_size` bytes of the information structure at `paddr` (bounded by `maxSize`). */
export function readMb2InfoBytes(memory: PhysicalMemory, paddr: PhysAddr, maxSize = MB2_MAX_INFO_SIZE): Uint8Array {
  const base = toPhysAddr(paddr, ctx('multiboot2_info'));
  const head = memory.read(base, 8, ctx('multiboot2_info'));
  const total = new DataView(head.buffer, head.byteOffset, 8).getUint32(0, true);
  if (total > maxSize) {
    throw new BootprotoError({ code: 'LIMIT', format: 'multiboot2', structure: 'multiboot2_info', field: 'total_size', offset: 0, paddr: base, reason: `total_size ${total} exceeds the bound of ${maxSize}` });
  }
  return memory.read(base, Math.max(total, 8), ctx('multiboot2_info'));
}

/** Options of the validators. */
export interface Mb2ValidateOptions {
  /** The kernel asked for module alignment (header tag 6): modules must start at 4 KiB boundaries. */
  moduleAlign?: boolean;
  /** Where the structure is in physical memory (for overlap checks and addresses in problems). */
  paddr?: bigint;
}

interface Span {
  label: string;
  start: bigint;
  end: bigint;
}

/**
 * Validates an information structure in `bytes` at `offset`; never throws on
 * bad input. Rules: `total_size` at least 16 (fixed part and end tag), a
 * multiple of 8 (warning `TOTAL_SIZE_UNALIGNED`) and within the bytes
 * (`TRUNCATED`); `reserved` 0 (warning `RESERVED_NONZERO`); each tag at least
 * 8 bytes (`TAG_TOO_SMALL`) and as big as its type needs, inside
 * `total_size` (`TAG_PAST_END`); an end tag of size 8 last
 * (`NO_END_TAG`; `BAD_END_TAG` warning; bytes after it `DATA_AFTER_END`,
 * warning); fixed-size tags of their size (`TAG_SIZE`, warning); at most one
 * of each single tag (`DUPLICATE_TAG`, warning); unknown types noted (`UNKNOWN_TAG`,
 * info); strings NUL-terminated (`UNTERMINATED`); the memory map's
 * `entry_size` at least 24 (`MMAP_ENTRY_SIZE_TOO_SMALL`) and a multiple of 8
 * (warning), `entry_version` 0 (warning), entries that fill the tag
 * (`MMAP_TRAILING`, warning), known types (`UNKNOWN_TYPE`, warning), no
 * wrap-around (`RANGE_OVERFLOW`) and no overlapping available ranges
 * (`MMAP_OVERLAP`, warning); modules with `mod_end` ≥ `mod_start`
 * (`MODULE_END_BEFORE_START`), not empty (warning), aligned when asked
 * (`MODULE_UNALIGNED`), not overlapping each other or the information
 * (`OVERLAP`); ELF sections that fit their tag (`ELF_SECTIONS_TRUNCATED`);
 * an EFI memory map descriptor size of at least 40 (`EFI_DESCRIPTOR_SIZE`).
 */
export function validateMb2InfoBytes(bytes: Uint8Array, offset = 0, options: Mb2ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const base = options.paddr;
  const add = (severity: Severity, code: string, o: number, message: string, structure = 'multiboot2_tag', field?: string): void => {
    const p: Problem = { severity, code, format: 'multiboot2', structure, offset: o, message };
    if (field !== undefined) p.field = field;
    if (base !== undefined) p.paddr = base + BigInt(o);
    problems.push(p);
  };
  if (!(Number.isInteger(offset) && offset >= 0 && bytes.length - offset >= 8)) {
    add('error', 'TRUNCATED', 0, 'the fixed part needs 8 bytes', 'multiboot2_info');
    return problems;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const total = dv.getUint32(0, true);
  if (base !== undefined && base % BigInt(MULTIBOOT2_INFO_ALIGN) !== 0n) add('warning', 'UNALIGNED', 0, `the information at 0x${base.toString(16)} is not 8-byte aligned`, 'multiboot2_info');
  if (dv.getUint32(4, true) !== 0) add('warning', 'RESERVED_NONZERO', 4, 'reserved is not 0', 'multiboot2_info', 'reserved');
  if (total < 16) add('error', 'TOTAL_SIZE_TOO_SMALL', 0, `total_size ${total} is below 16 (fixed part and end tag)`, 'multiboot2_info', 'total_size');
  else if (total % 8 !== 0) add('warning', 'TOTAL_SIZE_UNALIGNED', 0, `total_size ${total} is not a multiple of 8`, 'multiboot2_info', 'total_size');
  let end = total;
  if (total > bytes.length - offset) {
    add('error', 'TRUNCATED', 0, `total_size ${total} runs past the ${bytes.length - offset} bytes given`, 'multiboot2_info', 'total_size');
    end = bytes.length - offset;
  }
  const window = bytes.subarray(offset, offset + end);
  const seen = new Map<number, number>();
  const modules: Span[] = [];
  const ram: Span[] = [];
  let o = 8;
  let ended = false;
  let count = 0;
  while (o + 8 <= end) {
    if (count++ >= MB2_MAX_TAGS) {
      add('error', 'LIMIT', o, `more than ${MB2_MAX_TAGS} tags`);
      break;
    }
    const type = dv.getUint32(o, true);
    const size = dv.getUint32(o + 4, true);
    const kind = MB2_TAG_KINDS[type];
    if (size < 8) {
      add('error', 'TAG_TOO_SMALL', o, `tag type ${type} has size ${size}, below 8: the walk cannot go on`, 'multiboot2_tag', 'size');
      break;
    }
    if (size > end - o) {
      add('error', 'TAG_PAST_END', o, `tag type ${type} of ${size} bytes runs past total_size (${end - o} bytes left)`, 'multiboot2_tag', 'size');
      break;
    }
    const min = MB2_TAG_MIN_SIZES[type];
    if (kind === undefined) add('info', 'UNKNOWN_TAG', o, `tag type ${type} is not defined; kept raw`, 'multiboot2_tag', 'type');
    else if (min !== undefined && size < min) {
      add('error', 'TAG_TOO_SMALL', o, `${kind} tag of ${size} bytes, needs at least ${min}`, 'multiboot2_tag', 'size');
      o += (size + 7) & ~7;
      continue;
    } else {
      const fixed = MB2_TAG_FIXED_SIZES[type];
      if (fixed !== undefined && size !== fixed) add(type === 0 ? 'warning' : 'warning', type === 0 ? 'BAD_END_TAG' : 'TAG_SIZE', o, `${kind} tag has size ${size}, the specification gives ${fixed}`, 'multiboot2_tag', 'size');
      const n = (seen.get(type) ?? 0) + 1;
      seen.set(type, n);
      if (n === 2 && type !== 3 && type !== 16 && type !== 0) add('warning', 'DUPLICATE_TAG', o, `a second ${kind} tag`, 'multiboot2_tag', 'type');
    }
    if (type === 0) {
      ended = true;
      if (o + size < total && o + size < end) {
        const rest = window.subarray(((o + size + 7) & ~7), end);
        if (rest.length > 0) add('warning', 'DATA_AFTER_END', o, `${rest.length} bytes after the end tag within total_size`, 'multiboot2_info', 'total_size');
      }
      break;
    }
    let tag: Mb2Tag | undefined;
    try {
      tag = decodeMb2Tag(window, o);
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      const code = e.code === 'UNTERMINATED' ? 'UNTERMINATED' : e.field === 'entry_size' ? 'MMAP_ENTRY_SIZE_TOO_SMALL' : e.code;
      add('error', code, e.offset, e.reason, e.structure, e.field);
    }
    if (tag !== undefined) checkTag(tag, o, add, modules, ram, options);
    o += (size + 7) & ~7;
  }
  if (!ended) add('error', 'NO_END_TAG', 0, 'no end tag (type 0, size 8) within total_size', 'multiboot2_info');
  if (base !== undefined) {
    const info = { label: 'the information structure', start: base, end: base + BigInt(total) };
    for (const m of modules) if (m.start < info.end && info.start < m.end) add('error', 'OVERLAP', 0, `${m.label} overlaps the information structure`, 'multiboot2_tag (module)');
  }
  return problems;
}

function checkTag(
  tag: Mb2Tag,
  o: number,
  add: (severity: Severity, code: string, o: number, message: string, structure?: string, field?: string) => void,
  modules: Span[],
  ram: Span[],
  options: Mb2ValidateOptions,
): void {
  const s = `multiboot2_tag (${tag.kind})`;
  switch (tag.kind) {
    case 'mmap': {
      if (tag.entrySize % 8 !== 0) add('warning', 'MMAP_ENTRY_SIZE', o + 8, `entry_size ${tag.entrySize} is not a multiple of 8`, s, 'entry_size');
      if (tag.entryVersion !== 0) add('warning', 'MMAP_ENTRY_VERSION', o + 12, `entry_version ${tag.entryVersion} is not 0`, s, 'entry_version');
      if (tag.tail !== undefined) add('warning', 'MMAP_TRAILING', o, `${tag.tail.length} bytes after the last whole entry`, s, 'size');
      tag.entries.forEach((e, i) => {
        const at = o + 16 + i * tag.entrySize;
        if (MULTIBOOT2_MEMORY_TYPES[e.type] === undefined) add('warning', 'UNKNOWN_TYPE', at + 16, `entry ${i}: type ${e.type} is not defined (reserved)`, 'multiboot2_mmap_entry', 'type');
        if (e.addr + e.len > 1n << 64n) add('error', 'RANGE_OVERFLOW', at, `entry ${i} wraps past 2^64`, 'multiboot2_mmap_entry', 'len');
        else if (e.type === MULTIBOOT2_MEMORY_AVAILABLE && e.len > 0n) {
          const span = { label: `entry ${i}`, start: e.addr, end: e.addr + e.len };
          const clash = ram.find((r) => r.start < span.end && span.start < r.end);
          if (clash !== undefined) add('warning', 'MMAP_OVERLAP', at, `available entry ${i} overlaps available ${clash.label}`, 'multiboot2_mmap_entry');
          ram.push(span);
        }
      });
      break;
    }
    case 'module': {
      const i = modules.length;
      if (tag.modEnd < tag.modStart) add('error', 'MODULE_END_BEFORE_START', o + 12, `module ${i}: mod_end 0x${tag.modEnd.toString(16)} is below mod_start 0x${tag.modStart.toString(16)}`, s, 'mod_end');
      else if (tag.modEnd === tag.modStart) add('warning', 'EMPTY_MODULE', o + 12, `module ${i} is empty`, s, 'mod_end');
      else {
        const span = { label: `module ${i} [0x${tag.modStart.toString(16)}, 0x${tag.modEnd.toString(16)})`, start: BigInt(tag.modStart), end: BigInt(tag.modEnd) };
        for (const m of modules) if (m.start < span.end && span.start < m.end) add('error', 'OVERLAP', o, `${span.label} overlaps ${m.label}`, s);
        modules.push(span);
      }
      if (options.moduleAlign === true && tag.modStart % 4096 !== 0) add('error', 'MODULE_UNALIGNED', o + 8, `module ${i} at 0x${tag.modStart.toString(16)} is not page aligned`, s, 'mod_start');
      break;
    }
    case 'elf-sections':
      if (tag.num * tag.entsize > tag.sections.length) add('error', 'ELF_SECTIONS_TRUNCATED', o + 8, `${tag.num} × ${tag.entsize} bytes of section headers do not fit the tag's ${tag.sections.length}`, s, 'num');
      if (tag.num > 0 && tag.entsize !== 40 && tag.entsize !== 64) add('warning', 'ELF_ENTSIZE', o + 12, `entsize ${tag.entsize} is neither 40 (ELF32) nor 64 (ELF64)`, s, 'entsize');
      break;
    case 'efi-mmap':
      if (tag.descrSize < 40) add('error', 'EFI_DESCRIPTOR_SIZE', o + 8, `descriptor size ${tag.descrSize} is below 40`, s, 'descr_size');
      else if (tag.efiMmap.length % tag.descrSize !== 0) add('warning', 'EFI_MMAP_TRAILING', o, `the map's ${tag.efiMmap.length} bytes are not a whole number of ${tag.descrSize}-byte descriptors`, s, 'size');
      break;
    case 'framebuffer':
      if (tag.framebufferType > 2) add('warning', 'UNKNOWN_FRAMEBUFFER_TYPE', o + 29, `framebuffer_type ${tag.framebufferType} is not 0, 1 or 2`, s, 'framebuffer_type');
      break;
    case 'smbios':
      if (tag.reserved.some((b) => b !== 0)) add('warning', 'RESERVED_NONZERO', o + 10, 'reserved bytes are not 0', s, 'reserved');
      break;
    default:
      break;
  }
}

/**
 * Validates the information structure at `paddr` in `memory`: reads
 * `total_size` bytes (bounded) and applies {@link validateMb2InfoBytes} with
 * the address known, so alignment and overlaps with modules are checked too.
 */
export function validateMb2Info(memory: PhysicalMemory, paddr: PhysAddr, options: Omit<Mb2ValidateOptions, 'paddr'> = {}): Problem[] {
  let base: bigint;
  let bytes: Uint8Array;
  try {
    base = toPhysAddr(paddr, ctx('multiboot2_info'));
    bytes = readMb2InfoBytes(memory, base);
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    const p: Problem = { severity: 'error', code: e.code, format: 'multiboot2', structure: e.structure, offset: e.offset, message: e.reason };
    if (e.field !== undefined) p.field = e.field;
    if (e.paddr !== undefined) p.paddr = e.paddr;
    return [p];
  }
  return validateMb2InfoBytes(bytes, 0, { ...options, paddr: base });
}

// ---------------------------------------------------------------------------
// Builder

/** A module to hand over. */
export interface Mb2ModuleSpec {
  /** Physical address of its first byte (where `data` is written when given). */
  start: number;
  /** Exclusive end; defaults to `start + data.length`. */
  end?: number;
  /** The module's string (default empty). */
  string?: string;
  /** Contents, written at `start` when given. */
  data?: Uint8Array;
}

/** The fields of a tag type without its head (`kind`, `type`, `size`, `tail`, `padding`). */
export type Mb2TagFields<T extends Mb2Tag> = Omit<T, 'kind' | 'type' | 'size' | 'tail' | 'padding'>;

/** A framebuffer to describe (tag 8). */
export interface Mb2FramebufferSpec {
  /** Physical address of the framebuffer. */
  addr: bigint;
  /** Bytes per line. */
  pitch: number;
  /** Width in pixels (characters for EGA text). */
  width: number;
  /** Height. */
  height: number;
  /** Bits per pixel. */
  bpp: number;
  /** `MULTIBOOT2_FRAMEBUFFER_TYPE_*`. */
  type: number;
  /** Type 0: the palette. */
  palette?: readonly Mb2Color[];
  /** Type 1: field positions and mask sizes. */
  rgb?: Mb2FramebufferRgb;
}

/**
 * What a loader hands a Multiboot 2 kernel, as a plain description. Tags are
 * written in the order GRUB 2.06 writes them on a BIOS machine (load base,
 * command line, loader name, APM, modules, memory map, ELF sections, basic
 * meminfo, boot device, VBE, framebuffer), then the EFI, SMBIOS, ACPI, network
 * and EFI map tags, then `extraTags` as given.
 */
export interface Mb2InfoSpec {
  /** Image load base address (tag 21; a relocatable image). */
  loadBaseAddr?: number;
  /** Kernel command line (tag 1). */
  cmdline?: string;
  /** Boot loader name (tag 2). */
  bootLoaderName?: string;
  /** Modules (one tag 3 each). */
  modules?: readonly Mb2ModuleSpec[];
  /** Basic memory information in KiB (tag 4). */
  basicMeminfo?: Mb2TagFields<Mb2BasicMeminfoTag>;
  /** BIOS boot device (tag 5). */
  bootdev?: Mb2TagFields<Mb2BootdevTag>;
  /** Memory map (tag 6; `entry_size` 24, version 0). */
  mmap?: readonly Pick<Mb2MmapEntry, 'addr' | 'len' | 'type'>[];
  /** ELF section headers (tag 9). */
  elfSections?: Mb2TagFields<Mb2ElfSectionsTag>;
  /** Framebuffer (tag 8). */
  framebuffer?: Mb2FramebufferSpec;
  /** VBE (tag 7): 512 and 256 bytes of control and mode information. */
  vbe?: Mb2TagFields<Mb2VbeTag>;
  /** APM table (tag 10). */
  apm?: Mb2TagFields<Mb2ApmTag>;
  /** EFI 32-bit system table pointer (tag 11). */
  efi32?: number;
  /** EFI 64-bit system table pointer (tag 12). */
  efi64?: bigint;
  /** SMBIOS tables and version (tag 13). */
  smbios?: Omit<Mb2TagFields<Mb2SmbiosTag>, 'reserved'>;
  /** Copy of the ACPI 1.0 RSDP (tag 14). */
  acpiOld?: Uint8Array;
  /** Copy of the ACPI 2.0+ RSDP (tag 15). */
  acpiNew?: Uint8Array;
  /** DHCP ACK packets, one tag 16 each. */
  network?: readonly Uint8Array[];
  /** EFI memory map (tag 17): its descriptor size and version and the raw map. */
  efiMmap?: Mb2TagFields<Mb2EfiMmapTag>;
  /** Boot services were not exited (tag 18). */
  efiBs?: boolean;
  /** EFI 32-bit image handle (tag 19). */
  efi32Ih?: number;
  /** EFI 64-bit image handle (tag 20). */
  efi64Ih?: bigint;
  /** More tags, written last (before the end tag). */
  extraTags?: readonly Mb2Tag[];
}

const t = <K extends Exclude<Mb2Tag['kind'], 'unknown'>>(kind: K): { kind: K; type: number; size: number } => ({ kind, type: MB2_TAG_TYPE_OF[kind], size: 0 });

/** The tags a description stands for, in the order they are written. */
export function mb2TagsFromSpec(spec: Mb2InfoSpec): Mb2Tag[] {
  const tags: Mb2Tag[] = [];
  if (spec.loadBaseAddr !== undefined) tags.push({ ...t('load-base-addr'), loadBaseAddr: spec.loadBaseAddr });
  if (spec.cmdline !== undefined) tags.push({ ...t('cmdline'), string: spec.cmdline });
  if (spec.bootLoaderName !== undefined) tags.push({ ...t('boot-loader-name'), string: spec.bootLoaderName });
  if (spec.apm !== undefined) tags.push({ ...t('apm'), ...spec.apm });
  for (const m of spec.modules ?? []) tags.push({ ...t('module'), modStart: m.start, modEnd: m.end ?? m.start + (m.data?.length ?? 0), string: m.string ?? '' });
  if (spec.mmap !== undefined) tags.push({ ...t('mmap'), entrySize: 24, entryVersion: 0, entries: spec.mmap.map((e) => ({ addr: e.addr, len: e.len, type: e.type, zero: 0 })) });
  if (spec.elfSections !== undefined) tags.push({ ...t('elf-sections'), ...spec.elfSections });
  if (spec.basicMeminfo !== undefined) tags.push({ ...t('basic-meminfo'), ...spec.basicMeminfo });
  if (spec.bootdev !== undefined) tags.push({ ...t('bootdev'), ...spec.bootdev });
  if (spec.vbe !== undefined) tags.push({ ...t('vbe'), ...spec.vbe });
  if (spec.framebuffer !== undefined) {
    const f = spec.framebuffer;
    const tag: Mb2Tag = {
      ...t('framebuffer'),
      framebufferAddr: f.addr,
      framebufferPitch: f.pitch,
      framebufferWidth: f.width,
      framebufferHeight: f.height,
      framebufferBpp: f.bpp,
      framebufferType: f.type,
      reserved: 0,
    };
    if (f.type === 0) tag.palette = [...(f.palette ?? [])];
    else if (f.type === 1 && f.rgb !== undefined) tag.rgb = f.rgb;
    tags.push(tag);
  }
  if (spec.efi32 !== undefined) tags.push({ ...t('efi32'), pointer: spec.efi32 });
  if (spec.efi64 !== undefined) tags.push({ ...t('efi64'), pointer: spec.efi64 });
  if (spec.smbios !== undefined) tags.push({ ...t('smbios'), major: spec.smbios.major, minor: spec.smbios.minor, reserved: new Uint8Array(6), tables: spec.smbios.tables });
  if (spec.acpiOld !== undefined) tags.push({ ...t('acpi-old'), rsdp: spec.acpiOld });
  if (spec.acpiNew !== undefined) tags.push({ ...t('acpi-new'), rsdp: spec.acpiNew });
  for (const d of spec.network ?? []) tags.push({ ...t('network'), dhcpack: d });
  if (spec.efiMmap !== undefined) tags.push({ ...t('efi-mmap'), ...spec.efiMmap });
  if (spec.efiBs === true) tags.push(t('efi-bs'));
  if (spec.efi32Ih !== undefined) tags.push({ ...t('efi32-ih'), pointer: spec.efi32Ih });
  if (spec.efi64Ih !== undefined) tags.push({ ...t('efi64-ih'), pointer: spec.efi64Ih });
  tags.push(...(spec.extraTags ?? []));
  return tags;
}

/** What {@link buildMb2Info} wrote. */
export interface BuiltMb2Info {
  /** Address of the information (the value for `%ebx`). */
  infoPaddr: bigint;
  /** `total_size`. */
  totalSize: number;
  /** Every piece written: `multiboot2_info`, then `mod<i>-data` for modules with contents. */
  regions: Mb2WrittenRegion[];
}

/** One piece {@link buildMb2Info} wrote. */
export interface Mb2WrittenRegion {
  /** `multiboot2_info` or `mod<i>-data`. */
  label: string;
  /** Physical address. */
  paddr: bigint;
  /** Length in bytes. */
  length: number;
}

/**
 * Lays out a Multiboot 2 information structure at `paddr` (8-byte aligned,
 * else `BAD_ALIGNMENT`) in `memory`, with module contents at their
 * addresses. Writes nothing and throws `BAD_VALUE` when a module would
 * overlap the information or another module.
 */
export function buildMb2Info(memory: PhysicalMemory, spec: Mb2InfoSpec, paddr: PhysAddr): BuiltMb2Info {
  const base = toPhysAddr(paddr, ctx('multiboot2_info'));
  if (base % 8n !== 0n) {
    throw new BootprotoError({ code: 'BAD_ALIGNMENT', format: 'multiboot2', structure: 'multiboot2_info', offset: 0, paddr: base, reason: 'the information must start 8-byte aligned (MULTIBOOT2_INFO_ALIGN)' });
  }
  const bytes = encodeMb2Info({ tags: mb2TagsFromSpec(spec) });
  const pieces: { label: string; paddr: bigint; bytes: Uint8Array }[] = [{ label: 'multiboot2_info', paddr: base, bytes }];
  (spec.modules ?? []).forEach((m, i) => {
    if (m.data === undefined) return;
    const start = BigInt(m.start);
    const end = start + BigInt(m.data.length);
    const clash = pieces.find((p) => start < p.paddr + BigInt(p.bytes.length) && p.paddr < end);
    if (clash !== undefined && m.data.length > 0) {
      throw new BootprotoError({ code: 'BAD_VALUE', format: 'multiboot2', structure: 'multiboot2_tag (module)', offset: 0, paddr: start, reason: `module ${i} would overlap ${clash.label}` });
    }
    pieces.push({ label: `mod${i}-data`, paddr: start, bytes: m.data });
  });
  for (const p of pieces) memory.write(p.paddr, p.bytes, ctx('multiboot2_info'));
  return { infoPaddr: base, totalSize: bytes.length, regions: pieces.map((p) => ({ label: p.label, paddr: p.paddr, length: p.bytes.length })) };
}
