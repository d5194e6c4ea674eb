/**
 * The two computed values of a PE image: the `CheckSum` field as Windows'
 * imagehlp computes it (`CheckSumMappedFile`), and the Authenticode image
 * digest ("Windows Authenticode Portable Executable Signature Format",
 * "Calculating the PE Image Hash"; PE Format, Appendix A).
 *
 * @module
 */
import { IMAGE_DIRECTORY_ENTRY_SECURITY } from './constants.js';
import type { PeImage } from './image.js';
import { Sha256 } from './sha256.js';

/**
 * The imagehlp checksum of the file: the one's-complement sum of its
 * little-endian 16-bit words (a last odd byte padded with 0), with the 4
 * bytes of the `CheckSum` field counted as 0, folded to 16 bits, plus the
 * file length. `checksumOffset` is {@link PeImage.checksumOffset}.
 */
export function computePeChecksum(bytes: Uint8Array, checksumOffset: number): number {
  const n = bytes.length;
  const even = n - (n & 1);
  // A plain sum: each word is at most 0xffff and a file has fewer than 2^37
  // words, so a double holds the total exactly; fold once at the end.
  let sum = 0;
  for (let i = 0; i < even; i += 2) sum += (bytes[i] as number) | ((bytes[i + 1] as number) << 8);
  if (n & 1) sum += bytes[n - 1] as number;
  // Count the CheckSum field's bytes as 0, each at its place in its word.
  for (let j = Math.max(0, checksumOffset); j < Math.min(n, checksumOffset + 4); j++) {
    sum -= (bytes[j] as number) * (j & 1 ? 256 : 1);
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return (sum + n) >>> 0;
}

/** The checksum of a decoded image (see {@link computePeChecksum}). */
export function peChecksum(image: Pick<PeImage, 'bytes' | 'checksumOffset'>): number {
  return computePeChecksum(image.bytes, image.checksumOffset);
}

/** A byte range `[start, end)` of the file. */
export interface ByteRange {
  /** First byte. */
  start: number;
  /** One past the last byte. */
  end: number;
}

/**
 * The byte ranges the Authenticode digest covers, in hashing order:
 * the headers up to `SizeOfHeaders` without the `CheckSum` field and the
 * certificate-table directory entry; then each section's raw data
 * (`SizeOfRawData` bytes at `PointerToRawData`, sections with raw data
 * sorted by file offset); then the bytes after the last hashed one up to
 * the end of the file less the certificate table's size. Every range is
 * clipped to the file.
 */
export function authenticodeRanges(image: Pick<PeImage, 'bytes' | 'checksumOffset' | 'dataDirectories' | 'optionalHeader' | 'sections'>): ByteRange[] {
  const n = image.bytes.length;
  const clip = (x: number): number => Math.max(0, Math.min(n, x));
  const ranges: ByteRange[] = [];
  const push = (start: number, end: number): void => {
    const s = clip(start);
    const e = clip(end);
    if (e > s) ranges.push({ start: s, end: e });
  };
  const headersEnd = image.optionalHeader.sizeOfHeaders;
  const cert = image.dataDirectories[IMAGE_DIRECTORY_ENTRY_SECURITY];
  push(0, image.checksumOffset);
  if (cert !== undefined) {
    push(image.checksumOffset + 4, cert.entryOffset);
    push(cert.entryOffset + 8, headersEnd);
  } else {
    push(image.checksumOffset + 4, headersEnd);
  }
  let sumOfBytesHashed = headersEnd;
  const withData = image.sections.filter((s) => s.sizeOfRawData !== 0).sort((a, b) => a.pointerToRawData - b.pointerToRawData);
  for (const s of withData) {
    push(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData);
    sumOfBytesHashed += s.sizeOfRawData;
  }
  const certSize = cert?.size ?? 0;
  if (n > sumOfBytesHashed) {
    const extra = n - certSize - sumOfBytesHashed;
    if (extra > 0) push(sumOfBytesHashed, sumOfBytesHashed + extra);
  }
  return ranges;
}

/** The Authenticode SHA-256 image digest, computed synchronously over the ranges of {@link authenticodeRanges} (no copy). */
export function authenticodeSha256(image: Pick<PeImage, 'bytes' | 'checksumOffset' | 'dataDirectories' | 'optionalHeader' | 'sections'>): Uint8Array {
  const h = new Sha256();
  for (const r of authenticodeRanges(image)) h.update(image.bytes, r.start, r.end);
  return h.digest();
}

/** The WebCrypto interface {@link authenticodeDigest} needs (`globalThis.crypto.subtle` in browsers and Node 20). */
export interface SubtleDigest {
  /** `SubtleCrypto.digest`. */
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}

/**
 * The Authenticode image digest with any algorithm WebCrypto knows
 * (`SHA-256`, `SHA-384`, `SHA-512`, `SHA-1`). The ranges are concatenated
 * into one buffer first (WebCrypto digests are one-shot). Pass `subtle`
 * when `globalThis.crypto` is missing.
 */
export async function authenticodeDigest(
  image: Pick<PeImage, 'bytes' | 'checksumOffset' | 'dataDirectories' | 'optionalHeader' | 'sections'>,
  algorithm = 'SHA-256',
  subtle?: SubtleDigest,
): Promise<Uint8Array> {
  const ranges = authenticodeRanges(image);
  let total = 0;
  for (const r of ranges) total += r.end - r.start;
  const joined = new Uint8Array(total);
  let o = 0;
  for (const r of ranges) {
    joined.set(image.bytes.subarray(r.start, r.end), o);
    o += r.end - r.start;
  }
  const s = subtle ?? (globalThis as { crypto?: { subtle?: SubtleDigest } }).crypto?.subtle;
  if (s === undefined) throw new Error('no WebCrypto: pass a SubtleCrypto');
  return new Uint8Array(await s.digest(algorithm, joined));
}
