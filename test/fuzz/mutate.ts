/**
 * Seeded mutation of byte inputs for the fuzz harness: bit flips, byte
 * overwrites, truncations, extensions, length/offset-like fields set to
 * boundary values (both byte orders), chunk duplication/deletion and
 * splices between seeds. Everything is driven by one {@link Rng}, so a
 * (seed, index) pair reproduces an input exactly.
 */

/** Inputs never grow past this (the bound for "≤ 64 KiB" timing). */
export const MAX_INPUT = 64 * 1024;

/** A small, fast, seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A uniform u32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** A uniform integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.below(list.length)] as T;
  }
}

/** Values that make length, count and offset fields lie. */
function boundaries(len: number): number[] {
  return [
    0, 1, 2, 3, 4, 7, 8, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, len, len - 1, len + 1, len >>> 1, len * 2, len - 4, len + 4,
  ].map((v) => v >>> 0);
}

function setWord(out: Uint8Array, at: number, size: 1 | 2 | 4 | 8, value: number, littleEndian: boolean): void {
  if (at + size > out.length) return;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (size === 1) dv.setUint8(at, value & 0xff);
  else if (size === 2) dv.setUint16(at, value & 0xffff, littleEndian);
  else if (size === 4) dv.setUint32(at, value >>> 0, littleEndian);
  else {
    // A 64-bit field: the value in the low half, the high half 0 or all ones.
    const hi = value === 0xffffffff ? 0xffffffff : 0;
    dv.setUint32(at + (littleEndian ? 0 : 4), value >>> 0, littleEndian);
    dv.setUint32(at + (littleEndian ? 4 : 0), hi, littleEndian);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(Math.min(n, MAX_INPUT));
  let at = 0;
  for (const p of parts) {
    if (at >= out.length) break;
    const take = p.subarray(0, out.length - at);
    out.set(take, at);
    at += take.length;
  }
  return out;
}

/** The names of the mutators, for reports. */
export const MUTATORS = ['flip', 'byte', 'field', 'truncate', 'extend', 'splice', 'dup', 'delete', 'copy', 'random'] as const;
export type Mutator = (typeof MUTATORS)[number];

/** Applies one mutation of kind `kind` to `input` (a new array; `input` is not changed). */
export function mutateOnce(rng: Rng, input: Uint8Array, kind: Mutator, pool: readonly Uint8Array[]): Uint8Array {
  const len = input.length;
  switch (kind) {
    case 'flip': {
      const out = input.slice();
      if (len === 0) return out;
      const n = 1 + rng.below(8);
      for (let i = 0; i < n; i++) {
        const at = rng.below(len);
        out[at] = (out[at] as number) ^ (1 << rng.below(8));
      }
      return out;
    }
    case 'byte': {
      const out = input.slice();
      if (len === 0) return out;
      const n = 1 + rng.below(4);
      for (let i = 0; i < n; i++) out[rng.below(len)] = rng.chance(0.5) ? rng.pick([0, 0xff, 0x7f, 0x80, 1]) : rng.below(256);
      return out;
    }
    case 'field': {
      const out = input.slice();
      if (len < 2) return out;
      const size = rng.pick([2, 4, 4, 4, 8] as const);
      // Fields sit on their natural alignment in every format here.
      const at = rng.below(Math.max(1, Math.floor(len / size))) * size;
      setWord(out, at, size, rng.pick(boundaries(len)), rng.chance(0.5));
      return out;
    }
    case 'truncate':
      return input.slice(0, rng.chance(0.3) ? rng.below(Math.min(len + 1, 256)) : rng.below(len + 1));
    case 'extend': {
      const n = rng.pick([1, 3, 4, 8, 16, 64, 512, 4096]);
      const tail = new Uint8Array(n);
      if (rng.chance(0.5)) for (let i = 0; i < n; i++) tail[i] = rng.below(256);
      return concat(input, tail);
    }
    case 'splice': {
      const other = rng.pick(pool);
      if (other.length === 0 || len === 0) return concat(input, other);
      const from = rng.below(other.length);
      const n = 1 + rng.below(Math.min(other.length - from, 1024));
      const at = rng.below(len);
      if (rng.chance(0.5)) {
        const out = input.slice();
        out.set(other.subarray(from, from + Math.min(n, len - at)), at);
        return out;
      }
      return concat(input.subarray(0, at), other.subarray(from, from + n), input.subarray(at));
    }
    case 'dup': {
      if (len === 0) return input.slice();
      const from = rng.below(len);
      const n = 1 + rng.below(Math.min(len - from, 256));
      return concat(input.subarray(0, from + n), input.subarray(from, from + n), input.subarray(from + n));
    }
    case 'delete': {
      if (len === 0) return input.slice();
      const from = rng.below(len);
      const n = 1 + rng.below(Math.min(len - from, 256));
      return concat(input.subarray(0, from), input.subarray(from + n));
    }
    case 'copy': {
      const out = input.slice();
      if (len < 2) return out;
      const from = rng.below(len);
      const to = rng.below(len);
      const n = 1 + rng.below(Math.min(len - Math.max(from, to), 64));
      out.copyWithin(to, from, from + n);
      return out;
    }
    case 'random': {
      const out = new Uint8Array(rng.below(1024));
      for (let i = 0; i < out.length; i++) out[i] = rng.below(256);
      return out;
    }
  }
}

/** One fuzz input: a seed from `seeds`, mutated 1–4 times (kinds recorded in `trail`). */
export function nextInput(rng: Rng, seeds: readonly Uint8Array[], pool: readonly Uint8Array[], trail: Mutator[]): Uint8Array {
  trail.length = 0;
  let input = rng.pick(seeds);
  const n = 1 + rng.below(4);
  for (let i = 0; i < n; i++) {
    const kind = rng.chance(0.02) ? 'random' : rng.pick(MUTATORS.slice(0, -1));
    trail.push(kind);
    input = mutateOnce(rng, input, kind, pool);
  }
  return input.length > MAX_INPUT ? input.slice(0, MAX_INPUT) : input;
}
