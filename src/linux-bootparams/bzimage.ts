/**
 * A bzImage as a file (boot.rst, "The Real-Mode Kernel Header", "Loading The
 * Rest of The Kernel", `payload_offset`, `kernel_version`, "The kernel_info"):
 * the real-mode part (boot sector and setup, `(setup_sects + 1) * 512`
 * bytes), the protected-mode part after it, the compressed payload inside
 * that, the kernel version string, `kernel_info`, and whether the file is
 * also a PE/COFF image (the EFI stub).
 *
 * @module
 */
import { BootprotoError, readCString, runReadPlan, runReadPlanSync, type ByteSource, type ReadPlan, type SourceReadContext, type SyncByteSource } from '../core/index.js';
import { HDRS_MAGIC, LOADED_HIGH, SECTOR_SIZE } from './constants.js';
import { decodeKernelInfo, type KernelInfo } from './kernel-info.js';
import { decodeSetupHeader, effectiveSetupSects, protocolText, type SetupHeader } from './setup-header.js';

/** Compression formats of a payload, told by their magic numbers (boot.rst, `payload_offset`). */
export type Compression = 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'zstd' | 'elf' | 'unknown';

/** Tells a payload's format from its first bytes. */
export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number): number => (i < head.length ? (head[i] as number) : -1);
  if (b(0) === 0x1f && (b(1) === 0x8b || b(1) === 0x9e)) return 'gzip';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (b(0) === 0x5d && b(1) === 0x00) return 'lzma';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x89 && b(1) === 0x4c && b(2) === 0x5a && b(3) === 0x4f) return 'lzo';
  if (b(0) === 0x02 && b(1) === 0x21) return 'lz4';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return 'elf';
  return 'unknown';
}

/** Where the payload is and what it is. */
export interface BzImagePayload {
  /** File offset: start of the protected-mode part plus `payload_offset`. */
  fileOffset: number;
  /** `payload_length`. */
  length: number;
  /** What its magic says, or `unknown` (also when the bytes given stop before it). */
  compression: Compression;
  /** False when the bytes given end before the payload does (a truncated image). */
  complete: boolean;
}

let crcTable: Uint32Array | undefined;

/**
 * The CRC-32 register after `bytes` (polynomial 0x04C11DB7, reflected, as
 * boot.rst's "The Image Checksum" and the kernel's build tool compute it):
 * starts from `crc` (0xFFFFFFFF) and is not inverted at the end.
 */
export function crc32Raw(bytes: Uint8Array, crc = 0xffffffff): number {
  let table = crcTable;
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return c >>> 0;
}

/** The image checksum (boot.rst, "The Image Checksum", protocol 2.08+). */
export interface ImageChecksum {
  /** Bytes the checksum covers: the real-mode part plus `syssize * 16`; the CRC is their last 4. */
  covered: number;
  /** The CRC stored in the last 4 covered bytes. */
  stored: number;
  /** The CRC computed over the covered bytes before it. */
  computed: number;
  /** `stored === computed`. A signed EFI image fails: signing rewrites PE header fields after the CRC was made. */
  ok: boolean;
  /** File bytes after the covered part (an appended signature, for instance). */
  trailing: number;
}

/**
 * Checks the image checksum of a 2.08+ kernel. Returns undefined when the
 * bytes given stop before `(setup_sects + 1) * 512 + syssize * 16`.
 */
export function checkImageChecksum(bytes: Uint8Array, header: SetupHeader = decodeSetupHeader(bytes)): ImageChecksum | undefined {
  const covered = (effectiveSetupSects(header.setupSects) + 1) * SECTOR_SIZE + header.syssize * 16;
  if (covered < SECTOR_SIZE + 4 || covered > bytes.length) return undefined;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + covered - 4, 4).getUint32(0, true);
  const computed = crc32Raw(bytes.subarray(0, covered - 4));
  return { covered, stored, computed, ok: stored === computed, trailing: bytes.length - covered };
}

