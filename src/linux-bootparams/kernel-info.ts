/**
 * `kernel_info` (boot.rst, "The kernel_info" and "Details of the kernel_info
 * Fields", protocol 2.15): a read-only structure in the protected-mode part
 * of the image, at `kernel_info_offset` from the start of that part.
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, u32, type Decoded } from '../core/index.js';
import { KERNEL_INFO_MAGIC } from './constants.js';

/** The fixed part of `kernel_info` known today (16 bytes). */
export const KERNEL_INFO = defineLayout({
  name: 'kernel_info',
  format: 'linux',
  size: 16,
  fields: {
    /** `"LToP"` (0x506f544c). */
    header: u32(0, { values: { [KERNEL_INFO_MAGIC]: 'LToP' } }),
    /** Size of the fixed part, header included. */
    size: u32(4),
    /** Size with the variable-length data. */
    sizeTotal: u32(8),
    /** Highest `setup_data`/`setup_indirect` type accepted. */
    setupTypeMax: u32(12),
  },
});

/**
 * The fixed part of a `kernel_info`, decoded.
 *
 * @useDeclaredType
 */
export type KernelInfoFixed = Decoded<typeof KERNEL_INFO.fields>;

/** One chunk of `kernel_info_var_len_data`: a 4-character magic and its size (header included). */
export interface KernelInfoChunk {
  /** The chunk's 4-byte magic as text. */
  magic: string;
  /** Its size in bytes, magic and size field included. */
  size: number;
  /** Offset of the chunk from the start of `kernel_info`. */
  offset: number;
  /** The bytes after the 8-byte chunk header. */
  data: Uint8Array;
}

/** A decoded `kernel_info`. */
export interface KernelInfo {
  /** `"LToP"`. */
  header: number;
  /** Size of the fixed part, header included. */
  size: number;
  /** Size with the variable-length data. */
  sizeTotal: number;
  /** Highest `setup_data`/`setup_indirect` type the kernel accepts; absent when `size` < 16. */
  setupTypeMax?: number;
  /** Fixed bytes beyond the fields known here (a newer kernel's). */
  unknownFixed: Uint8Array;
  /** The variable-length chunks. */
  chunks: KernelInfoChunk[];
}

const ascii = new TextDecoder('latin1');

function kiError(code: 'TRUNCATED' | 'BAD_MAGIC' | 'BAD_VALUE' | 'OUT_OF_BOUNDS', field: string | undefined, offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: 'linux', structure: 'kernel_info', ...(field === undefined ? {} : { field }), offset, reason });
}

/**
 * Decodes the `kernel_info` at `offset` in `bytes` (in an image: the start of
 * the protected-mode part plus `kernel_info_offset`). Checks the magic, that
 * `size` ≥ 12 and `size_total` ≥ `size`, that both fit the bytes, and walks
 * the variable-length chunks (each at least 8 bytes, all within `size_total`).
 */
export function decodeKernelInfo(bytes: Uint8Array, offset = 0): KernelInfo {
  if (!Number.isInteger(offset) || offset < 0 || bytes.length - offset < 12) {
    throw kiError('TRUNCATED', undefined, offset, `kernel_info needs at least 12 bytes, ${Math.max(0, bytes.length - offset)} given`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const header = dv.getUint32(0, true);
  if (header !== KERNEL_INFO_MAGIC) throw kiError('BAD_MAGIC', 'header', offset, `0x${header.toString(16)} is not "LToP" (0x506f544c)`);
  const size = dv.getUint32(4, true);
  const sizeTotal = dv.getUint32(8, true);
  if (size < 12) throw kiError('BAD_VALUE', 'size', offset + 4, `size ${size} is smaller than the 12-byte header`);
  if (sizeTotal < size) throw kiError('BAD_VALUE', 'size_total', offset + 8, `size_total ${sizeTotal} is smaller than size ${size}`);
  if (sizeTotal > bytes.length - offset) throw kiError('TRUNCATED', 'size_total', offset + 8, `size_total ${sizeTotal} runs past the ${bytes.length - offset} bytes given`);
  const out: KernelInfo = { header, size, sizeTotal, unknownFixed: bytes.subarray(offset + Math.min(size, KERNEL_INFO.size), offset + size), chunks: [] };
  if (size >= KERNEL_INFO.size) out.setupTypeMax = decodeLayout(KERNEL_INFO, bytes, offset).setupTypeMax;
  let at = size;
  while (at < sizeTotal) {
    if (sizeTotal - at < 8) throw kiError('TRUNCATED', 'kernel_info_var_len_data', offset + at, `${sizeTotal - at} bytes left, a chunk header needs 8`);
    const chunkSize = dv.getUint32(at + 4, true);
    if (chunkSize < 8 || chunkSize > sizeTotal - at) {
      throw kiError('BAD_VALUE', 'kernel_info_var_len_data', offset + at, `chunk size ${chunkSize} is below 8 or runs past size_total`);
    }
    out.chunks.push({
      magic: ascii.decode(bytes.subarray(offset + at, offset + at + 4)),
      size: chunkSize,
      offset: at,
      data: bytes.subarray(offset + at + 8, offset + at + chunkSize),
    });
    at += chunkSize;
  }
  return out;
}
