/**
 * Guest-physical memory. Boot structures point at each other by physical
 * address (start_info → modlist → command lines; the zero page → setup_data;
 * the Multiboot information → mmap, modules). Decoders that follow such
 * pointers read through a {@link PhysicalMemory}; builders write through it.
 * A RAM dump, a few dumped regions, or a builder's output all serve.
 *
 * @module
 */
import { BootprotoError, type Format } from './errors.js';

/** A physical address: a `bigint`, or a `number` when it is known to be exact. */
export type PhysAddr = bigint | number;

/** One contiguous range of physical memory backed by bytes. */
export interface MemoryRegion {
  /** Physical address of `bytes[0]`. */
  paddr: bigint;
  /** The contents. Reads return subarrays of it; writes change it. */
  bytes: Uint8Array;
  /** A name for reports (`start_info`, `ram`, …). */
  label?: string;
}

/** Who is reading, so that an unmapped address is reported against the right structure. */
export interface MemoryContext {
  /** The format of the structure being read. */
  format: Format;
  /** The specification's name of the structure being read. */
  structure: string;
  /** The field whose address is being followed, when there is one. */
  field?: string;
}

/** Guest-physical memory over one or many regions. */
export interface PhysicalMemory {
  /**
   * The `length` bytes at `paddr`. A range inside one region comes back as a
   * subarray of that region (no copy); a range across adjacent regions is
   * copied. Throws {@link BootprotoError} `UNMAPPED` if any byte is not backed.
   */
  read(paddr: PhysAddr, length: number, context?: MemoryContext): Uint8Array;
  /** How many bytes from `paddr` on are backed without a gap, up to `max`. */
  available(paddr: PhysAddr, max: number): number;
  /**
   * Writes `bytes` at `paddr`. Fixed memories throw `UNMAPPED` outside their
   * regions; a growable memory adds a region.
   */
  write(paddr: PhysAddr, bytes: Uint8Array, context?: MemoryContext): void;
  /** The regions, in address order. */
  regions(): readonly MemoryRegion[];
}

const MEMORY: MemoryContext = { format: 'memory', structure: 'physical memory' };

function unmapped(paddr: bigint, length: number, ctx: MemoryContext): BootprotoError {
  return new BootprotoError({
    code: 'UNMAPPED',
    format: ctx.format,
    structure: ctx.structure,
    ...(ctx.field === undefined ? {} : { field: ctx.field }),
    offset: 0,
    paddr,
    reason: `${length} bytes at 0x${paddr.toString(16)} are not all backed by memory`,
  });
}

/**
 * A physical address as a `bigint`, checked: a whole number from 0 to
 * 2^64 − 1 (a `number` must also be a safe integer). Throws `BAD_VALUE`
 * naming `context` otherwise, never a `RangeError`.
 */
export function toPhysAddr(paddr: PhysAddr, context: MemoryContext = MEMORY): bigint {
  if (typeof paddr === 'bigint' ? paddr >= 0n && paddr < 1n << 64n : Number.isSafeInteger(paddr) && paddr >= 0) return BigInt(paddr);
  throw new BootprotoError({
    code: 'BAD_VALUE',
    ...context,
    offset: 0,
    reason: `${String(paddr)} is not a physical address (a whole number from 0 to 2^64 - 1)`,
  });
}

const toBig = (paddr: PhysAddr): bigint => toPhysAddr(paddr);

/** Options of {@link createPhysicalMemory}. */
export interface PhysicalMemoryOptions {
  /**
   * When true, a write outside every region adds a new region holding a copy
   * of the written bytes (how a builder collects its output). Default false.
   */
  growable?: boolean;
}

/**
 * A {@link PhysicalMemory} over the given regions (which must not overlap).
 * The regions' bytes are used in place: reads return subarrays of them and
 * writes change them.
 */