/** What a kernel image holds, as far as the bytes given reach. */
export interface BzImageInfo {
  /** The setup header (fields as the version has them). */
  header: SetupHeader;
  /** `version`, such as 0x020f. */
  protocol: number;
  /** `"2.15"`. */
  protocolText: string;
  /** `setup_sects`, with 0 read as 4. */
  setupSects: number;
  /** Size of the real-mode part, `(setup_sects + 1) * 512`: the file offset of the protected-mode part. */
  setupSize: number;
  /** File bytes after the real-mode part (of the bytes given). */
  protectedModeSize: number;
  /** `syssize * 16`: the protected-mode size the header declares (2.04+). */
  syssizeBytes: number;
  /** Protocol ≥ 2.00 and `LOADED_HIGH`. */
  isBzImage: boolean;
  /** The kernel version string at `kernel_version + 0x200`, when present. */
  kernelVersion?: string;
  /** The payload (protocol 2.08+ with a nonzero `payload_offset`). */
  payload?: BzImagePayload;
  /** The `kernel_info` (2.15+), when the bytes given reach it. */
  kernelInfo?: KernelInfo;
  /** File offset of `kernel_info`. */
  kernelInfoFileOffset?: number;
  /** The file also starts with an MZ header whose `e_lfanew` points at `"PE\0\0"` (the EFI stub). */
  peCoff: PeHeaderInfo;
  /** The image checksum (2.08+), when the bytes given reach the end `syssize` declares. */
  checksum?: ImageChecksum;
  /** Things noticed on the way that are not errors of the header itself. */
  notes: string[];
}

/** True when `bytes` look like a Linux x86 kernel image: 0xAA55 at 0x1FE and `"HdrS"` at 0x202. */
export function detectBzImage(bytes: Uint8Array): boolean {
  if (bytes.length < 0x206) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 0x206);
  return dv.getUint16(0x1fe, true) === 0xaa55 && dv.getUint32(0x202, true) === HDRS_MAGIC;
}

/** Whether an image carries a PE/COFF header. */
export interface PeHeaderInfo {
  /** `"MZ"` at 0 and `"PE\0\0"` at `e_lfanew`. */
  present: boolean;
  /** `e_lfanew`, when present. */
  peOffset?: number;
}

/**
 * True when `bytes` look like a zero page: exactly 4096 bytes, `"HdrS"` at
 * 0x202 and 0xAA55 at 0x1FE (the copied setup header), and no `"MZ"` at 0 (a
 * kernel image's first bytes are its boot sector or PE stub; a zero page's are
 * `screen_info`). Check this before {@link detectBzImage}, which also matches
 * a zero page.
 */
export function detectBootParams(bytes: Uint8Array): boolean {
  return bytes.length === 4096 && detectBzImage(bytes) && !(bytes[0] === 0x4d && bytes[1] === 0x5a);
}

/** Reports whether the file carries a PE/COFF header: `"MZ"` and a `"PE\0\0"` at `e_lfanew`. */
export function findPeHeader(bytes: Uint8Array): PeHeaderInfo {
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return { present: false };
  const lfanew = new DataView(bytes.buffer, bytes.byteOffset, 0x40).getUint32(0x3c, true);
  if (lfanew + 4 > bytes.length) return { present: false };
  const ok = bytes[lfanew] === 0x50 && bytes[lfanew + 1] === 0x45 && bytes[lfanew + 2] === 0 && bytes[lfanew + 3] === 0;
  return ok ? { present: true, peOffset: lfanew } : { present: false };
}

/**
 * The string `kernel_version` points at (its value + 0x200, inside the
 * real-mode part of `setupSize` bytes), or undefined with a note saying why.
 */
function kernelVersionString(kv: number, setup: Uint8Array, setupSize: number, notes: string[]): string | undefined {
  if (kv === 0) return undefined;
  const at = kv + 0x200;
  if (at >= setupSize) {
    notes.push(`kernel_version 0x${kv.toString(16)} points outside the setup code (0x${setupSize.toString(16)} bytes)`);
    return undefined;
  }
  try {
    return readCString(setup, at, setupSize - at, { format: 'linux', structure: 'setup_header', field: 'kernel_version' }).text;
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    notes.push(`kernel version string: ${e.reason}`);
    return undefined;
  }
}

/**
 * Inspects a kernel image. Throws only when the setup header cannot be read
 * (see {@link decodeSetupHeader}); a truncated image yields what its bytes
 * reach, with `notes` saying what was out of reach.
 */
