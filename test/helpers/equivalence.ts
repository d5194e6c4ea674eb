/**
 * What the equivalence tests (a cursor against the one it replaced) share:
 * a seeded generator for their mutations, and a call's outcome as data so
 * that two implementations can be compared with `toEqual`.
 */
import { BootprotoError } from '../../src/core/index.js';

/** A seeded xorshift32 generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** `{ value }` of `f()`, or `{ error }` with the fields of the BootprotoError it threw (anything else is re-thrown). */
export function caught(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    return { error: { code: e.code, offset: e.offset, field: e.field, structure: e.structure, message: e.message } };
  }
}