export function createPhysicalMemory(
  regions: readonly MemoryRegion[] = [],
  options: PhysicalMemoryOptions = {},
): PhysicalMemory {
  const list: MemoryRegion[] = [...regions].sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : 0));
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1] as MemoryRegion;
    const cur = list[i] as MemoryRegion;
    if (prev.paddr + BigInt(prev.bytes.length) > cur.paddr) {
      throw new BootprotoError({
        code: 'BAD_VALUE',
        ...MEMORY,
        offset: 0,
        paddr: cur.paddr,
        reason: `region at 0x${cur.paddr.toString(16)} overlaps the region at 0x${prev.paddr.toString(16)}`,
      });
    }
  }

  /** Index of the region holding `paddr`, or -1. */
  function find(paddr: bigint): number {
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = list[mid] as MemoryRegion;
      if (paddr < r.paddr) hi = mid - 1;
      else if (paddr >= r.paddr + BigInt(r.bytes.length)) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  function available(at: PhysAddr, max: number): number {
    let paddr = toBig(at);
    let total = 0;
    let i = find(paddr);
    while (i >= 0 && i < list.length && total < max) {
      const r = list[i] as MemoryRegion;
      if (r.paddr !== paddr && total > 0) break;
      const start = Number(paddr - r.paddr);
      const n = Math.min(r.bytes.length - start, max - total);
      total += n;
      paddr += BigInt(n);
      i++;
      if (i < list.length && (list[i] as MemoryRegion).paddr !== paddr) break;
    }
    return total;
  }

  function read(at: PhysAddr, length: number, ctx: MemoryContext = MEMORY): Uint8Array {
    const paddr = toBig(at);
    if (!Number.isSafeInteger(length) || length < 0) throw unmapped(paddr, length, ctx);
    const i = find(paddr);
    if (i < 0) {
      if (length === 0) return new Uint8Array(0);
      throw unmapped(paddr, length, ctx);
    }
    const r = list[i] as MemoryRegion;
    const start = Number(paddr - r.paddr);
    if (start + length <= r.bytes.length) return r.bytes.subarray(start, start + length);
    if (available(paddr, length) < length) throw unmapped(paddr, length, ctx);
    const out = new Uint8Array(length);
    let done = 0;
    let j = i;
    while (done < length) {
      const reg = list[j] as MemoryRegion;
      const s = done === 0 ? start : 0;
      const n = Math.min(reg.bytes.length - s, length - done);
      out.set(reg.bytes.subarray(s, s + n), done);
      done += n;
      j++;
    }
    return out;
  }

  function write(at: PhysAddr, data: Uint8Array, ctx: MemoryContext = MEMORY): void {
    const paddr = toBig(at);
    if (available(paddr, data.length) >= data.length) {
      let done = 0;
      let j = find(paddr);
      while (done < data.length) {
        const reg = list[j] as MemoryRegion;
        const s = done === 0 ? Number(paddr - reg.paddr) : 0;
        const n = Math.min(reg.bytes.length - s, data.length - done);
        reg.bytes.set(data.subarray(done, done + n), s);
        done += n;
        j++;
      }
      return;
    }
    if (!options.growable) throw unmapped(paddr, data.length, ctx);
    const end = paddr + BigInt(data.length);
    for (const r of list) {
      if (r.paddr < end && paddr < r.paddr + BigInt(r.bytes.length)) {
        throw new BootprotoError({
          code: 'BAD_VALUE',
          ...ctx,
          offset: 0,
          paddr,
          reason: `a write of ${data.length} bytes at 0x${paddr.toString(16)} straddles the region at 0x${r.paddr.toString(16)}`,
        });
      }
    }
    const region: MemoryRegion = { paddr, bytes: data.slice() };
    if (ctx.structure !== MEMORY.structure) region.label = ctx.field === undefined ? ctx.structure : `${ctx.structure}.${ctx.field}`;
    const after = list.findIndex((r) => r.paddr > paddr);
    list.splice(after === -1 ? list.length : after, 0, region);
  }

  return { read, write, available, regions: () => list };
}