export function inspectBzImage(bytes: Uint8Array): BzImageInfo {
  const header = decodeSetupHeader(bytes);
  const protocol = header.version ?? 0;
  const setupSects = effectiveSetupSects(header.setupSects);
  const setupSize = (setupSects + 1) * SECTOR_SIZE;
  const notes: string[] = [];
  const info: BzImageInfo = {
    header,
    protocol,
    protocolText: protocolText(protocol),
    setupSects,
    setupSize,
    protectedModeSize: Math.max(0, bytes.length - setupSize),
    syssizeBytes: header.syssize * 16,
    isBzImage: protocol >= 0x200 && ((header.loadflags ?? 0) & LOADED_HIGH) !== 0,
    peCoff: findPeHeader(bytes),
    notes,
  };
  if (bytes.length < setupSize) notes.push(`the bytes given (${bytes.length}) end inside the real-mode part (${setupSize})`);
  const version = kernelVersionString(header.kernelVersion ?? 0, bytes, setupSize, notes);
  if (version !== undefined) info.kernelVersion = version;
  if (header.payloadOffset !== undefined && header.payloadOffset !== 0) {
    const fileOffset = setupSize + header.payloadOffset;
    const length = header.payloadLength ?? 0;
    const complete = fileOffset + length <= bytes.length;
    info.payload = {
      fileOffset,
      length,
      compression: fileOffset < bytes.length ? detectCompression(bytes.subarray(fileOffset, fileOffset + 8)) : 'unknown',
      complete,
    };
    if (!complete) notes.push(`the payload [0x${fileOffset.toString(16)}, +0x${length.toString(16)}) runs past the bytes given`);
  }
  if (protocol >= 0x208) {
    const checksum = checkImageChecksum(bytes, header);
    if (checksum !== undefined) info.checksum = checksum;
  }
  if (header.kernelInfoOffset !== undefined && header.kernelInfoOffset !== 0) {
    const at = setupSize + header.kernelInfoOffset;
    info.kernelInfoFileOffset = at;
    if (at + 12 > bytes.length) notes.push(`kernel_info at file offset 0x${at.toString(16)} is beyond the bytes given`);
    else {
      try {
        info.kernelInfo = decodeKernelInfo(bytes, at);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        notes.push(`kernel_info: ${e.reason}`);
      }
    }
  }
  return info;
}

// ---------------------------------------------------------------------------
// A kernel image that is not in memory: its headers read through a slice reader.

/** The largest `kernel_info` (`size_total`) {@link readBzImageHeaders} reads: 64 KiB (Linux 6.1's is 28 bytes). */
export const MAX_KERNEL_INFO_READ = 64 * 1024;
/** The bytes of one read while {@link readBzImageHeaders} computes the image checksum: 1 MiB. */
export const CHECKSUM_READ_CHUNK = 1024 * 1024;

/** Options of {@link readBzImageHeaders}. */
export interface ReadBzImageOptions {
  /**
   * Also compute the image checksum (protocol 2.08+), which reads the whole
   * kernel part (`(setup_sects + 1) * 512 + syssize * 16` bytes) in
   * {@link CHECKSUM_READ_CHUNK} slices: memory stays bounded, but every byte
   * is read. Off by default.
   */
  checksum?: boolean;
}

