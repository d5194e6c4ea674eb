/**
 * The Multiboot 2 tag cursor as it was before the walk was made faster
 * (issue 10), kept as the reference of test/multiboot/cursor-equivalence.test.ts.
 * Not exported by the library.
 */
import { BootprotoError, viewLayout, viewTable, type TableView, type View } from '../../src/core/index.js';
import { MULTIBOOT2_MMAP_ENTRY, MULTIBOOT2_TAG_MMAP, MULTIBOOT2_TAG_TYPE_END, MULTIBOOT2_TAG_TYPE_MMAP } from '../../src/multiboot/index.js';

/**
 * A cursor over the tags of an information structure. `next()` moves to the
 * next tag (the first call to the first tag) and returns false after the end
 * tag or at `total_size`; `type`, `size` and `offset` describe the current
 * tag. Every step moves at least 8 bytes, so a walk ends after at most
 * `total_size / 8` steps whatever the bytes say. A tag whose size is below 8
 * or that runs past `total_size` throws {@link BootprotoError}.
 */
export class ReferenceMb2TagCursor {
  /** The caller's bytes. */
  readonly bytes: Uint8Array;
  /** Where the information structure starts in {@link Mb2TagCursor.bytes}. */
  readonly start: number;
  /** `total_size`. */
  readonly totalSize: number;
  /** Offset of the current tag within {@link Mb2TagCursor.bytes} (−1 before the first `next()`). */
  offset = -1;
  /** The current tag's type. */
  type = -1;
  /** The current tag's size. */
  size = 0;
  private readonly dv: DataView;
  private readonly end: number;
  private done = false;

  /** A cursor over the information structure at `offset` in `bytes`; checks that `total_size` fits. */
  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.start = offset;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!(Number.isInteger(offset) && offset >= 0 && offset + 8 <= bytes.length)) {
      throw new BootprotoError({ code: 'TRUNCATED', format: 'multiboot2', structure: 'multiboot2_info', offset, reason: 'the fixed part needs 8 bytes' });
    }
    this.totalSize = this.dv.getUint32(offset, true);
    if (this.totalSize < 8 || this.totalSize > bytes.length - offset) {
      throw new BootprotoError({
        code: this.totalSize < 8 ? 'BAD_VALUE' : 'TRUNCATED',
        format: 'multiboot2',
        structure: 'multiboot2_info',
        field: 'total_size',
        offset,
        reason: `total_size ${this.totalSize} does not fit the ${bytes.length - offset} bytes given`,
      });
    }
    this.end = offset + this.totalSize;
  }

  /** Moves to the next tag; false when there is none (after the end tag, or at `total_size`). */
  next(): boolean {
    if (this.done) return false;
    const o = this.offset < 0 ? this.start + 8 : this.offset + ((this.size + 7) & ~7);
    if (o >= this.end) {
      this.done = true;
      return false;
    }
    if (this.end - o < 8) this.fail(o, 'TRUNCATED', `${this.end - o} bytes left before total_size, a tag head needs 8`);
    const type = this.dv.getUint32(o, true);
    const size = this.dv.getUint32(o + 4, true);
    if (size < 8) this.fail(o, 'BAD_VALUE', `tag size ${size} is below 8`);
    if (size > this.end - o) this.fail(o, 'TRUNCATED', `tag of ${size} bytes runs past total_size`);
    this.offset = o;
    this.type = type;
    this.size = size;
    if (type === MULTIBOOT2_TAG_TYPE_END) {
      this.done = true;
      return false;
    }
    return true;
  }

  /** Starts the walk again. */
  reset(): void {
    this.offset = -1;
    this.type = -1;
    this.size = 0;
    this.done = false;
  }

  /** The u32 at `at` bytes into the current tag (within its size). */
  u32(at: number): number {
    if (!(at >= 0 && at + 4 <= this.size)) this.fail(this.offset, 'OUT_OF_BOUNDS', `byte ${at} is outside the tag's ${this.size} bytes`);
    return this.dv.getUint32(this.offset + at, true);
  }

  /** The current tag's payload (after the 8-byte head), as a subarray: no copy. */
  payload(): Uint8Array {
    return this.bytes.subarray(this.offset + 8, this.offset + this.size);
  }

  /**
   * A memory-map tag's entries through one reused view (`entry_size` apart;
   * no allocation per entry). Throws `BAD_VALUE` when the current tag is not a
   * memory map or its `entry_size` is below 24.
   */
  mmap(): TableView<typeof MULTIBOOT2_MMAP_ENTRY.fields> {
    if (this.type !== MULTIBOOT2_TAG_TYPE_MMAP) this.fail(this.offset, 'BAD_VALUE', `tag type ${this.type} is not a memory map`);
    const head: View<typeof MULTIBOOT2_TAG_MMAP.fields> = viewLayout(MULTIBOOT2_TAG_MMAP, this.bytes, this.offset);
    const entrySize = head.entrySize;
    if (entrySize < MULTIBOOT2_MMAP_ENTRY.size) this.fail(this.offset + 8, 'BAD_VALUE', `entry_size ${entrySize} is below 24`);
    const count = Math.floor((this.size - 16) / entrySize);
    return viewTable(MULTIBOOT2_MMAP_ENTRY, this.bytes, this.offset + 16, count, entrySize);
  }

  private fail(offset: number, code: 'TRUNCATED' | 'BAD_VALUE' | 'OUT_OF_BOUNDS', reason: string): never {
    this.done = true;
    throw new BootprotoError({ code, format: 'multiboot2', structure: 'multiboot2_tag', offset, reason });
  }
}

