/**
 * `toJson` walks deep values with a stack of its own (issue 11) and must give
 * exactly the text of `JSON.stringify(value, jsonReplacer, indent)`: compared
 * here on hand-picked edge cases and on fast-check's arbitrary values (every
 * primitive, boxed values, sparse arrays, typed arrays, Map, Set, Date,
 * null-prototype objects, odd keys), at several indents, each as it is and
 * at the bottom of a spine of arrays and objects deeper than what toJson
 * hands to JSON.stringify whole (so its own walk writes them). The CLI's
 * outputs are compared in test/cli/json.test.ts; the small call stack in
 * test/fuzz/stack.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonReplacer, toJson } from '../../src/core/index.js';

/** What JSON.stringify gives, or the class of error it throws. */
function native(value: unknown, indent: number | string): string | undefined {
  try {
    return JSON.stringify(value, jsonReplacer, indent);
  } catch (e) {
    return `throws ${(e as Error).name}`;
  }
}

function ours(value: unknown, indent: number | string): string | undefined {
  try {
    return toJson(value, indent);
  } catch (e) {
    return `throws ${(e as Error).name}`;
  }
}

/** One level of a spine: an array or an object holding the value below among other members. */
interface Level {
  array: boolean;
  key: string;
  before: unknown[];
  after: unknown[];
}

/** `value` at the bottom of the levels (the first level outermost). */
function nest(value: unknown, levels: readonly Level[]): unknown {
  let v = value;
  for (let i = levels.length - 1; i >= 0; i--) {
    const { array, key, before, after } = levels[i] as Level;
    if (array) v = [...before, v, ...after];
    else v = { ...Object.fromEntries(before.map((b, j) => [`b${j}`, b])), [key]: v, ...Object.fromEntries(after.map((a, j) => [`a${j}`, a])) };
  }
  return v;
}

/** Twelve levels, alternating arrays and objects, with scalars beside the value: deeper than toJson gives JSON.stringify whole. */
const SPINE: Level[] = Array.from({ length: 12 }, (_, i) => ({ array: i % 2 === 0, key: `k${i}`, before: i % 3 === 0 ? [] : [i, 'x'], after: i % 4 === 0 ? [] : [null, undefined, 1n] }));

const INDENTS: (number | string)[] = [2, 0, 4, 1, 10, 11, -3, 2.7, Number.NaN, Number.POSITIVE_INFINITY, '', '\t', '--', 'abcdefghijklmno'];

describe('toJson = JSON.stringify(value, jsonReplacer, indent)', () => {
  it('on edge cases', () => {
    const sparse: unknown[] = [1];
    sparse[3] = 2;
    const withExtra = Object.assign([1, 2], { extra: 3 });
    const proto = Object.create({ inherited: 1 }) as Record<string, unknown>;
    proto['own'] = 2;
    Object.defineProperty(proto, 'hidden', { value: 3, enumerable: false });
    const cases: unknown[] = [
      undefined, null, true, false, 0, -0, 1.5, -1e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '', 'a"b\\c\n\u0001\u2028\ud800',
      0n, 0xffffffffffffffffn, -5n, new Uint8Array([0, 0xab]), new Uint8Array(0), new Uint16Array([1, 2]), Symbol('s'), () => 1,
      [], {}, [[]], [{}], { a: {} }, { a: [] }, [undefined, () => 1, Symbol('x'), 1n], { a: undefined, b: () => 1, c: Symbol('y'), d: 2 },
      { a: undefined }, [undefined], sparse, withExtra, proto, { 2: 'b', 1: 'a', z: 1, y: 2 }, { '': 1, '"': 2, '\n': 3 },
      new Map([[1, 2]]), new Set([1]), new Date(0), { d: new Date(86400000) }, { toJSON: () => ({ x: 1n }) }, { a: { toJSON: (k: string) => k } }, [{ toJSON: (k: string) => k }],
      Object(1), Object('s'), Object(true), Object(1n), { n: Object(2), s: Object('t'), b: Object(false) }, Object.create(null) as object,
      { deep: [{ x: [1, { y: [2n, new Uint8Array([1])] }] }] },
    ];
    for (const value of cases) {
      for (const indent of INDENTS) {
        expect(ours(value, indent), `${String(indent)}`).toBe(native(value, indent));
        const deep = nest(value, SPINE);
        expect(ours(deep, indent), `${String(indent)}, 12 levels down`).toBe(native(deep, indent));
      }
    }
  });

  it('on a cycle: TypeError, as JSON.stringify', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = { back: a };
    expect(ours(a, 2)).toBe('throws TypeError');
    expect(native(a, 2)).toBe('throws TypeError');
    const far: unknown[] = [];
    far.push(nest(far, SPINE)); // the cycle 13 levels long
    expect(ours(far, 2)).toBe('throws TypeError');
    const shared = { s: 1 };
    expect(ours({ a: shared, b: [shared, shared] }, 2)).toBe(native({ a: shared, b: [shared, shared] }, 2)); // repeated, not a cycle
  });

  it('on fast-check values', () => {
    const value = fc.anything({
      maxDepth: 6,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    const level = fc.record({ array: fc.boolean(), key: fc.string(), before: fc.array(value, { maxLength: 2 }), after: fc.array(value, { maxLength: 2 }) });
    fc.assert(
      fc.property(value, fc.array(level, { maxLength: 14 }), fc.constantFrom(...INDENTS), (v, levels, indent) => {
        const deep = nest(v, levels);
        expect(ours(deep, indent)).toBe(native(deep, indent));
      }),
      { numRuns: 2000, seed: 20261125 },
    );
  });

  it('on JSON-shaped values with bigint and byte-array leaves', () => {
    const leaf = fc.oneof(fc.bigInt(), fc.uint8Array({ maxLength: 16 }), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', maxDepth: 14 }, leaf, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('tree'), { maxKeys: 3 })),
    }));
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 12 }), (v, levels) => {
        const deep = nest(v, SPINE.slice(0, levels));
        expect(ours(deep, 2)).toBe(native(deep, 2));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});
