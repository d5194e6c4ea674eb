/**
 * Conformance of a Multiboot loader's handoff: the register values and the
 * boot information a loader left, checked against the Multiboot 1 and
 * Multiboot 2 specifications (and, with the kernel image, against what the
 * image's header asked for). Each problem names the rule it comes from.
 *
 * @module
 */
import { BootprotoError, type PhysAddr, type PhysicalMemory, type Problem, type Severity } from '../core/index.js';
import { decodeMb1Handoff } from './v1/handoff.js';
import { MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_MEMORY_INFO, MULTIBOOT_PAGE_ALIGN, MULTIBOOT_VIDEO_MODE, findMb1Header } from './v1/header.js';
import { MULTIBOOT_INFO_FRAMEBUFFER_INFO, MULTIBOOT_INFO_MEMORY, MULTIBOOT_INFO_VBE_INFO } from './v1/info.js';
import { validateMb1Handoff, type Mb1ValidateOptions } from './v1/validate.js';
import { readMb2Info, validateMb2Info } from './v2/handoff.js';
import { MULTIBOOT2_BOOTLOADER_MAGIC, MULTIBOOT2_HEADER_TAG_OPTIONAL, findMb2Header } from './v2/header.js';
import { MULTIBOOT2_TAG_TYPES } from './v2/info.js';

const MB1 = 'Multiboot 0.6.96';
const MB2 = 'Multiboot2 2.0';

const MB1_RULES: Readonly<Record<string, string>> = {
  UNALIGNED: `${MB1} §3.3 "Boot information format" (GRUB multiboot.h MULTIBOOT_INFO_ALIGN: 4 bytes)`,
  UNKNOWN_FLAGS: `${MB1} §3.3 "Boot information format": flags bits above 12 are reserved`,
  SYMS_CONFLICT: `${MB1} §3.3 "Boot information format": flags bits 4 and 5 are mutually exclusive`,
  MEM_LOWER_TOO_BIG: `${MB1} §3.3 "Boot information format": mem_lower is at most 640 KiB`,
  MODULE_END_BEFORE_START: `${MB1} §3.3 "Boot information format": mod_start and mod_end bound the module`,
  EMPTY_MODULE: `${MB1} §3.3 "Boot information format": mod_start and mod_end bound the module`,
  MODULE_UNALIGNED: `${MB1} §3.1.2 "The magic fields of Multiboot header": flags bit 0 asks for modules on 4 KiB boundaries`,
  RESERVED_NONZERO: `${MB1} §3.3 "Boot information format": the module entry's reserved field is 0`,
  OVERLAP: `${MB1} §3.3 "Boot information format": the loader's structures and modules are distinct objects`,
  MMAP_ENTRY_TOO_SMALL: `${MB1} §3.3 "Boot information format": each mmap entry's size covers base_addr, length and type`,
  MMAP_TRUNCATED: `${MB1} §3.3 "Boot information format": mmap_length is the size of the buffer of entries`,
  UNKNOWN_TYPE: `${MB1} §3.3 "Boot information format": memory types 1, 3, 4, 5; other values reserved`,
  RANGE_OVERFLOW: `${MB1} §3.3 "Boot information format": base_addr + length within the 64-bit address space`,
  MMAP_OVERLAP: `${MB1} §3.3 "Boot information format": the map describes each range once`,
  BAD_DRIVE: `${MB1} §3.3 "Boot information format": drive structures of their size within drives_length`,
  UNKNOWN_FRAMEBUFFER_TYPE: `${MB1} §3.3 "Boot information format": framebuffer_type 0, 1 or 2`,
  COLOR_INFO_AT_112: `${MB1} §3.3 "Boot information format": colour information at offset 110`,
  UNTERMINATED: `${MB1} §3.3 "Boot information format": strings are zero-terminated`,
  NOT_UTF8: `${MB1} §3.3 "Boot information format": strings are zero-terminated`,
  UNMAPPED: `${MB1} §3.3 "Boot information format": a field whose flag is set holds a valid physical address`,
  TRUNCATED: `${MB1} §3.3 "Boot information format": a field whose flag is set holds a valid physical address`,
  MISSING_ADDRESS: `${MB1} §3.3 "Boot information format": a field whose flag is set holds a valid physical address`,
  LIMIT: 'bootproto Mb1Limits: counts bounded so that a lying count cannot exhaust the reader',
};

