/**
 * The whole PVH handoff: `hvm_start_info` and everything it points to, read
 * from guest-physical memory, and the builder that lays it all out as a VMM
 * does.
 *
 * @module
 */
import {
  BootprotoError,
  encodeCString,
  readPhysCString,
  toPhysAddr,
  type MemoryContext,
  type PhysAddr,
  type PhysicalMemory,
} from '../core/index.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  XEN_HVM_START_MAGIC_VALUE,
  decodeMemmapEntry,
  decodeModlistEntry,
  decodeStartInfo,
  encodeMemmap,
  encodeModlist,
  encodeStartInfo,
  startInfoSize,
  type HvmMemmapTableEntry,
  type HvmModlistEntry,
  type HvmStartInfo,
} from './start-info.js';

/** Bounds on what a handoff may claim, so that a lying count reads and allocates no more than this. */
export interface PvhLimits {
  /** The most modules read (default 1024). */
  maxModules?: number;
  /** The most memory map entries read (default 8192). */
  maxMemmapEntries?: number;
  /** The longest command line read, NUL included (default 65536). */
  maxCmdline?: number;
}

/** Default {@link PvhLimits}. */
export const PVH_LIMITS: Readonly<Required<PvhLimits>> = { maxModules: 1024, maxMemmapEntries: 8192, maxCmdline: 65536 };

/** A module of the handoff: its list entry, and its command line when it has one. */
export interface PvhModule extends HvmModlistEntry {
  /**
   * The module's command line, when `cmdlinePaddr` is not 0: decoded as
   * UTF-8, invalid sequences replaced by U+FFFD (`validateHandoff` reports
   * them as `NOT_UTF8`).
   */
  cmdline?: string;
}

/** Everything a PVH guest is handed, decoded. */
export interface PvhHandoff {
  /** Where the start_info was (what `%ebx` held). */
  startInfoPaddr: bigint;
  /** The start_info itself (40 bytes read for version 0, 56 for version 1 and above). */
  startInfo: HvmStartInfo;
  /**
   * The kernel's command line, when `cmdlinePaddr` is not 0: decoded as
   * UTF-8, invalid sequences replaced by U+FFFD (`validateHandoff` reports
   * them as `NOT_UTF8`).
   */
  cmdline?: string;
  /** The modules, in list order (empty when `nrModules` is 0). */
  modules: PvhModule[];
  /** The memory map (version 1 and above; empty when absent). */
  memmap: HvmMemmapTableEntry[];
  /** The RSDP's address, when not 0. */
  rsdpPaddr?: bigint;
}

const ctx = (structure: string, field?: string): MemoryContext =>
  field === undefined ? { format: 'pvh', structure } : { format: 'pvh', structure, field };

function limit(structure: string, field: string, count: number, max: number): BootprotoError {
  return new BootprotoError({
    code: 'LIMIT',
    format: 'pvh',
    structure,
    field,
    offset: structure === 'hvm_start_info' ? (field === 'nr_modules' ? 12 : 48) : 0,
    reason: `${count} exceeds the bound of ${max} (raise it with the limits option if this is real)`,
  });
}

/** A count with no list: address 0 means "absent", so the list cannot be read. */
function missing(base: bigint, field: string, offset: number, count: string): BootprotoError {
  return new BootprotoError({
    code: 'BAD_VALUE',
    format: 'pvh',
    structure: 'hvm_start_info',
    field,
    offset,
    paddr: base + BigInt(offset),
    reason: `${count} but ${field} is 0 (absent)`,
  });
}

/**
 * Decodes the handoff whose start_info is at `startInfoPaddr`, following
 * every pointer through `memory`. Throws {@link BootprotoError} on anything
 * it cannot read; use `validateHandoff` to list every problem instead.
 */
