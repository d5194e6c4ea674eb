/**
 * Property values (Devicetree Specification v0.4 §2.2.4): the encodings of
 * `<u32>`, `<u64>`, `<string>`, `<stringlist>` and `<prop-encoded-array>`,
 * read from and written to bytes.
 *
 * @module
 */
import { BootprotoError } from '../core/index.js';

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function bad(reason: string): never {
  throw new BootprotoError({ code: 'BAD_VALUE', format: 'fdt', structure: 'property', offset: 0, reason });
}

/** A `<u32>` array: each number written big-endian (each must fit 32 bits). */
export function cellsValue(cells: readonly number[]): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => {
    if (!(Number.isInteger(c) && c >= 0 && c <= 0xffffffff)) bad(`${c} does not fit a cell`);
    dv.setUint32(i * 4, c);
  });
  return out;
}

/** A `<u64>` array: each value written as two big-endian cells. */
export function u64Value(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (v < 0n || v > 0xffffffffffffffffn) bad(`${v} does not fit 64 bits`);
    dv.setBigUint64(i * 8, v);
  });
  return out;
}

/**
 * A value of `count` cells holding `value` (big-endian, most significant cell
 * first), as `reg` and `ranges` need. Throws `BAD_VALUE` when `count` is not
 * a whole number of cells or `value` does not fit them.
 */
export function numberCells(value: bigint, count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 0) bad(`${count} is not a number of cells`);
  const out = new Uint8Array(count * 4);
  const dv = new DataView(out.buffer);
  let v = value;
  for (let i = count - 1; i >= 0; i--) {
    dv.setUint32(i * 4, Number(v & 0xffffffffn));
    v >>= 32n;
  }
  if (v !== 0n || value < 0n) bad(`${value} does not fit ${count} cell(s)`);
  return out;
}

/** A `<string>`: UTF-8 and a NUL. */
export function stringValue(text: string): Uint8Array {
  return stringListValue([text]);
}

/** A `<stringlist>`: each string UTF-8 and NUL-terminated, concatenated. */
export function stringListValue(list: readonly string[]): Uint8Array {
  const parts = list.map((s) => encoder.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1;
  }
  return out;
}

/** Reads a value as `<u32>` cells; throws `BAD_VALUE` when its length is not a multiple of 4. */
export function readCells(value: Uint8Array): number[] {
  if (value.length % 4 !== 0) bad(`${value.length} bytes are not whole cells`);
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: number[] = [];
  for (let i = 0; i < value.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

/** Reads `count` cells at cell `index` of `value` as one number (most significant first). */
export function readNumber(value: Uint8Array, index: number, count: number): bigint {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 0 || count < 0 || (index + count) * 4 > value.length) {
    bad(`cells ${index}..${index + count - 1} are past the value's ${value.length >> 2} cells`);
  }
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(dv.getUint32((index + i) * 4));
  return v;
}

/**
 * Reads a `<stringlist>` as libfdt's `fdt_stringlist_*` do: strings split at
 * each NUL; an empty value is an empty list; throws `BAD_VALUE` when the
 * last string is not NUL-terminated.
 */
export function readStringList(value: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < value.length) {
    const nul = value.indexOf(0, start);
    if (nul < 0) bad('the last string is not NUL-terminated');
    out.push(utf8.decode(value.subarray(start, nul)));
    start = nul + 1;
  }
  return out;
}

/** Reads a `<string>`: the text up to the first NUL; throws `BAD_VALUE` when there is none. */
export function readString(value: Uint8Array): string {
  const nul = value.indexOf(0);
  if (nul < 0) bad('the string is not NUL-terminated');
  return utf8.decode(value.subarray(0, nul));
}

/** Reads a `<u32>` value (exactly 4 bytes); throws `BAD_VALUE` otherwise. */
export function readU32(value: Uint8Array): number {
  if (value.length !== 4) bad(`a u32 needs 4 bytes, not ${value.length}`);
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
}

/** Reads a 4- or 8-byte value as an unsigned number (as `linux,initrd-start` is written either way). */
export function readU32OrU64(value: Uint8Array): bigint {
  if (value.length === 4) return BigInt(readU32(value));
  if (value.length === 8) return readNumber(value, 0, 2);
  return bad(`expected 4 or 8 bytes, not ${value.length}`);
}
