/**
 * A zero-allocation walk over Multiboot 2 information tags, for hot paths
 * (a kernel's early boot code in a VMM, a fuzzer, a large info block): the
 * cursor reads the caller's bytes in place and allocates nothing per tag.
 *
 * @module
 */
import { BootprotoError, blankTable, type PointableTableView, type TableView } from '../../core/index.js';
import { MULTIBOOT2_MMAP_ENTRY, MULTIBOOT2_TAG_MMAP, MULTIBOOT2_TAG_TYPE_END, MULTIBOOT2_TAG_TYPE_MMAP } from './info.js';

/**
 * A cursor over the tags of an information structure. `next()` moves to the
 * next tag (the first call to the first tag) and returns false after the end
 * tag or at `total_size`; `type`, `size` and `offset` describe the current
 * tag. Every step moves at least 8 bytes, so a walk ends after at most
 * `total_size / 8` steps whatever the bytes say. A tag whose size is below 8
 * or that runs past `total_size` throws {@link BootprotoError}.
 */
export class Mb2TagCursor {
  // Fields the constructor sets are `declare`d, so that V8 creates each
  // with its real type at the first assignment: an ES2022 class field
  // without an initializer starts as `undefined`, and the field's
  // representation is then widened to "any value" (a map check or an
  // unboxing on every read in the walk; the walk took twice as long).
  /** The caller's bytes. */
  declare readonly bytes: Uint8Array;
  /** Where the information structure starts in {@link Mb2TagCursor.bytes}. */
  declare readonly start: number;
  /** `total_size`. */
  declare readonly totalSize: number;
  /** Offset of the current tag within {@link Mb2TagCursor.bytes} (−1 before the first `next()`). */
  declare offset: number;
  /** The current tag's type. */
  declare type: number;
  /** The current tag's size. */
  declare size: number;
  private declare dv: DataView;
  /** `start + total_size`: no tag may run past it. */
  private declare end: number;
  /** Where `next()` reads the next tag head; `end` once the walk is over (after the end tag, or after an error). */
  private declare nextOffset: number;
  /** The memory-map table `mmap()` points (kept, with the `entry_size` it was made for). */
  private declare table: PointableTableView<typeof MULTIBOOT2_MMAP_ENTRY.fields> | undefined;