function u32At(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The reads of {@link readBzImageHeaders}, written once for sync and async sources. */
function* bzImagePlan(size: number, options: ReadBzImageOptions): ReadPlan<BzImageInfo> {
  const setupWhat: SourceReadContext = { format: 'linux', structure: 'setup_header' };
  // The setup header ends by 0x283 (the jump at 0x200 reaches 0x281 at most): 1 KiB holds it.
  let head = yield { offset: 0, length: Math.min(size, 1024), what: setupWhat };
  const header = decodeSetupHeader(head);
  const protocol = header.version ?? 0;
  const setupSects = effectiveSetupSects(header.setupSects);
  const setupSize = (setupSects + 1) * SECTOR_SIZE; // at most 256 sectors: 128 KiB
  const setupEnd = Math.min(size, setupSize);
  if (head.length < setupEnd) head = concat(head, yield { offset: head.length, length: setupEnd - head.length, what: setupWhat });
  const setup = head.subarray(0, setupEnd);
  const notes: string[] = [];
  let peCoff = findPeHeader(setup);
  if (!peCoff.present && setup.length >= 0x40 && setup[0] === 0x4d && setup[1] === 0x5a) {
    // "MZ", and e_lfanew beyond the real-mode part: read the 4 bytes it points at.
    const lfanew = u32At(setup, 0x3c);
    if (lfanew >= setup.length && lfanew <= size - 4) {
      const sig = yield { offset: lfanew, length: 4, what: { format: 'linux', structure: 'IMAGE_NT_HEADERS', field: 'e_lfanew' } };
      if (sig[0] === 0x50 && sig[1] === 0x45 && sig[2] === 0 && sig[3] === 0) peCoff = { present: true, peOffset: lfanew };
    }
  }
  const info: BzImageInfo = {
    header,
    protocol,
    protocolText: protocolText(protocol),
    setupSects,
    setupSize,
    protectedModeSize: Math.max(0, size - setupSize),
    syssizeBytes: header.syssize * 16,
    isBzImage: protocol >= 0x200 && ((header.loadflags ?? 0) & LOADED_HIGH) !== 0,
    peCoff,
    notes,
  };
  if (size < setupSize) notes.push(`the bytes given (${size}) end inside the real-mode part (${setupSize})`);
  const version = kernelVersionString(header.kernelVersion ?? 0, setup, setupSize, notes);
  if (version !== undefined) info.kernelVersion = version;
  if (header.payloadOffset !== undefined && header.payloadOffset !== 0) {
    const fileOffset = setupSize + header.payloadOffset;
    const length = header.payloadLength ?? 0;
    const complete = fileOffset + length <= size;
    let compression: Compression = 'unknown';
    if (fileOffset < size) {
      const magic = yield { offset: fileOffset, length: Math.min(8, size - fileOffset), what: { format: 'linux', structure: 'setup_header', field: 'payload_offset' } };
      compression = detectCompression(magic);
    }
    info.payload = { fileOffset, length, compression, complete };
    if (!complete) notes.push(`the payload [0x${fileOffset.toString(16)}, +0x${length.toString(16)}) runs past the bytes given`);
  }
  if (protocol >= 0x208 && options.checksum === true) {
    const covered = setupSize + header.syssize * 16;
    if (covered >= SECTOR_SIZE + 4 && covered <= size) {
      const what: SourceReadContext = { format: 'linux', structure: 'setup_header', field: 'syssize' };
      let crc = 0xffffffff;
      for (let at = 0; at < covered - 4; at += CHECKSUM_READ_CHUNK) {
        crc = crc32Raw(yield { offset: at, length: Math.min(CHECKSUM_READ_CHUNK, covered - 4 - at), what }, crc);
      }
      const stored = u32At(yield { offset: covered - 4, length: 4, what }, 0);
      info.checksum = { covered, stored, computed: crc, ok: stored === crc, trailing: size - covered };
    }
  }
  if (header.kernelInfoOffset !== undefined && header.kernelInfoOffset !== 0) {
    const at = setupSize + header.kernelInfoOffset;
    info.kernelInfoFileOffset = at;
    if (at + 12 > size) notes.push(`kernel_info at file offset 0x${at.toString(16)} is beyond the bytes given`);
    else {
      const what: SourceReadContext = { format: 'linux', structure: 'kernel_info', field: 'size_total' };
      let ki = yield { offset: at, length: 12, what };
      // size_total comes from the file: read no more than the file holds and MAX_KERNEL_INFO_READ.
      const total = Math.min(Math.max(u32At(ki, 8), 12), size - at, MAX_KERNEL_INFO_READ);
      if (total > 12) ki = concat(ki, yield { offset: at + 12, length: total - 12, what });
      try {
        info.kernelInfo = decodeKernelInfo(ki, 0);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        notes.push(`kernel_info: ${e.reason}`);
      }
    }
  }
  return info;
}

/**
 * Inspects a kernel image through a slice reader, reading only what the
 * headers need: the first KiB (the setup header), the rest of the
 * real-mode part (the version string, the PE header's offset; at most
 * 128 KiB), 8 bytes at the payload (its compression), 4 at `e_lfanew` when
 * it points past the real-mode part, and `kernel_info` (at most
 * {@link MAX_KERNEL_INFO_READ}). The result is what {@link inspectBzImage}
 * gives for the whole file, without `checksum` unless `options.checksum`
 * asks for it (it reads every byte of the kernel part, in bounded slices).
 * Throws what `decodeSetupHeader` throws, and `TRUNCATED` when the source
 * returns fewer bytes than it said it has.
 *
 * @example
 * ```ts
 * const info = await readBzImageHeaders(blobSource(file)); // a 40 MB File: a few KiB read
 * console.log(info.protocolText, info.kernelVersion, info.payload?.compression);
 * ```
 */
export function readBzImageHeaders(source: ByteSource, options: ReadBzImageOptions = {}): Promise<BzImageInfo> {
  return runReadPlan(source, bzImagePlan(source.size, options));
}

/** {@link readBzImageHeaders} through a synchronous source (a file read with `readSync`, bytes in memory). */
export function readBzImageHeadersSync(source: SyncByteSource, options: ReadBzImageOptions = {}): BzImageInfo {
  return runReadPlanSync(source, bzImagePlan(source.size, options));
}
