/**
 * Validation of a PVH handoff: every problem found, never an exception.
 *
 * Rules (from `start_info.h` and what a guest can rely on):
 * - `magic` is `XEN_HVM_START_MAGIC_VALUE` (error `BAD_MAGIC`);
 * - `version` is 0 or 1; a newer one is read as 1 (warning `VERSION_NEWER`);
 * - reserved fields are 0 (warning `RESERVED_NONZERO`); unknown `flags` bits (warning `UNKNOWN_FLAGS`);
 * - every address that is not 0 is backed by memory (error `UNMAPPED`);
 * - command lines are NUL-terminated within their bound (error `UNTERMINATED`)
 *   and valid UTF-8 (warning `NOT_UTF8`);
 * - counts stay within {@link PvhLimits} (error `LIMIT`); a count without a
 *   list address is an error (`MISSING_ADDRESS`);
 * - modules are not empty (warning `EMPTY_MODULE`), not at address 0, which
 *   the ABI keeps for "absent" (warning `ZERO_ADDRESS`), do not wrap past 2^64
 *   (error `RANGE_OVERFLOW`) and do not overlap each other or any handoff
 *   structure (error `OVERLAP`); handoff structures do not overlap each other
 *   (error `OVERLAP`);
 * - memory map entries have a known type (warning `UNKNOWN_TYPE`), are not
 *   empty (warning `EMPTY_RANGE`), do not wrap (error `RANGE_OVERFLOW`),
 *   are sorted by address (warning `MEMMAP_UNSORTED`) and do not overlap
 *   (error `MEMMAP_OVERLAP`);
 * - the RSDP, when present and readable, starts with `"RSD PTR "` (warning `BAD_RSDP`).
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
} from '../core/index.js';
import { PVH_LIMITS, type PvhLimits } from './handoff.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  HVM_START_INFO,
  HVM_START_INFO_V0,
  SIF_FLAGS,
  SIF_PM_MASK,
  XEN_HVM_MEMMAP_TYPES,
  XEN_HVM_START_MAGIC_VALUE,
  decodeMemmapEntry,
  decodeModlistEntry,
  type HvmStartInfo,
} from './start-info.js';

const KNOWN_FLAGS = Object.values(SIF_FLAGS).reduce((a, b) => a | b, 0) | SIF_PM_MASK;
const U64_END = 1n << 64n;

interface Span {
  label: string;
  start: bigint;
  end: bigint;
  structure: string;
  field: string;
  offset: number;
}

/** This module's problems. */
class Collector extends ProblemCollector {
  constructor() {
    super('pvh');
  }
}

/** Checks the fields of one start_info on their own (no pointers followed). */
function checkStartInfo(c: Collector, info: HvmStartInfo, paddr?: bigint): void {
  const at = (offset: number): bigint | undefined => (paddr === undefined ? undefined : paddr + BigInt(offset));
  if (info.magic !== XEN_HVM_START_MAGIC_VALUE) {
    c.add('error', 'BAD_MAGIC', 'hvm_start_info', 'magic', 0, `0x${info.magic.toString(16)} is not XEN_HVM_START_MAGIC_VALUE (0x336ec578)`, at(0));
  }
  if (info.version > 1) {
    c.add('warning', 'VERSION_NEWER', 'hvm_start_info', 'version', 4, `version ${info.version} is newer than 1; read as version 1`, at(4));
  }
  if ((info.flags & ~KNOWN_FLAGS) !== 0) {
    c.add('warning', 'UNKNOWN_FLAGS', 'hvm_start_info', 'flags', 8, `unknown SIF_ bits 0x${((info.flags & ~KNOWN_FLAGS) >>> 0).toString(16)}`, at(8));
  }
  if (info.reserved !== undefined && info.reserved !== 0) {
    c.add('warning', 'RESERVED_NONZERO', 'hvm_start_info', 'reserved', 52, `reserved is 0x${info.reserved.toString(16)}, not 0`, at(52));
  }
}

/**
 * Validates a start_info in `bytes` at `offset` on its own, without following
 * its pointers: magic, version, flags, reserved field, size.
 */
export function validateStartInfo(bytes: Uint8Array, offset = 0): Problem[] {
  const c = new Collector();
  const head = c.attempt(() => {
    if (bytes.length - offset < 8 || offset < 0) {
      throw new BootprotoError({ code: 'TRUNCATED', format: 'pvh', structure: 'hvm_start_info', offset, reason: 'fewer than 8 bytes' });
    }
    return new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getUint32(4, true);
  });
  if (head === undefined) return c.problems;
  const layout = head === 0 ? HVM_START_INFO_V0 : HVM_START_INFO;
  if (bytes.length - offset < layout.size) {
    c.add('error', 'TRUNCATED', 'hvm_start_info', undefined, offset, `version ${head} needs ${layout.size} bytes, only ${bytes.length - offset} given`);
    return c.problems;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, layout.size);
  const info: HvmStartInfo = {
    magic: dv.getUint32(0, true),
    version: head,
    flags: dv.getUint32(8, true),
    nrModules: dv.getUint32(12, true),
    modlistPaddr: dv.getBigUint64(16, true),
    cmdlinePaddr: dv.getBigUint64(24, true),
    rsdpPaddr: dv.getBigUint64(32, true),
  };
  if (head !== 0) info.reserved = dv.getUint32(52, true);
  checkStartInfo(c, info);
  return c.problems;
}