const MB2_INFO = `${MB2} §3.6.1 "Boot information format"`;
const MB2_TAGS = `${MB2} §3.6.2 "Basic tags structure"`;
const MB2_MMAP = `${MB2} §3.6.8 "Memory map"`;
const MB2_MODS = `${MB2} §3.6.6 "Modules"`;
const MB2_RULES: Readonly<Record<string, string>> = {
  UNALIGNED: `${MB2_INFO}: the information is 8-byte aligned`,
  TOTAL_SIZE_TOO_SMALL: `${MB2_INFO}: total_size covers the fixed part and the end tag`,
  TOTAL_SIZE_UNALIGNED: `${MB2_TAGS}: tags are padded to 8 bytes`,
  TRUNCATED: `${MB2_INFO}: total_size is the size of the whole information`,
  RESERVED_NONZERO: `${MB2_INFO}: reserved is 0`,
  TAG_TOO_SMALL: `${MB2_TAGS}: each tag begins with type and size`,
  TAG_PAST_END: `${MB2_TAGS}: tags lie within total_size`,
  NO_END_TAG: `${MB2_TAGS}: tags end with a tag of type 0 and size 8`,
  BAD_END_TAG: `${MB2_TAGS}: tags end with a tag of type 0 and size 8`,
  DATA_AFTER_END: `${MB2_TAGS}: the end tag is last`,
  TAG_SIZE: `${MB2_TAGS}: a tag of fixed layout has its size`,
  DUPLICATE_TAG: `${MB2_TAGS}: one tag of this type`,
  UNTERMINATED: `${MB2} §3.6.5 "Boot command line", §3.6.6 "Modules", §3.6.9 "Boot loader name": zero-terminated UTF-8 strings`,
  MMAP_ENTRY_SIZE_TOO_SMALL: `${MB2_MMAP}: entry_size is a multiple of 8 and covers an entry`,
  MMAP_ENTRY_SIZE: `${MB2_MMAP}: entry_size is a multiple of 8`,
  MMAP_ENTRY_VERSION: `${MB2_MMAP}: entry_version is 0`,
  MMAP_TRAILING: `${MB2_MMAP}: entries fill the tag`,
  UNKNOWN_TYPE: `${MB2_MMAP}: types 1, 3, 4, 5; other values reserved`,
  RANGE_OVERFLOW: `${MB2_MMAP}: base_addr + length within the 64-bit address space`,
  MMAP_OVERLAP: `${MB2_MMAP}: available ranges do not overlap`,
  MODULE_END_BEFORE_START: `${MB2_MODS}: mod_start and mod_end bound the module`,
  EMPTY_MODULE: `${MB2_MODS}: mod_start and mod_end bound the module`,
  MODULE_UNALIGNED: `${MB2} §3.1.11 "Module alignment tag": modules page aligned when the header asks`,
  OVERLAP: `${MB2_MODS}: the information and the modules are distinct objects`,
  ELF_SECTIONS_TRUNCATED: `${MB2} §3.6.7 "ELF-Symbols": the section headers fit the tag`,
  ELF_ENTSIZE: `${MB2} §3.6.7 "ELF-Symbols": entsize is a section header's size`,
  EFI_DESCRIPTOR_SIZE: `${MB2} §3.6.19 "EFI memory map": descriptors as GetMemoryMap() returns them (UEFI §7.2: at least 40 bytes)`,
  EFI_MMAP_TRAILING: `${MB2} §3.6.19 "EFI memory map": whole descriptors`,
  UNKNOWN_FRAMEBUFFER_TYPE: `${MB2} §3.6.12 "Framebuffer info": framebuffer_type 0, 1 or 2`,
  UNKNOWN_TAG: MB2_TAGS,
  LIMIT: 'bootproto: counts bounded so that a lying count cannot exhaust the reader',
};

