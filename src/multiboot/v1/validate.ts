/**
 * Validation of a Multiboot 1 handoff: every problem found, never an
 * exception on bad input.
 *
 * Rules (Multiboot Specification 0.6.96, section 3.3, and GRUB's `multiboot.h`):
 * - the structure is 4-byte aligned (`MULTIBOOT_INFO_ALIGN`; warning `UNALIGNED`);
 * - flags above bit 12 are not defined (warning `UNKNOWN_FLAGS`); bits 4 and
 *   5 are mutually exclusive (error `SYMS_CONFLICT`);
 * - every pointer whose flag is set is backed by memory (error `UNMAPPED`),
 *   strings end within their bound (error `UNTERMINATED`) and are UTF-8
 *   (warning `NOT_UTF8`), counts stay within {@link Mb1Limits} (error `LIMIT`);
 * - `mem_lower` is at most 640 KiB (warning `MEM_LOWER_TOO_BIG`);
 * - modules: `mod_end` is not below `mod_start` (error `MODULE_END_BEFORE_START`),
 *   not empty (warning `EMPTY_MODULE`), page aligned when the kernel asked
 *   (`pageAlign` option; error `MODULE_UNALIGNED`), padding 0 (warning
 *   `RESERVED_NONZERO`), and no overlap with each other or with any handoff
 *   structure (error `OVERLAP`); handoff structures do not overlap each other;
 * - memory map: each entry's `size` is at least 20 (error `MMAP_ENTRY_TOO_SMALL`),
 *   entries fit `mmap_length` exactly (error `MMAP_TRUNCATED`), types are
 *   known (warning `UNKNOWN_TYPE`), ranges do not wrap (error `RANGE_OVERFLOW`)
 *   and available ranges do not overlap (warning `MMAP_OVERLAP`);
 * - drives: `size` at least 10 and within `drives_length` (error `BAD_DRIVE`);
 * - framebuffer type 0–2 (warning `UNKNOWN_FRAMEBUFFER_TYPE`); RGB colour
 *   information at offset 112 instead of 110, as GRUB 2.06 writes it
 *   (warning `COLOR_INFO_AT_112`).
 *
 * @module
 */
import {
  BootprotoError,
  problemFromError,
  readPhysCString,
  toPhysAddr,
  type PhysAddr,
  type PhysicalMemory,
  type Problem,
  type Severity,
  ProblemCollector,
} from '../../core/index.js';
import { MB1_LIMITS, decodeMb1Drives, mb1ColorInfoOffset, readMb1Info, type Mb1Limits } from './handoff.js';
import {
  MULTIBOOT_FRAMEBUFFER_TYPES,
  MULTIBOOT_INFO_AOUT_SYMS,
  MULTIBOOT_INFO_BOOT_LOADER_NAME,
  MULTIBOOT_INFO_CMDLINE,
  MULTIBOOT_INFO_DRIVE_INFO,
  MULTIBOOT_INFO_ELF_SHDR,
  MULTIBOOT_INFO_FLAGS,
  MULTIBOOT_INFO_FRAMEBUFFER_INFO,
  MULTIBOOT_INFO_MEMORY,
  MULTIBOOT_INFO_MEM_MAP,
  MULTIBOOT_INFO_MODS,
  MULTIBOOT_MEMORY_AVAILABLE,
  MULTIBOOT_MEMORY_TYPES,
  MULTIBOOT_MOD_LIST,
  decodeMb1MmapEntry,
  decodeMb1Module,
  mb1InfoSize,
  type Mb1Info,
} from './info.js';

/** Options of {@link validateMb1Handoff}. */
export interface Mb1ValidateOptions extends Mb1Limits {
  /** The kernel's header asked for `MULTIBOOT_PAGE_ALIGN`: modules must start at 4 KiB boundaries. */
  pageAlign?: boolean;
}

const KNOWN_FLAGS = Object.values(MULTIBOOT_INFO_FLAGS).reduce((a, b) => a | b, 0);

