/**
 * Slice readers: random access to bytes that need not all be in memory — a
 * file opened by the caller, a browser `Blob` or `File`, a range request.
 * Functions that inspect the headers of a large image (a 40 MB kernel) read
 * through one and fetch only the slices they need; every length they ask
 * for is bounded, and a source that hands back fewer bytes than asked for is
 * a `TRUNCATED` {@link BootprotoError}, never a short array read past.
 *
 * Wrapping what a platform offers is a few lines, and kept out of the
 * library (which uses no Node or DOM types):
 *
 * @example
 * ```ts
 * // Node, a file descriptor (synchronous: usable with the *Sync readers too)
 * import { openSync, fstatSync, readSync } from 'node:fs';
 * const fd = openSync(path, 'r');
 * const file: SyncByteSource = {
 *   size: fstatSync(fd).size,
 *   read(offset, length) {
 *     const out = new Uint8Array(length);
 *     return out.subarray(0, readSync(fd, out, 0, length, offset));
 *   },
 * };
 *
 * // Node, a FileHandle from fs/promises (asynchronous)
 * const fh = await open(path, 'r');
 * const handle: ByteSource = {
 *   size: (await fh.stat()).size,
 *   async read(offset, length) {
 *     const out = new Uint8Array(length);
 *     const { bytesRead } = await fh.read(out, 0, length, offset);
 *     return out.subarray(0, bytesRead);
 *   },
 * };
 *
 * // A browser Blob or File (an <input type="file">, a drop, a fetch().blob())
 * const source = blobSource(file); // slice(start, end).arrayBuffer() per read
 * ```
 *
 * @module
 */
import { BootprotoError, type Format } from './errors.js';

/**
 * Random access to `size` bytes. `read(offset, length)` returns the bytes
 * `[offset, offset + length)` — fewer only when the source ends first — as a
 * new array or a view the caller may keep, synchronously or as a promise.
 * Readers never ask for bytes past `size` and never more than
 * {@link MAX_SOURCE_READ} at once.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** The bytes at `offset`, `length` of them (fewer only at the end of the source). */
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

