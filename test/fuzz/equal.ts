/**
 * Structural equality for decoded objects, the part of Node's
 * `util.isDeepStrictEqual` the fuzz targets need, without `node:util` (the
 * library targets run in Chromium too): primitives and bigints by
 * `Object.is`, typed arrays byte for byte (same class), arrays element by
 * element, plain objects by their own enumerable keys (a key holding
 * `undefined` is not a missing key) and the same prototype. Anything else
 * (a Map, a Date, a class instance) throws: extend this before relying on it.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const c = b as unknown[];
    if (a.length !== c.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], c[i])) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(a);
  if (proto !== Object.prototype && proto !== null) throw new Error(`deepEqual: cannot compare a ${Object.prototype.toString.call(a)}`);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