/** Options of {@link validateHandoff}. */
export interface ValidateHandoffOptions extends PvhLimits {
  /** Also check that each module's bytes are backed by `memory` (default false: dumps often leave them out). */
  checkModuleData?: boolean;
}

/**
 * Validates the handoff whose start_info is at `startInfoPaddr`: the
 * structures, everything they point to, and how they sit in memory. Returns
 * every problem found (the rules are listed in `docs/pvh.md`, "Validation");
 * never throws on bad input.
 */
export function validateHandoff(memory: PhysicalMemory, startInfoPaddr: PhysAddr, options: ValidateHandoffOptions = {}): Problem[] {
  const max = { ...PVH_LIMITS, ...options };
  const c = new Collector();
  const base = c.attempt(() => toPhysAddr(startInfoPaddr, { format: 'pvh', structure: 'hvm_start_info' }));
  if (base === undefined) return c.problems;
  const spans: Span[] = [];

  const head = c.attempt(() => memory.read(base, 8, { format: 'pvh', structure: 'hvm_start_info' }));
  if (head === undefined) return c.problems;
  const version = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  const layout = version === 0 ? HVM_START_INFO_V0 : HVM_START_INFO;
  const raw = c.attempt(() => memory.read(base, layout.size, { format: 'pvh', structure: 'hvm_start_info' }));
  if (raw === undefined) return c.problems;
  c.problems.push(...validateStartInfo(raw).map((p) => ({ ...p, paddr: base + BigInt(p.offset) })));
  const dv = new DataView(raw.buffer, raw.byteOffset, layout.size);
  const nrModules = dv.getUint32(12, true);
  const modlistPaddr = dv.getBigUint64(16, true);
  const cmdlinePaddr = dv.getBigUint64(24, true);
  const rsdpPaddr = dv.getBigUint64(32, true);
  const memmapPaddr = version === 0 ? 0n : dv.getBigUint64(40, true);
  const memmapEntries = version === 0 ? 0 : dv.getUint32(48, true);
  spans.push({ label: 'start_info', start: base, end: base + BigInt(layout.size), structure: 'hvm_start_info', field: 'magic', offset: 0 });

  const cstring = (paddr: bigint, structure: string, field: string, offset: number, label: string): void => {
    const s = c.attempt(() => readPhysCString(memory, paddr, max.maxCmdline, { format: 'pvh', structure, field }));
    if (s === undefined) return;
    if (!s.validUtf8) c.add('warning', 'NOT_UTF8', structure, field, offset, `the string at 0x${paddr.toString(16)} is not valid UTF-8`, paddr);
    spans.push({ label, start: paddr, end: paddr + BigInt(s.bytes.length + 1), structure, field, offset });
  };

  if (cmdlinePaddr !== 0n) cstring(cmdlinePaddr, 'hvm_start_info', 'cmdline_paddr', 24, 'cmdline');

  // Modules.
  const modules: Span[] = [];
  if (nrModules > 0 && modlistPaddr === 0n) {
    c.add('error', 'MISSING_ADDRESS', 'hvm_start_info', 'modlist_paddr', 16, `nr_modules is ${nrModules} but modlist_paddr is 0`, base + 16n);
  } else if (nrModules > max.maxModules) {
    c.add('error', 'LIMIT', 'hvm_start_info', 'nr_modules', 12, `${nrModules} modules exceed the bound of ${max.maxModules}`, base + 12n);
  } else if (nrModules > 0) {
    const size = nrModules * HVM_MODLIST_ENTRY.size;
    const list = c.attempt(() => memory.read(modlistPaddr, size, { format: 'pvh', structure: 'hvm_modlist_entry' }));
    if (list !== undefined) {
      spans.push({ label: 'modlist', start: modlistPaddr, end: modlistPaddr + BigInt(size), structure: 'hvm_start_info', field: 'modlist_paddr', offset: 16 });
      for (let i = 0; i < nrModules; i++) {
        const off = i * HVM_MODLIST_ENTRY.size;
        const m = decodeModlistEntry(list, off);
        const at = modlistPaddr + BigInt(off);
        if (m.reserved !== 0n) c.add('warning', 'RESERVED_NONZERO', 'hvm_modlist_entry', 'reserved', off + 24, `module ${i}: reserved is not 0`, at + 24n);
        if (m.size === 0n) c.add('warning', 'EMPTY_MODULE', 'hvm_modlist_entry', 'size', off + 8, `module ${i} is empty`, at + 8n);
        if (m.paddr === 0n) c.add('warning', 'ZERO_ADDRESS', 'hvm_modlist_entry', 'paddr', off, `module ${i} is at address 0, which the ABI reserves for "absent"`, at);
        if (m.paddr + m.size > U64_END) {
          c.add('error', 'RANGE_OVERFLOW', 'hvm_modlist_entry', 'size', off + 8, `module ${i} wraps past 2^64`, at + 8n);
        } else if (m.size > 0n) {
          modules.push({ label: `module ${i}`, start: m.paddr, end: m.paddr + m.size, structure: 'hvm_modlist_entry', field: 'paddr', offset: off });
          if (options.checkModuleData && memory.available(m.paddr, Number(m.size > 0x7fffffffn ? 0x7fffffffn : m.size)) < Number(m.size)) {
            c.add('error', 'UNMAPPED', 'hvm_modlist_entry', 'paddr', off, `module ${i}'s ${m.size} bytes are not all backed by memory`, at);
          }
        }
        if (m.cmdlinePaddr !== 0n) cstring(m.cmdlinePaddr, 'hvm_modlist_entry', 'cmdline_paddr', off + 16, `module ${i} cmdline`);
      }
    }
  }

  // Memory map.
  if (memmapEntries > 0 && memmapPaddr === 0n) {
    c.add('error', 'MISSING_ADDRESS', 'hvm_start_info', 'memmap_paddr', 40, `memmap_entries is ${memmapEntries} but memmap_paddr is 0`, base + 40n);
  } else if (memmapEntries > max.maxMemmapEntries) {
    c.add('error', 'LIMIT', 'hvm_start_info', 'memmap_entries', 48, `${memmapEntries} entries exceed the bound of ${max.maxMemmapEntries}`, base + 48n);
  } else if (memmapEntries > 0) {
    const size = memmapEntries * HVM_MEMMAP_TABLE_ENTRY.size;
    const table = c.attempt(() => memory.read(memmapPaddr, size, { format: 'pvh', structure: 'hvm_memmap_table_entry' }));
    if (table !== undefined) {
      spans.push({ label: 'memmap', start: memmapPaddr, end: memmapPaddr + BigInt(size), structure: 'hvm_start_info', field: 'memmap_paddr', offset: 40 });
      const ranges: { start: bigint; end: bigint; i: number }[] = [];
      let prev = -1n;
      for (let i = 0; i < memmapEntries; i++) {
        const off = i * HVM_MEMMAP_TABLE_ENTRY.size;
        const e = decodeMemmapEntry(table, off);
        const at = memmapPaddr + BigInt(off);
        if (XEN_HVM_MEMMAP_TYPES[e.type] === undefined) c.add('warning', 'UNKNOWN_TYPE', 'hvm_memmap_table_entry', 'type', off + 16, `entry ${i}: type ${e.type} is not a XEN_HVM_MEMMAP_TYPE_`, at + 16n);
        if (e.reserved !== 0) c.add('warning', 'RESERVED_NONZERO', 'hvm_memmap_table_entry', 'reserved', off + 20, `entry ${i}: reserved is not 0`, at + 20n);
        if (e.size === 0n) c.add('warning', 'EMPTY_RANGE', 'hvm_memmap_table_entry', 'size', off + 8, `entry ${i} is empty`, at + 8n);
        if (e.addr + e.size > U64_END) {
          c.add('error', 'RANGE_OVERFLOW', 'hvm_memmap_table_entry', 'size', off + 8, `entry ${i} wraps past 2^64`, at + 8n);
          continue;
        }
        if (e.addr < prev) c.add('warning', 'MEMMAP_UNSORTED', 'hvm_memmap_table_entry', 'addr', off, `entry ${i} starts below entry ${i - 1}`, at);
        prev = e.addr;
        if (e.size > 0n) ranges.push({ start: e.addr, end: e.addr + e.size, i });
      }
      ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      for (let k = 1; k < ranges.length; k++) {
        const a = ranges[k - 1] as (typeof ranges)[number];
        const b = ranges[k] as (typeof ranges)[number];
        if (b.start < a.end) {
          const off = b.i * HVM_MEMMAP_TABLE_ENTRY.size;
          c.add('error', 'MEMMAP_OVERLAP', 'hvm_memmap_table_entry', 'addr', off, `entry ${b.i} overlaps entry ${a.i}`, memmapPaddr + BigInt(off));
        }
      }
    }
  }

  // RSDP.
  if (rsdpPaddr !== 0n && memory.available(rsdpPaddr, 8) === 8) {
    const sig = memory.read(rsdpPaddr, 8);
    if (String.fromCharCode(...sig) !== 'RSD PTR ') c.add('warning', 'BAD_RSDP', 'hvm_start_info', 'rsdp_paddr', 32, `no "RSD PTR " signature at 0x${rsdpPaddr.toString(16)}`, base + 32n);
  }

  // Overlaps: between handoff structures, and between modules and anything.
  const all = [...spans, ...modules].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 0; i < all.length; i++) {
    const a = all[i] as Span;
    for (let j = i + 1; j < all.length && (all[j] as Span).start < a.end; j++) {
      const b = all[j] as Span;
      c.add('error', 'OVERLAP', b.structure, b.field, b.offset, `${b.label} [0x${b.start.toString(16)}, 0x${b.end.toString(16)}) overlaps ${a.label} [0x${a.start.toString(16)}, 0x${a.end.toString(16)})`, b.start);
    }
  }
  return c.problems;
}