function named(list: readonly Problem[], rules: Readonly<Record<string, string>>, fallback: string): Problem[] {
  return list.map((p) => ({ ...p, rule: p.rule ?? rules[p.code] ?? fallback }));
}

function push(out: Problem[], format: 'multiboot1' | 'multiboot2', severity: Severity, code: string, structure: string, field: string | undefined, message: string, rule: string): void {
  const p: Problem = { severity, code, format, structure, offset: 0, message, rule };
  if (field !== undefined) p.field = field;
  out.push(p);
}

/** What a Multiboot conformance check takes besides the memory and `%ebx`. */
export interface CheckMultibootHandoffOptions {
  /** `%eax` at the kernel's entry: checked against the bootloader magic. */
  eax?: number;
  /** The kernel image: the requests of its Multiboot header are checked against what the loader gave. */
  image?: Uint8Array;
}

/** Options of {@link checkMb1Handoff}. */
export interface CheckMb1HandoffOptions extends CheckMultibootHandoffOptions, Omit<Mb1ValidateOptions, 'pageAlign'> {}

/**
 * Checks a Multiboot 1 handoff: `%eax` holds 0x2BADB002 (§3.2 "Machine
 * state"); everything `validateMb1Handoff` checks (§3.3), each problem
 * given its rule; and, with the image, what its header's flags asked for
 * (§3.1.2): modules page aligned (bit 0), `mem_*` given (bit 1), video
 * information given (bit 2). Never throws on bad input.
 */
export function checkMb1Handoff(memory: PhysicalMemory, infoPaddr: PhysAddr, options: CheckMb1HandoffOptions = {}): Problem[] {
  const out: Problem[] = [];
  if (options.eax !== undefined && options.eax >>> 0 !== MULTIBOOT_BOOTLOADER_MAGIC) {
    push(out, 'multiboot1', 'error', 'BAD_EAX', 'machine_state', 'eax', `%eax is 0x${(options.eax >>> 0).toString(16)}, not 0x2badb002`, `${MB1} §3.2 "Machine state": EAX holds the magic value 0x2BADB002`);
  }
  let headerFlags = 0;
  if (options.image !== undefined) {
    try {
      const found = findMb1Header(options.image);
      if (found === undefined) push(out, 'multiboot1', 'error', 'NO_HEADER', 'multiboot_header', undefined, 'the kernel image has no Multiboot header in its first 8 KiB', `${MB1} §3.1.1 "The layout of Multiboot header": the header lies within the first 8192 bytes, 32-bit aligned`);
      else headerFlags = found.header.flags;
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      push(out, 'multiboot1', 'error', 'NO_HEADER', 'multiboot_header', e.field, `the kernel's Multiboot header cannot be read: ${e.reason}`, `${MB1} §3.1.1 "The layout of Multiboot header"`);
    }
  }
  out.push(...named(validateMb1Handoff(memory, infoPaddr, { ...options, pageAlign: (headerFlags & MULTIBOOT_PAGE_ALIGN) !== 0 }), MB1_RULES, `${MB1} §3.3 "Boot information format"`));
  if (headerFlags !== 0) {
    let flags: number | undefined;
    try {
      flags = decodeMb1Handoff(memory, infoPaddr, options).info.flags;
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
    }
    if (flags !== undefined) {
      if ((headerFlags & MULTIBOOT_MEMORY_INFO) !== 0 && (flags & MULTIBOOT_INFO_MEMORY) === 0) {
        push(out, 'multiboot1', 'error', 'MEMORY_INFO_MISSING', 'multiboot_info', 'flags', 'the kernel set header flag bit 1 but the information has no mem_lower/mem_upper (flags bit 0 clear)', `${MB1} §3.1.2 "The magic fields of Multiboot header": with bit 1, at least the mem_* fields must be given`);
      }
      if ((headerFlags & MULTIBOOT_VIDEO_MODE) !== 0 && (flags & (MULTIBOOT_INFO_VBE_INFO | MULTIBOOT_INFO_FRAMEBUFFER_INFO)) === 0) {
        push(out, 'multiboot1', 'error', 'VIDEO_INFO_MISSING', 'multiboot_info', 'flags', 'the kernel set header flag bit 2 but the information has neither VBE (bit 11) nor framebuffer (bit 12) information', `${MB1} §3.1.2 "The magic fields of Multiboot header": with bit 2, information about the video mode must be available`);
      }
    }
  }
  return out;
}