export function decodeHandoff(memory: PhysicalMemory, startInfoPaddr: PhysAddr, limits: PvhLimits = {}): PvhHandoff {
  const max = { ...PVH_LIMITS, ...limits };
  const base = toPhysAddr(startInfoPaddr, ctx('hvm_start_info'));
  const head = memory.read(base, 8, ctx('hvm_start_info'));
  const version = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  const startInfo = decodeStartInfoAt(memory, base, version);
  const handoff: PvhHandoff = { startInfoPaddr: base, startInfo, modules: [], memmap: [] };

  if (startInfo.cmdlinePaddr !== 0n) {
    handoff.cmdline = readPhysCString(memory, startInfo.cmdlinePaddr, max.maxCmdline, ctx('hvm_start_info', 'cmdline_paddr')).text;
  }
  if (startInfo.nrModules > 0) {
    if (startInfo.nrModules > max.maxModules) throw limit('hvm_start_info', 'nr_modules', startInfo.nrModules, max.maxModules);
    if (startInfo.modlistPaddr === 0n) throw missing(base, 'modlist_paddr', 16, `nr_modules is ${startInfo.nrModules}`);
    const list = memory.read(startInfo.modlistPaddr, startInfo.nrModules * HVM_MODLIST_ENTRY.size, ctx('hvm_modlist_entry'));
    for (let i = 0; i < startInfo.nrModules; i++) {
      const entry: PvhModule = decodeModlistEntry(list, i * HVM_MODLIST_ENTRY.size);
      if (entry.cmdlinePaddr !== 0n) {
        entry.cmdline = readPhysCString(memory, entry.cmdlinePaddr, max.maxCmdline, ctx('hvm_modlist_entry', 'cmdline_paddr')).text;
      }
      handoff.modules.push(entry);
    }
  }
  const entries = startInfo.memmapEntries ?? 0;
  if (entries > 0) {
    if (entries > max.maxMemmapEntries) throw limit('hvm_start_info', 'memmap_entries', entries, max.maxMemmapEntries);
    if ((startInfo.memmapPaddr ?? 0n) === 0n) throw missing(base, 'memmap_paddr', 40, `memmap_entries is ${entries}`);
    const table = memory.read(startInfo.memmapPaddr ?? 0n, entries * HVM_MEMMAP_TABLE_ENTRY.size, ctx('hvm_memmap_table_entry'));
    for (let i = 0; i < entries; i++) handoff.memmap.push(decodeMemmapEntry(table, i * HVM_MEMMAP_TABLE_ENTRY.size));
  }
  if (startInfo.rsdpPaddr !== 0n) handoff.rsdpPaddr = startInfo.rsdpPaddr;
  return handoff;
}

function decodeStartInfoAt(memory: PhysicalMemory, paddr: bigint, version: number): HvmStartInfo {
  const bytes = memory.read(paddr, startInfoSize(version), ctx('hvm_start_info'));
  try {
    return decodeStartInfo(bytes);
  } catch (e) {
    if (e instanceof BootprotoError) {
      throw new BootprotoError({
        code: e.code,
        format: e.format,
        structure: e.structure,
        ...(e.field === undefined ? {} : { field: e.field }),
        offset: e.offset,
        paddr: paddr + BigInt(e.offset),
        reason: e.reason,
      });
    }
    throw e;
  }
}

/** A module to hand over: where it is, how big, its command line, and optionally its bytes to write. */
export interface PvhModuleSpec {
  /** Physical address of the module (where `data` is written, when given). */
  paddr: bigint;
  /** Defaults to the length of `data`. */
  size?: bigint;
  /** The module's command line, written as a NUL-terminated UTF-8 string; without it `cmdline_paddr` is 0. */
  cmdline?: string;
  /** The module's contents, written at `paddr` when given. */
  data?: Uint8Array;
}

/** What a VMM hands a PVH guest, before it is laid out in memory. */
export interface PvhHandoffSpec {
  /** 0 or 1 (default 1). Version 0 has no memory map. */
  version?: number;
  /** `SIF_*` flags (default 0). */
  flags?: number;
  /** The kernel's command line, written as a NUL-terminated UTF-8 string; without it `cmdline_paddr` is 0. */
  cmdline?: string;
  /** The modules, in list order (default none). */
  modules?: readonly PvhModuleSpec[];
  /** The memory map entries, in the order given (default none; version 1 only). Reserved fields are written as 0. */
  memmap?: readonly Omit<HvmMemmapTableEntry, 'reserved'>[];
  /** Physical address of the ACPI RSDP (default 0: none given). */
  rsdpPaddr?: bigint;
}

/**
 * Where the builder puts each piece. `startInfo` is required; every other
 * piece not given is placed after the previous one, 8-byte aligned, in the
 * order start_info, modlist, memmap, command line, module command lines.
 */
export interface PvhPlacement {
  /** Where the start_info goes: the address the guest finds in `%ebx`. */
  startInfo: PhysAddr;
  /** Where the module list goes. */
  modlist?: PhysAddr;
  /** Where the memory map goes. */
  memmap?: PhysAddr;
  /** Where the kernel's command line goes. */
  cmdline?: PhysAddr;
  /** Where each module's command line goes, by module index. */
  moduleCmdlines?: readonly (PhysAddr | undefined)[];
}

/** One piece the builder wrote. */
export interface WrittenRegion {
  /** What it is: `start_info`, `modlist`, `memmap`, `cmdline`, `mod<i>-cmdline` or `mod<i>-data`. */
  label: string;
  /** Physical address of its first byte. */
  paddr: bigint;
  /** Its length in bytes. */
  length: number;
}

/** What {@link buildHandoff} did: the start_info address to put in `%ebx`, and every piece it wrote. */
export interface BuiltHandoff {
  /** The start_info's address: the value for `%ebx`. */
  startInfoPaddr: bigint;
  /** Every piece written, in the order written. */
  regions: WrittenRegion[];
}