interface Span {
  label: string;
  start: bigint;
  end: bigint;
}

/** This module's problems. */
class Collector extends ProblemCollector {
  constructor() {
    super('multiboot1');
  }
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Validates the handoff whose `multiboot_info` is at `infoPaddr`, following
 * every pointer whose flag is set. Returns every problem found; never throws
 * on bad input.
 */
export function validateMb1Handoff(memory: PhysicalMemory, infoPaddr: PhysAddr, options: Mb1ValidateOptions = {}): Problem[] {
  const c = new Collector();
  const max = { ...MB1_LIMITS, ...options };
  const base = c.attempt(() => toPhysAddr(infoPaddr, { format: 'multiboot1', structure: 'multiboot_info' }));
  if (base === undefined) return c.problems;
  const info = c.attempt(() => readMb1Info(memory, base));
  if (info === undefined) return c.problems;
  const f = info.flags;
  const spans: Span[] = [{ label: 'multiboot_info', start: base, end: base + BigInt(mb1InfoSize(f)) }];
  const at = (o: number): bigint => base + BigInt(o);

  if (base % 4n !== 0n) c.add('warning', 'UNALIGNED', 'multiboot_info', undefined, 0, `multiboot_info at 0x${base.toString(16)} is not 4-byte aligned`, base);
  const unknown = (f & ~KNOWN_FLAGS) >>> 0;
  if (unknown !== 0) c.add('warning', 'UNKNOWN_FLAGS', 'multiboot_info', 'flags', 0, `undefined flag bits 0x${unknown.toString(16)}`, base);
  if (f & MULTIBOOT_INFO_AOUT_SYMS && f & MULTIBOOT_INFO_ELF_SHDR) {
    c.add('error', 'SYMS_CONFLICT', 'multiboot_info', 'flags', 0, 'MULTIBOOT_INFO_AOUT_SYMS and MULTIBOOT_INFO_ELF_SHDR are mutually exclusive', base);
  }
  if (f & MULTIBOOT_INFO_MEMORY && (info.memLower ?? 0) > 640) {
    c.add('warning', 'MEM_LOWER_TOO_BIG', 'multiboot_info', 'mem_lower', 4, `mem_lower ${info.memLower} KiB is above 640`, at(4));
  }

  const string = (addr: number, structure: string, field: string, offset: number, label: string): void => {
    const s = c.attempt(() => readPhysCString(memory, addr, max.maxString, { format: 'multiboot1', structure, field }));
    if (s === undefined) return;
    spans.push({ label, start: BigInt(addr), end: BigInt(addr) + BigInt(s.bytes.length + 1) });
    if (!s.validUtf8) c.add('warning', 'NOT_UTF8', structure, field, offset, `${label} is not valid UTF-8`, BigInt(addr));
  };
  if (f & MULTIBOOT_INFO_CMDLINE) string(info.cmdline ?? 0, 'multiboot_info', 'cmdline', 16, 'cmdline');
  if (f & MULTIBOOT_INFO_BOOT_LOADER_NAME) string(info.bootLoaderName ?? 0, 'multiboot_info', 'boot_loader_name', 64, 'boot_loader_name');

  const modules: Span[] = [];
  if (f & MULTIBOOT_INFO_MODS) checkModules(c, memory, info, max, options.pageAlign === true, spans, modules, string, at);
  if (f & MULTIBOOT_INFO_MEM_MAP) checkMmap(c, memory, info, max.maxMmapEntries, spans, at);
  if (f & MULTIBOOT_INFO_DRIVE_INFO) {
    const buf = c.attempt(() => memory.read(info.drivesAddr ?? 0, info.drivesLength ?? 0, { format: 'multiboot1', structure: 'multiboot_drive' }));
    if (buf !== undefined) {
      spans.push({ label: 'drives', start: BigInt(info.drivesAddr ?? 0), end: BigInt(info.drivesAddr ?? 0) + BigInt(buf.length) });
      try {
        decodeMb1Drives(buf, max.maxDrives);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        c.add('error', e.code === 'LIMIT' ? 'LIMIT' : 'BAD_DRIVE', 'multiboot_drive', e.field, e.offset, e.reason, BigInt(info.drivesAddr ?? 0) + BigInt(e.offset));
      }
    }
  }
  if (f & MULTIBOOT_INFO_FRAMEBUFFER_INFO && MULTIBOOT_FRAMEBUFFER_TYPES[info.framebufferType ?? 0] === undefined) {
    c.add('warning', 'UNKNOWN_FRAMEBUFFER_TYPE', 'multiboot_info', 'framebuffer_type', 109, `framebuffer_type ${info.framebufferType} is not 0, 1 or 2`, at(109));
  }
  if (f & MULTIBOOT_INFO_FRAMEBUFFER_INFO && info.framebufferType === 1 && c.attempt(() => mb1ColorInfoOffset(memory, base)) === 112) {
    c.add('warning', 'COLOR_INFO_AT_112', 'multiboot_info', 'color_info', 110, 'the RGB fields are at offset 112, not 110: laid out as GRUB 2.06 does (an aligned union), not as the specification says', at(110));
  }

  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i] as Span;
      const b = spans[j] as Span;
      if (a.start === a.end || b.start === b.end || !overlaps(a, b)) continue;
      c.add('error', 'OVERLAP', 'multiboot_info', undefined, 0, `${a.label} [0x${a.start.toString(16)}, 0x${a.end.toString(16)}) overlaps ${b.label} [0x${b.start.toString(16)}, 0x${b.end.toString(16)})`, b.start);
    }
  }
  for (const m of modules) {
    for (const s of spans) {
      if (m.start !== m.end && s.start !== s.end && overlaps(m, s)) {
        c.add('error', 'OVERLAP', 'multiboot_mod_list', undefined, 0, `${m.label} [0x${m.start.toString(16)}, 0x${m.end.toString(16)}) overlaps ${s.label}`, m.start);
      }
    }
  }
  return c.problems;
}