/** Options of {@link checkMb2Handoff}. */
export type CheckMb2HandoffOptions = CheckMultibootHandoffOptions;

/**
 * Checks a Multiboot 2 handoff: `%eax` holds 0x36D76289 (§3.3 "I386
 * machine state"); everything `validateMb2Info` checks (§3.6), each problem given its
 * rule; and, with the image, what its header's tags asked for: each type a
 * required (not optional) information request names is present (§3.1.4
 * "Multiboot2 information request"), modules page aligned when it carries a
 * module alignment tag (§3.1.11). Never throws on bad input.
 */
export function checkMb2Handoff(memory: PhysicalMemory, infoPaddr: PhysAddr, options: CheckMb2HandoffOptions = {}): Problem[] {
  const out: Problem[] = [];
  if (options.eax !== undefined && options.eax >>> 0 !== MULTIBOOT2_BOOTLOADER_MAGIC) {
    push(out, 'multiboot2', 'error', 'BAD_EAX', 'machine_state', 'eax', `%eax is 0x${(options.eax >>> 0).toString(16)}, not 0x36d76289`, `${MB2} §3.3 "I386 machine state": EAX holds the magic value 0x36d76289`);
  }
  let required: number[] = [];
  let moduleAlign = false;
  if (options.image !== undefined) {
    try {
      const found = findMb2Header(options.image);
      if (found === undefined) push(out, 'multiboot2', 'error', 'NO_HEADER', 'multiboot_header', undefined, 'the kernel image has no Multiboot2 header in its first 32 KiB', `${MB2} §3.1.1 "The layout of Multiboot2 header": the header lies within the first 32768 bytes, 64-bit aligned`);
      else {
        for (const t of found.header.tags) {
          if (t.kind === 'information-request' && (t.flags & MULTIBOOT2_HEADER_TAG_OPTIONAL) === 0) required = [...required, ...t.requests];
          if (t.kind === 'module-align') moduleAlign = true;
        }
      }
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      push(out, 'multiboot2', 'error', 'NO_HEADER', 'multiboot_header', e.field, `the kernel's Multiboot2 header cannot be read: ${e.reason}`, `${MB2} §3.1.1 "The layout of Multiboot2 header"`);
    }
  }
  out.push(...named(validateMb2Info(memory, infoPaddr, { moduleAlign }), MB2_RULES, MB2_INFO));
  if (required.length > 0) {
    let types: Set<number> | undefined;
    try {
      types = new Set(readMb2Info(memory, infoPaddr).tags.map((t) => t.type));
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
    }
    if (types !== undefined) {
      for (const r of new Set(required)) {
        if (r === 0 || types.has(r)) continue;
        push(out, 'multiboot2', 'error', 'REQUESTED_TAG_MISSING', 'multiboot2_info', undefined, `the kernel requires tag ${r} (${MULTIBOOT2_TAG_TYPES[r] ?? 'unknown'}) and the information has none`, `${MB2} §3.1.4 "Multiboot2 information request": a loader that cannot give a required tag must fail, not boot`);
      }
    }
  }
  return out;
}
