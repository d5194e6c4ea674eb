/**
 * The fuzz targets' structural equality agrees with what Node's
 * `util.isDeepStrictEqual` said for decoded objects (it replaced it so that
 * the library targets run in Chromium).
 */
import { describe, expect, it } from 'vitest';
import { decodeMb1Info, encodeMb1Info } from '../../src/multiboot/index.js';
import { deepEqual } from './equal.js';
import { mb1Dumps } from './seeds.js';

describe('deepEqual', () => {
  it('compares primitives and bigints by value', () => {
    expect(deepEqual(1, 1)).toBe(true);
    expect(deepEqual(1, 2)).toBe(false);
    expect(deepEqual(1n << 63n, 1n << 63n)).toBe(true);
    expect(deepEqual(1n, 1)).toBe(false);
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(deepEqual(0, -0)).toBe(false);
    expect(deepEqual('a', 'a')).toBe(true);
    expect(deepEqual(null, undefined)).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });

  it('compares typed arrays byte for byte, and only with their own class', () => {
    expect(deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(deepEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(deepEqual(new Uint8Array([1, 2, 3]).subarray(1), new Uint8Array([2, 3]))).toBe(true);
    expect(deepEqual(new Uint8Array(2), new Uint16Array(1))).toBe(false);
    expect(deepEqual(new Uint8Array(2), [0, 0])).toBe(false);
  });

  it('compares arrays and plain objects structurally; undefined is not a missing key', () => {
    expect(deepEqual([1, [2n, { a: 'x' }]], [1, [2n, { a: 'x' }]])).toBe(true);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual({ a: undefined }, { b: undefined })).toBe(false);
    expect(deepEqual({ a: { b: new Uint8Array([1]) } }, { a: { b: new Uint8Array([2]) } })).toBe(false);
    expect(deepEqual({}, [])).toBe(false);
  });

  it('refuses what it does not know how to compare', () => {
    expect(() => deepEqual(new Map(), new Map())).toThrow(/cannot compare/);
  });

  it('finds decode(encode(info)) equal to info for every Multiboot 1 dump', () => {
    for (const d of mb1Dumps()) {
      const info = decodeMb1Info(d.regions.find((r) => r.label === 'info')!.bytes);
      expect(deepEqual(decodeMb1Info(encodeMb1Info(info)), info)).toBe(true);
      expect(deepEqual({ ...info, flags: info.flags ^ 1 }, info)).toBe(false);
    }
  });
});