function checkModules(
  c: Collector,
  memory: PhysicalMemory,
  info: Mb1Info,
  max: Required<Mb1Limits>,
  pageAlign: boolean,
  spans: Span[],
  modules: Span[],
  string: (addr: number, structure: string, field: string, offset: number, label: string) => void,
  at: (o: number) => bigint,
): void {
  const count = info.modsCount ?? 0;
  if (count > max.maxModules) {
    c.add('error', 'LIMIT', 'multiboot_info', 'mods_count', 20, `${count} modules exceed the bound of ${max.maxModules}`, at(20));
    return;
  }
  if (count === 0) return;
  if ((info.modsAddr ?? 0) === 0) {
    c.add('error', 'MISSING_ADDRESS', 'multiboot_info', 'mods_addr', 24, `mods_count is ${count} but mods_addr is 0`, at(24));
    return;
  }
  const list = c.attempt(() => memory.read(info.modsAddr ?? 0, count * 16, { format: 'multiboot1', structure: 'multiboot_mod_list' }));
  if (list === undefined) return;
  const listStart = BigInt(info.modsAddr ?? 0);
  spans.push({ label: 'mods', start: listStart, end: listStart + BigInt(list.length) });
  for (let i = 0; i < count; i++) {
    const m = decodeMb1Module(list, i * MULTIBOOT_MOD_LIST.size);
    const where = listStart + BigInt(i * 16);
    if (m.modEnd < m.modStart) {
      c.add('error', 'MODULE_END_BEFORE_START', 'multiboot_mod_list', 'mod_end', i * 16 + 4, `module ${i}: mod_end 0x${m.modEnd.toString(16)} is below mod_start 0x${m.modStart.toString(16)} (mod_end is exclusive)`, where + 4n);
    } else if (m.modEnd === m.modStart) {
      c.add('warning', 'EMPTY_MODULE', 'multiboot_mod_list', 'mod_end', i * 16 + 4, `module ${i} is empty`, where + 4n);
    } else {
      const span = { label: `module ${i}`, start: BigInt(m.modStart), end: BigInt(m.modEnd) };
      for (const other of modules) {
        if (overlaps(span, other)) c.add('error', 'OVERLAP', 'multiboot_mod_list', undefined, i * 16, `module ${i} [0x${span.start.toString(16)}, 0x${span.end.toString(16)}) overlaps ${other.label}`, where);
      }
      modules.push(span);
    }
    if (pageAlign && m.modStart % 4096 !== 0) {
      c.add('error', 'MODULE_UNALIGNED', 'multiboot_mod_list', 'mod_start', i * 16, `module ${i} at 0x${m.modStart.toString(16)} is not page aligned (MULTIBOOT_PAGE_ALIGN)`, where);
    }
    if (m.pad !== 0) c.add('warning', 'RESERVED_NONZERO', 'multiboot_mod_list', 'reserved', i * 16 + 12, `module ${i}: padding is 0x${m.pad.toString(16)}, not 0`, where + 12n);
    if (m.cmdline !== 0) string(m.cmdline, 'multiboot_mod_list', 'string', i * 16 + 8, `module ${i} string`);
  }
}