/** A {@link ByteSource} whose reads return at once (an array in memory, a file read with `readSync`). */
export interface SyncByteSource extends ByteSource {
  /** The bytes at `offset`, `length` of them (fewer only at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

/** The most bytes one read through {@link readSource} may ask for: 16 MiB. Header readers ask for far less. */
export const MAX_SOURCE_READ = 16 * 1024 * 1024;

/** What a read is for: named in the error when it fails. */
export interface SourceReadContext {
  /** The format being read. */
  format: Format;
  /** The structure the bytes are for. */
  structure: string;
  /** The field that gave the offset or length, when one did. */
  field?: string;
}

/** One read a {@link ReadPlan} asks for. */
export interface SourceRead {
  /** Byte offset in the source. */
  offset: number;
  /** How many bytes. */
  length: number;
  /** What the bytes are for (named in errors). */
  what: SourceReadContext;
}

/**
 * A reader written once for synchronous and asynchronous sources alike: a
 * generator that yields each {@link SourceRead} it needs, receives the bytes,
 * and returns its result. Run it with {@link runReadPlan} or
 * {@link runReadPlanSync}.
 */
export type ReadPlan<T> = Generator<SourceRead, T, Uint8Array>;

/** A source over bytes already in memory: reads are subarrays (no copy). */
export function bytesSource(bytes: Uint8Array): SyncByteSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Uint8Array {
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** The part of a `Blob` (or `File`) that {@link blobSource} uses. */
export interface BlobLike {
  /** Size in bytes. */
  readonly size: number;
  /** A blob of the bytes `[start, end)`. */
  slice(start?: number, end?: number): BlobSliceLike;
}

/** The part of a sliced `Blob` that {@link blobSource} uses. */
export interface BlobSliceLike {
  /** The slice's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A source over a browser `Blob` or `File`: each read is
 * `blob.slice(offset, offset + length).arrayBuffer()`, so only the slices
 * read are ever in memory.
 */
export function blobSource(blob: BlobLike): ByteSource {
  return {
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** A source that counts what is read through it (for tests, benchmarks and progress reports). */
export interface CountingSource extends ByteSource {
  /** Bytes returned so far. */
  readonly bytesRead: number;
  /** Reads so far. */
  readonly reads: number;
}

/** Wraps `source` so that the bytes and reads through it are counted; sync stays sync. */
export function countingSource<S extends ByteSource>(source: S): S & CountingSource {
  const counter = {
    size: source.size,
    bytesRead: 0,
    reads: 0,
    read(offset: number, length: number): Uint8Array | Promise<Uint8Array> {
      counter.reads++;
      const got = source.read(offset, length);
      if (got instanceof Uint8Array) {
        counter.bytesRead += got.length;
        return got;
      }
      return Promise.resolve(got).then((b) => {
        counter.bytesRead += b instanceof Uint8Array ? b.length : 0;
        return b;
      });
    },
  };
  return counter as unknown as S & CountingSource;
}

function sourceError(code: 'TRUNCATED' | 'OUT_OF_BOUNDS' | 'LIMIT' | 'BAD_VALUE', what: SourceReadContext, offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: what.format, structure: what.structure, ...(what.field === undefined ? {} : { field: what.field }), offset, reason });
}

/** Checks a read before it is made: whole numbers, within the source, at most {@link MAX_SOURCE_READ}. */
function checkRead(source: ByteSource, offset: number, length: number, what: SourceReadContext): void {
  const size = source.size;
  if (!(Number.isSafeInteger(size) && size >= 0)) throw sourceError('BAD_VALUE', what, 0, `the source's size ${String(size)} is not a whole number of bytes`);
  if (!(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0)) {
    throw sourceError('OUT_OF_BOUNDS', what, Number.isFinite(offset) ? offset : 0, `cannot read ${String(length)} bytes at ${String(offset)}`);
  }
  if (length > MAX_SOURCE_READ) throw sourceError('LIMIT', what, offset, `a read of ${length} bytes exceeds the ${MAX_SOURCE_READ}-byte bound`);
  if (offset > size || size - offset < length) throw sourceError('TRUNCATED', what, offset, `needs ${length} bytes at ${offset}, the source has ${size}`);
}

/** Checks what a source returned: a Uint8Array of `length` bytes (a longer one is cut). */
function checkResult(got: unknown, offset: number, length: number, what: SourceReadContext): Uint8Array {
  if (!(got instanceof Uint8Array)) throw sourceError('BAD_VALUE', what, offset, 'the source returned something other than a Uint8Array');
  if (got.length < length) throw sourceError('TRUNCATED', what, offset, `short read: ${got.length} of ${length} bytes at ${offset}`);
  return got.length === length ? got : got.subarray(0, length);
}

/**
 * Reads exactly `length` bytes at `offset`: throws `TRUNCATED` when they are
 * not all inside the source or the source returns fewer, `LIMIT` above
 * {@link MAX_SOURCE_READ}, `OUT_OF_BOUNDS` for a negative or fractional
 * offset or length, naming `what`.
 */
export async function readSource(source: ByteSource, offset: number, length: number, what: SourceReadContext): Promise<Uint8Array> {
  checkRead(source, offset, length, what);
  return checkResult(await source.read(offset, length), offset, length, what);
}

/** {@link readSource} for a synchronous source; a read that returns a promise is a `BAD_VALUE` error. */
export function readSourceSync(source: SyncByteSource, offset: number, length: number, what: SourceReadContext): Uint8Array {
  checkRead(source, offset, length, what);
  const got: unknown = source.read(offset, length);
  if (got !== null && typeof got === 'object' && typeof (got as { then?: unknown }).then === 'function') {
    throw sourceError('BAD_VALUE', what, offset, 'the source reads asynchronously; use the asynchronous reader');
  }
  return checkResult(got, offset, length, what);
}

/** Runs a {@link ReadPlan} against any source, awaiting each read. */
export async function runReadPlan<T>(source: ByteSource, plan: ReadPlan<T>): Promise<T> {
  let step = plan.next();
  while (!step.done) {
    const r = step.value;
    step = plan.next(await readSource(source, r.offset, r.length, r.what));
  }
  return step.value;
}

/** Runs a {@link ReadPlan} against a synchronous source. */
export function runReadPlanSync<T>(source: SyncByteSource, plan: ReadPlan<T>): T {
  let step = plan.next();
  while (!step.done) {
    const r = step.value;
    step = plan.next(readSourceSync(source, r.offset, r.length, r.what));
  }
  return step.value;
}