const align8 = (n: bigint): bigint => (n + 7n) & ~7n;

/**
 * Lays out a whole handoff in `memory` as a VMM does: start_info, module
 * list, memory map, command lines (and module contents when given), at the
 * addresses of `placement`. Returns the start_info address and the regions
 * written, for the caller's own checks. Throws `BAD_VALUE` (writing nothing)
 * when two pieces would overlap.
 */
export function buildHandoff(memory: PhysicalMemory, spec: PvhHandoffSpec, placement: PvhPlacement): BuiltHandoff {
  const version = spec.version ?? 1;
  const modules = spec.modules ?? [];
  const memmap = spec.memmap ?? [];
  if (version === 0 && memmap.length > 0) {
    throw new BootprotoError({
      code: 'BAD_VALUE',
      format: 'pvh',
      structure: 'hvm_start_info',
      field: 'memmap_paddr',
      offset: 40,
      reason: 'version 0 has no memory map',
    });
  }
  const regions: WrittenRegion[] = [];
  const startInfoPaddr = toPhysAddr(placement.startInfo, ctx('hvm_start_info'));
  let cursor = align8(startInfoPaddr + BigInt(startInfoSize(version)));
  const place = (given: PhysAddr | undefined, length: number): bigint => {
    if (given !== undefined) return BigInt(given);
    const at = cursor;
    cursor = align8(cursor + BigInt(length));
    return at;
  };
  // Pieces are collected first and written only when none overlaps another,
  // so a bad placement leaves memory untouched.
  const pieces: { label: string; paddr: bigint; bytes: Uint8Array; structure: string }[] = [];
  const put = (label: string, paddr: bigint, bytes: Uint8Array, structure: string): void => {
    const end = paddr + BigInt(bytes.length);
    const clash = pieces.find((r) => paddr < r.paddr + BigInt(r.bytes.length) && r.paddr < end);
    if (clash !== undefined) {
      throw new BootprotoError({
        code: 'BAD_VALUE',
        format: 'pvh',
        structure,
        offset: 0,
        paddr,
        reason: `${label} [0x${paddr.toString(16)}, 0x${end.toString(16)}) would overlap ${clash.label} at 0x${clash.paddr.toString(16)}`,
      });
    }
    pieces.push({ label, paddr, bytes, structure });
  };

  const modlistPaddr = modules.length > 0 ? place(placement.modlist, modules.length * HVM_MODLIST_ENTRY.size) : 0n;
  const memmapPaddr = memmap.length > 0 ? place(placement.memmap, memmap.length * HVM_MEMMAP_TABLE_ENTRY.size) : 0n;
  const cmdline = spec.cmdline === undefined ? undefined : encodeCString(spec.cmdline);
  const cmdlinePaddr = cmdline === undefined ? 0n : place(placement.cmdline, cmdline.length);

  const entries: HvmModlistEntry[] = modules.map((m, i) => {
    const text = m.cmdline === undefined ? undefined : encodeCString(m.cmdline);
    const at = text === undefined ? 0n : place(placement.moduleCmdlines?.[i], text.length);
    if (text !== undefined) put(`mod${i}-cmdline`, at, text, 'hvm_modlist_entry');
    if (m.data !== undefined) put(`mod${i}-data`, m.paddr, m.data, 'hvm_modlist_entry');
    return { paddr: m.paddr, size: m.size ?? BigInt(m.data?.length ?? 0), cmdlinePaddr: at, reserved: 0n };
  });

  const info: HvmStartInfo = {
    magic: XEN_HVM_START_MAGIC_VALUE,
    version,
    flags: spec.flags ?? 0,
    nrModules: modules.length,
    modlistPaddr,
    cmdlinePaddr,
    rsdpPaddr: spec.rsdpPaddr ?? 0n,
  };
  if (version !== 0) Object.assign(info, { memmapPaddr, memmapEntries: memmap.length, reserved: 0 });
  put('start_info', startInfoPaddr, encodeStartInfo(info), 'hvm_start_info');
  if (entries.length > 0) put('modlist', modlistPaddr, encodeModlist(entries), 'hvm_modlist_entry');
  if (memmap.length > 0) put('memmap', memmapPaddr, encodeMemmap(memmap.map((e) => ({ ...e, reserved: 0 }))), 'hvm_memmap_table_entry');
  if (cmdline !== undefined) put('cmdline', cmdlinePaddr, cmdline, 'hvm_start_info');
  for (const p of pieces) {
    memory.write(p.paddr, p.bytes, ctx(p.structure));
    regions.push({ label: p.label, paddr: p.paddr, length: p.bytes.length });
  }
  return { startInfoPaddr, regions };
}