function checkMmap(c: Collector, memory: PhysicalMemory, info: Mb1Info, maxEntries: number, spans: Span[], at: (o: number) => bigint): void {
  const addr = info.mmapAddr ?? 0;
  const buf = c.attempt(() => memory.read(addr, info.mmapLength ?? 0, { format: 'multiboot1', structure: 'multiboot_mmap_entry' }));
  if (buf === undefined) return;
  spans.push({ label: 'mmap', start: BigInt(addr), end: BigInt(addr) + BigInt(buf.length) });
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ram: Span[] = [];
  let o = 0;
  let n = 0;
  while (o < buf.length) {
    if (n++ >= maxEntries) {
      c.add('error', 'LIMIT', 'multiboot_mmap_entry', undefined, o, `more than ${maxEntries} entries`, BigInt(addr + o));
      return;
    }
    if (buf.length - o < 24) {
      c.add('error', 'MMAP_TRUNCATED', 'multiboot_mmap_entry', undefined, o, `${buf.length - o} bytes left at the end of mmap_length, an entry needs 24`, BigInt(addr + o));
      return;
    }
    const size = dv.getUint32(o, true);
    if (size < 20) {
      c.add('error', 'MMAP_ENTRY_TOO_SMALL', 'multiboot_mmap_entry', 'size', o, `size ${size} is below 20 (size does not count itself)`, BigInt(addr + o));
      return;
    }
    if (size + 4 > buf.length - o) {
      c.add('error', 'MMAP_TRUNCATED', 'multiboot_mmap_entry', 'size', o, `entry of ${size + 4} bytes runs past mmap_length`, BigInt(addr + o));
      return;
    }
    const e = decodeMb1MmapEntry(buf, o);
    if (MULTIBOOT_MEMORY_TYPES[e.type] === undefined) c.add('warning', 'UNKNOWN_TYPE', 'multiboot_mmap_entry', 'type', o + 20, `type ${e.type} is not defined (treated as reserved)`, BigInt(addr + o + 20));
    if (e.addr + e.len > 1n << 64n) c.add('error', 'RANGE_OVERFLOW', 'multiboot_mmap_entry', 'length', o + 12, 'base_addr + length wraps past 2^64', BigInt(addr + o));
    else if (e.type === MULTIBOOT_MEMORY_AVAILABLE && e.len > 0n) {
      const s = { label: `mmap entry at ${o}`, start: e.addr, end: e.addr + e.len };
      const clash = ram.find((r) => overlaps(r, s));
      if (clash !== undefined) c.add('warning', 'MMAP_OVERLAP', 'multiboot_mmap_entry', undefined, o, `available range [0x${s.start.toString(16)}, 0x${s.end.toString(16)}) overlaps ${clash.label}`, BigInt(addr + o));
      ram.push(s);
    }
    o += size + 4;
  }
  void at;
}
