/**
 * JSON rendering: 64-bit values (`bigint`) as `"0x…"` strings, byte arrays
 * as hexadecimal strings.
 *
 * @module
 */

/** Formats a value as `0x` and lowercase hexadecimal digits. */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Formats bytes as lowercase hexadecimal pairs without separators. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** A `JSON.stringify` replacer: `bigint` → `"0x…"`, `Uint8Array` → hex string. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return hex(value);
  if (value instanceof Uint8Array) return bytesToHex(value);
  return value;
}

/** `JSON.stringify` with {@link jsonReplacer}. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, jsonReplacer, indent);
}
