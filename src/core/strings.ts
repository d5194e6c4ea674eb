/**
 * Bounded C strings: a NUL-terminated string is read up to a bound, never
 * further, whatever the input says.
 *
 * @module
 */
import { BootprotoError } from './errors.js';
import type { MemoryContext, PhysAddr, PhysicalMemory } from './memory.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** A C string as found: its bytes (without the NUL) and its text. */
export interface CString {
  /** The string's bytes, without the terminating NUL (a subarray of the input where possible). */
  bytes: Uint8Array;
  /** The bytes decoded as UTF-8 (invalid sequences become U+FFFD; see {@link CString.validUtf8}). */
  text: string;
  /** False when the bytes are not valid UTF-8, so that `text` does not give them back. */
  validUtf8: boolean;
}

function decode(bytes: Uint8Array): CString {
  try {
    return { bytes, text: utf8Strict.decode(bytes), validUtf8: true };
  } catch {
    return { bytes, text: utf8.decode(bytes), validUtf8: false };
  }
}

/** Encodes a string as UTF-8 followed by a NUL. */
export function encodeCString(text: string): Uint8Array {
  const body = encoder.encode(text);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/**
 * Reads the NUL-terminated string at `offset` in `bytes`, looking at most
 * `maxLength` bytes (the NUL included). Throws `UNTERMINATED` if no NUL is
 * found within the bound or the bytes.
 */
export function readCString(bytes: Uint8Array, offset: number, maxLength: number, context: MemoryContext): CString {
  const end = Math.min(bytes.length, offset + maxLength);
  const nul = offset >= 0 && offset < bytes.length ? bytes.subarray(offset, end).indexOf(0) : -1;
  if (nul < 0) {
    throw new BootprotoError({
      code: 'UNTERMINATED',
      ...context,
      offset,
      reason: `no NUL within ${Math.max(0, end - offset)} bytes (bound ${maxLength})`,
    });
  }
  return decode(bytes.subarray(offset, offset + nul));
}

/**
 * Reads the NUL-terminated string at physical address `paddr`, looking at
 * most `maxLength` bytes (the NUL included). Throws `UNMAPPED` if `paddr` is
 * not backed, `UNTERMINATED` if no NUL is found within the bound or before
 * the backed memory ends.
 */
export function readPhysCString(memory: PhysicalMemory, paddr: PhysAddr, maxLength: number, context: MemoryContext): CString {
  const n = memory.available(paddr, maxLength);
  const window = memory.read(paddr, n === 0 ? 1 : n, context).subarray(0, n);
  const nul = window.indexOf(0);
  if (nul < 0) {
    throw new BootprotoError({
      code: 'UNTERMINATED',
      ...context,
      offset: 0,
      paddr: BigInt(paddr),
      reason:
        n < maxLength
          ? `no NUL within the ${n} backed bytes at 0x${BigInt(paddr).toString(16)}`
          : `no NUL within ${maxLength} bytes (bound)`,
    });
  }
  return decode(window.subarray(0, nul));
}