  /** A cursor over the information structure at `offset` in `bytes`; checks that `total_size` fits. */
  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.table = undefined;
    // point() sets the walk's fields, in one order for every cursor.
    this.point(bytes, offset);
  }

  /**
   * Moves the cursor to the information structure at `offset` in `bytes`
   * (another block, or another place in the same array) and starts its walk
   * again: a caller that reads block after block keeps one cursor, and
   * allocates nothing but a `DataView` for an array it has not read before.
   * Checks that `total_size` fits, as the constructor does; on failure the
   * cursor's walk is over (`next()` returns false).
   */
  point(bytes: Uint8Array, offset = 0): this {
    const self = this as { -readonly [K in 'bytes' | 'start' | 'totalSize']: Mb2TagCursor[K] };
    if (bytes !== this.bytes) {
      self.bytes = bytes;
      this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    self.start = offset;
    this.offset = -1;
    this.type = -1;
    this.size = 0;
    this.end = 0;
    this.nextOffset = 0;
    if (!(Number.isInteger(offset) && offset >= 0 && offset + 8 <= bytes.length)) {
      throw new BootprotoError({ code: 'TRUNCATED', format: 'multiboot2', structure: 'multiboot2_info', offset, reason: 'the fixed part needs 8 bytes' });
    }
    const totalSize = this.dv.getUint32(offset, true);
    self.totalSize = totalSize;
    if (totalSize < 8 || totalSize > bytes.length - offset) {
      throw new BootprotoError({
        code: totalSize < 8 ? 'BAD_VALUE' : 'TRUNCATED',
        format: 'multiboot2',
        structure: 'multiboot2_info',
        field: 'total_size',
        offset,
        reason: `total_size ${totalSize} does not fit the ${bytes.length - offset} bytes given`,
      });
    }
    this.end = offset + totalSize;
    this.nextOffset = offset + 8;
    return this;
  }

  /** Moves to the next tag; false when there is none (after the end tag, or at `total_size`). */
  next(): boolean {
    // One field says where the next head is and whether the walk is over
    // (it is `end` then). Whatever a walk rarely meets is out of line: the
    // end of total_size is a call (atEnd), errors are thrown. V8 compiles a
    // call a walk never made as an exit from the compiled loop, where an
    // inline `return false` would be a second way out of next() that makes
    // it forget the fields just stored, and reload them at every read.
    const o = this.nextOffset;
    const end = this.end;
    if (o + 8 > end) return this.atEnd(o);
    const dv = this.dv;
    const type = dv.getUint32(o, true);
    const size = dv.getUint32(o + 4, true);
    if (size < 8 || size > end - o) throw this.sizeError(o, size);
    this.offset = o;
    this.type = type;
    this.size = size;
    if (type === MULTIBOOT2_TAG_TYPE_END) {
      this.nextOffset = end;
      return false;
    }
    // Every step moves at least 8 bytes: the walk ends within total_size / 8 steps.
    this.nextOffset = o + ((size + 7) & ~7);
    return true;
  }

  /** No whole tag head fits before total_size: the walk is over, or the last tag is cut short. */
  private atEnd(o: number): boolean {
    if (o >= this.end) return false;
    throw this.error(o, 'TRUNCATED', `${this.end - o} bytes left before total_size, a tag head needs 8`);
  }

  /** Starts the walk again. */
  reset(): void {
    this.offset = -1;
    this.type = -1;
    this.size = 0;
    this.nextOffset = this.start + 8;
  }

  /** The u32 at `at` bytes into the current tag (within its size). */
  u32(at: number): number {
    if (!(at >= 0 && at + 4 <= this.size)) throw this.error(this.offset, 'OUT_OF_BOUNDS', `byte ${at} is outside the tag's ${this.size} bytes`);
    return this.dv.getUint32(this.offset + at, true);
  }

  /** The current tag's payload (after the 8-byte head), as a subarray: no copy. */
  payload(): Uint8Array {
    return this.bytes.subarray(this.offset + 8, this.offset + this.size);
  }

  /**
   * A memory-map tag's entries through one reused view (`entry_size` apart;
   * no allocation per entry). Throws `BAD_VALUE` when the current tag is not a
   * memory map or its `entry_size` is below 24. The cursor keeps one table
   * and points it at each memory map it is asked for (a new one only for a
   * new `entry_size`), so walks allocate nothing, over the same block or
   * block after block; a table returned before moves with it.
   */
  mmap(): TableView<typeof MULTIBOOT2_MMAP_ENTRY.fields> {
    if (this.type !== MULTIBOOT2_TAG_TYPE_MMAP) this.fail(this.offset, 'BAD_VALUE', `tag type ${this.type} is not a memory map`);
    // The tag head (16 bytes, MULTIBOOT2_TAG_MMAP) is inside the tag: an
    // mmap tag smaller than 16 bytes cannot hold `entry_size`.
    if (this.size < MULTIBOOT2_TAG_MMAP.size) this.fail(this.offset, 'BAD_VALUE', `a memory-map tag of ${this.size} bytes has no room for entry_size`);
    const entrySize = this.dv.getUint32(this.offset + 8, true);
    if (entrySize < MULTIBOOT2_MMAP_ENTRY.size) this.fail(this.offset + 8, 'BAD_VALUE', `entry_size ${entrySize} is below 24`);
    let table = this.table;
    if (table === undefined || table.stride !== entrySize) this.table = table = blankTable(MULTIBOOT2_MMAP_ENTRY, entrySize);
    return table.point(this.bytes, this.offset + MULTIBOOT2_TAG_MMAP.size, Math.floor((this.size - MULTIBOOT2_TAG_MMAP.size) / entrySize));
  }

  private sizeError(offset: number, size: number): BootprotoError {
    if (size < 8) return this.error(offset, 'BAD_VALUE', `tag size ${size} is below 8`);
    return this.error(offset, 'TRUNCATED', `tag of ${size} bytes runs past total_size`);
  }

  private fail(offset: number, code: 'TRUNCATED' | 'BAD_VALUE' | 'OUT_OF_BOUNDS', reason: string): never {
    throw this.error(offset, code, reason);
  }

  /** The error to throw; the walk is over after it (next() returns false). */
  private error(offset: number, code: 'TRUNCATED' | 'BAD_VALUE' | 'OUT_OF_BOUNDS', reason: string): BootprotoError {
    this.nextOffset = this.end;
    return new BootprotoError({ code, format: 'multiboot2', structure: 'multiboot2_tag', offset, reason });
  }
}

/** A cursor over the tags of the information structure at `offset` in `bytes`. */
export function mb2TagCursor(bytes: Uint8Array, offset = 0): Mb2TagCursor {
  return new Mb2TagCursor(bytes, offset);
}
