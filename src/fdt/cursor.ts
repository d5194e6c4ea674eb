/**
 * A zero-allocation cursor over the structure block (Devicetree
 * Specification v0.4 §5.4): every node and property in order, with its
 * depth, names and values given as offsets and lengths into the caller's
 * bytes. It checks the token stream as libfdt's `fdt_check_full()` does and
 * throws {@link BootprotoError} where that function returns an error.
 *
 * @module
 */
import { BootprotoError, type ErrorCode } from '../core/index.js';
import { fdtGeometry, type FdtGeometry } from './blob.js';
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_NOP, FDT_PROP } from './header.js';

const INT_MAX = 0x7fffffff;
const utf8 = new TextDecoder('utf-8');

/** Options of {@link FdtCursor}. */
export interface FdtCursorOptions {
  /**
   * The deepest nesting accepted (the root node is depth 1); deeper throws
   * `LIMIT`. Default 1024 (libfdt's bound is `INT_MAX`; real trees stay
   * below 16).
   */
  maxDepth?: number;
}

/** The default {@link FdtCursorOptions.maxDepth}. */
export const FDT_MAX_DEPTH = 1024;

/** The token names by value, for messages and rendering. */
export const FDT_TOKEN_NAMES: Readonly<Record<number, string>> = {
  [FDT_BEGIN_NODE]: 'FDT_BEGIN_NODE',
  [FDT_END_NODE]: 'FDT_END_NODE',
  [FDT_PROP]: 'FDT_PROP',
  [FDT_NOP]: 'FDT_NOP',
  [FDT_END]: 'FDT_END',
};

/**
 * Walks the structure block token by token without allocating: one object,
 * moved by {@link FdtCursor.next}. `FDT_NOP` tokens are skipped (and
 * counted). After `next()` returns:
 *
 * - `FDT_BEGIN_NODE`: {@link FdtCursor.nameStart}/{@link FdtCursor.nameLength}
 *   give the node's name (for versions before 16, the part after the last `/`
 *   of the full path stored there); {@link FdtCursor.depth} is the node's
 *   depth (the root node is 1).
 * - `FDT_PROP`: the name (in the strings block) and
 *   {@link FdtCursor.valueStart}/{@link FdtCursor.valueLength}; `depth` is
 *   the depth of the node holding it (0 for a property before the root node,
 *   which libfdt tolerates).
 * - `FDT_END_NODE`: `depth` is the parent's depth (0 after the root closes).
 * - `FDT_END`: the walk is over; further calls return `FDT_END` again.
 *
 * Offsets named `…Start` are from the start of the caller's bytes;
 * {@link FdtCursor.offset} is from the start of the structure block, as
 * libfdt's node and property offsets are.
 */
export class FdtCursor {
  // Fields set by the constructor are `declare`d: an ES2022 class field
  // without an initializer is first defined as `undefined`, which makes V8
  // widen the field's representation (a DataView field becomes "any", a
  // number field a tagged value), and every read in the walk then pays a map
  // check or an unboxing. Declared fields are created by the constructor's
  // first assignment, with their real type.
  /** The blob. */
  declare readonly bytes: Uint8Array;
  /** Where its blocks lie. */
  declare readonly geometry: FdtGeometry;
  /** The current token (0 before the first call of `next()`). */
  token = 0;
  /** Offset of the current token within the structure block (libfdt's offset). */
  offset = 0;
  /** The number of nodes open after the current token. */
  depth = 0;
  /** Start of the current name: the node name in the structure block, or the property name in the strings block. */
  nameStart = 0;
  /** Length of the current name in bytes, without its NUL (for a property, found on first read). */
  get nameLength(): number {
    const n = this.currentNameLength;
    return n >= 0 ? n : this.propertyNameLength();
  }
  /** Start of the current property's value. */
  valueStart = 0;
  /** Length of the current property's value (`len`). */
  valueLength = 0;
  /** The current property's `nameoff`. */
  nameoff = 0;
  /** How many `FDT_NOP` tokens the walk has skipped. */
  nopCount = 0;

  private declare readonly dv: DataView;
  private declare readonly structOffset: number;
  private declare readonly structEnd: number;
  private declare readonly stringsOffset: number;
  private declare readonly stringsLimit: number;
  private declare readonly known: Uint8Array;
  /** The last NUL of the strings block (below its limit), or -1: a name starting at or before it is terminated. */
  private declare readonly lastNul: number;
  /** The current name's length, or -1 for a property name not yet measured. */
  private currentNameLength = 0;
  private declare readonly old: boolean;
  private declare readonly maxDepth: number;
  private nextOffset = 0;
  private rootClosed = false;
  /** Set at `FDT_END`; `nextOffset` then points at the end of the structure block, so that `next()` leaves its fast path. */
  private done = false;

  /** A cursor over `bytes`, whose header is checked first ({@link fdtGeometry}). */
  constructor(bytes: Uint8Array, options: FdtCursorOptions = {}, geometry: FdtGeometry = fdtGeometry(bytes)) {
    this.bytes = bytes;
    this.geometry = geometry;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.structOffset = geometry.structOffset;
    this.structEnd = geometry.structEnd;
    this.stringsOffset = geometry.stringsOffset;
    this.stringsLimit = Math.max(geometry.stringsOffset, Math.min(geometry.stringsEnd, geometry.totalsize));
    this.known = new Uint8Array(this.stringsLimit - geometry.stringsOffset);
    let nul = this.stringsLimit - 1;
    while (nul >= geometry.stringsOffset && bytes[nul] !== 0) nul--;
    this.lastNul = nul >= geometry.stringsOffset ? nul : -1;
    this.old = geometry.header.version < 16;
    this.maxDepth = options.maxDepth ?? FDT_MAX_DEPTH;
  }

  /** Goes back to the start of the structure block. */
  reset(): this {
    // The same as seek(0, 0), written out: a walk's first call, kept free of
    // a method look-up that might have no type feedback when V8 compiles the
    // caller's loop.
    this.nextOffset = 0;
    this.depth = 0;
    this.token = 0;
    this.rootClosed = false;
    this.done = false;
    return this;
  }

  /**
   * Moves to the token at structure offset `offset`, as if `depth` nodes
   * were open. Used to resume a walk at a node found earlier.
   */
  seek(offset: number, depth: number): this {
    this.nextOffset = offset;
    this.depth = depth;
    this.token = 0;
    this.rootClosed = false;
    this.done = false;
    return this;
  }

  private fail(code: ErrorCode, at: number, reason: string, structure = 'structure block', field?: string): never {
    const init = { code, format: 'fdt' as const, structure, offset: at, reason };
    throw new BootprotoError(field === undefined ? init : { ...init, field });
  }

  /** Advances to the next token (skipping `FDT_NOP`) and returns it. */
  next(): number {
    // Kept small so that V8 inlines it into the caller's loop: the common
    // tokens are handled here, node names and everything rare elsewhere.
    // Each check is made once per token, on the token's whole span, with the
    // bounds in fields: the token head and the value must end by structEnd
    // (one test covers len > INT_MAX too, as structEnd <= INT_MAX), and the
    // name must start at or before the strings block's last NUL (one test
    // covers nameoff > INT_MAX too); anything else goes to other(), which
    // finds the error and throws it. (A call the walk never makes is
    // compiled by V8 as an exit from the loop, so these cost nothing.)
    const o = this.nextOffset;
    const abs = this.structOffset + o;
    const end = this.structEnd;
    if (abs + 4 > end) return this.atEnd(abs, o);
    const dv = this.dv;
    const tag = dv.getUint32(abs);
    this.offset = o;
    if (tag === FDT_PROP) {
      if (this.rootClosed || abs + 12 > end) return this.other(tag, abs, o);
      const len = dv.getUint32(abs + 4);
      const valueStart = this.old ? this.oldValueStart(abs, o, len) : abs + 12;
      const valueEnd = valueStart + len;
      if (valueEnd > end) return this.other(tag, abs, o);
      const nameoff = dv.getUint32(abs + 8);
      const nameStart = this.stringsOffset + nameoff;
      if (nameStart > this.lastNul) this.checkName(nameoff, abs + 8);
      this.nameStart = nameStart;
      this.currentNameLength = -1;
      this.nameoff = nameoff;
      this.valueStart = valueStart;
      this.valueLength = len;
      this.nextOffset = (valueEnd - this.structOffset + 3) & ~3;
      this.token = FDT_PROP;
      return FDT_PROP;
    }
    if (tag === FDT_END_NODE && this.depth > 1) {
      this.depth--;
      this.nextOffset = o + 4;
      this.token = FDT_END_NODE;
      return FDT_END_NODE;
    }
    if (tag === FDT_BEGIN_NODE) return this.beginNode(abs, o);
    return this.other(tag, abs, o);
  }

  /** No whole token fits before the end of the structure block: the walk is over, or the block is truncated. */
  private atEnd(abs: number, o: number): number {
    return this.done ? FDT_END : this.truncated(abs, o);
  }

  private truncated(abs: number, o: number): never {
    return this.fail('TRUNCATED', abs, `the structure block ends at ${this.structEnd} before FDT_END (token at struct offset ${o})`);
  }

  /** Before version 16 a value of 8 bytes or more starts on an 8-byte boundary. */
  private oldValueStart(abs: number, o: number, len: number): number {
    return len >= 8 && (o + 12) % 8 !== 0 ? abs + 16 : abs + 12;
  }

  private beginNode(abs: number, o: number): number {
    if (this.rootClosed) this.fail('BAD_VALUE', abs, 'a second root node after the first one closed');
    const end = this.structEnd;
    const start = abs + 4;
    const bytes = this.bytes;
    // The name is scanned a word at a time (a word holds a NUL when
    // (w - 0x01010101) & ~w & 0x80808080 is not 0), then byte by byte in the
    // word that has it; every read stays before the end of the block.
    const dv = this.dv;
    let i = start;
    while (i + 4 <= end) {
      const w = dv.getUint32(i);
      if (((w - 0x01010101) & ~w & 0x80808080) !== 0) break;
      i += 4;
    }
    while (i < end && bytes[i] !== 0) i++;
    if (i >= end) this.fail('UNTERMINATED', start, 'node name runs past the end of the structure block', 'fdt_node_header', 'name');
    let nameStart = start;
    if (this.old) {
      for (let j = i - 1; j >= start; j--) {
        if (bytes[j] === 0x2f) {
          nameStart = j + 1;
          break;
        }
      }
    }
    const depth = this.depth + 1;
    if (depth > this.maxDepth) this.fail('LIMIT', abs, `nesting deeper than ${this.maxDepth} nodes`);
    if (depth === 1 && i !== nameStart) this.fail('BAD_VALUE', start, 'the root node has a name', 'fdt_node_header', 'name');
    this.depth = depth;
    this.nameStart = nameStart;
    this.currentNameLength = i - nameStart;
    this.nextOffset = (i + 1 - this.structOffset + 3) & ~3;
    this.token = FDT_BEGIN_NODE;
    return FDT_BEGIN_NODE;
  }

  /** The rare tokens and every error; loops over `FDT_NOP` by calling `next()` again. */
  private other(tag: number, abs: number, o: number): number {
    const end = this.structEnd;
    switch (tag) {
      case FDT_PROP: {
        if (this.rootClosed) this.fail('BAD_VALUE', abs, 'a property after the root node closed');
        if (abs + 12 > end) this.fail('TRUNCATED', abs, 'property header runs past the end of the structure block', 'fdt_property');
        const len = this.dv.getUint32(abs + 4);
        if (len + o + 8 >= INT_MAX) this.fail('OUT_OF_BOUNDS', abs + 4, `property length ${len} overflows`, 'fdt_property', 'len');
        return this.fail('TRUNCATED', abs + 4, `property value of ${len} bytes runs past the end of the structure block`, 'fdt_property', 'len');
      }
      case FDT_END_NODE: {
        if (this.depth === 0) this.fail('BAD_VALUE', abs, 'FDT_END_NODE with no node open');
        const depth = this.depth - 1;
        this.depth = depth;
        if (depth === 0) this.rootClosed = true;
        this.nextOffset = o + 4;
        this.token = FDT_END_NODE;
        return FDT_END_NODE;
      }
      case FDT_NOP: {
        // Skip the whole run of NOPs here, so that next() recurses once at most.
        let p = o;
        for (;;) {
          if (this.rootClosed) this.fail('BAD_VALUE', this.structOffset + p, 'FDT_NOP after the root node closed (libfdt expects FDT_END)');
          this.nopCount++;
          p += 4;
          const a = this.structOffset + p;
          if (a + 4 > end || this.dv.getUint32(a) !== FDT_NOP) break;
        }
        this.nextOffset = p;
        return this.next();
      }
      case FDT_END:
        if (this.depth !== 0) this.fail('BAD_VALUE', abs, `FDT_END with ${this.depth} node(s) still open`);
        this.done = true;
        this.token = FDT_END;
        // Past the end, so that further calls go straight to atEnd().
        this.nextOffset = end - this.structOffset;
        return FDT_END;
      default:
        return this.fail('BAD_VALUE', abs, `unknown token 0x${tag.toString(16)} at struct offset ${o}`);
    }
  }

  /** The current property name's length, measured once (see {@link FdtCursor.nameLength}). */
  private propertyNameLength(): number {
    this.checkName(this.nameoff, this.structOffset + this.offset + 8);
    return this.currentNameLength;
  }

  /** Resolves a `nameoff` as libfdt's `fdt_get_string()` does; sets the name's length; returns its start. */
  private checkName(nameoff: number, at: number): number {
    const start = this.stringsOffset + nameoff;
    const limit = this.stringsLimit;
    if (nameoff > INT_MAX || start >= limit) {
      this.fail('OUT_OF_BOUNDS', at, `nameoff ${nameoff} is past the end of the strings block`, 'fdt_property', 'nameoff');
    }
    // Names already checked are remembered (length + 1, up to 254) in a table
    // the size of the strings block, made once per cursor: a walk then costs
    // one read per property instead of a scan.
    const known = this.known;
    const k = known[nameoff] as number;
    if (k !== 0) {
      this.currentNameLength = k - 1;
      return start;
    }
    const bytes = this.bytes;
    let i = start;
    while (i < limit && bytes[i] !== 0) i++;
    if (i >= limit) this.fail('UNTERMINATED', start, `the name at nameoff ${nameoff} runs past the strings block`, 'fdt_property', 'nameoff');
    const len = i - start;
    if (len < 254) known[nameoff] = len + 1;
    this.currentNameLength = len;
    return start;
  }

  /** True when the current name's bytes equal `name` (UTF-8 bytes, without NUL). No allocation. */
  nameIs(name: Uint8Array): boolean {
    if (name.length !== this.nameLength) return false;
    const bytes = this.bytes;
    const s = this.nameStart;
    for (let i = 0; i < name.length; i++) if (bytes[s + i] !== name[i]) return false;
    return true;
  }

  /** The current name as text (allocates a string). */
  name(): string {
    return utf8.decode(this.bytes.subarray(this.nameStart, this.nameStart + this.nameLength));
  }

  /** The current property's value: a subarray of the blob (allocates the view object, not the bytes). */
  value(): Uint8Array {
    return this.bytes.subarray(this.valueStart, this.valueStart + this.valueLength);
  }

  /** The `index`th big-endian 32-bit cell of the current property's value; `LIMIT`-free, bounds-checked. */
  cell(index = 0): number {
    const at = this.valueStart + index * 4;
    if (!(index >= 0 && (index + 1) * 4 <= this.valueLength)) {
      this.fail('OUT_OF_BOUNDS', this.valueStart, `cell ${index} of a ${this.valueLength}-byte value`, 'fdt_property', 'data');
    }
    return this.dv.getUint32(at);
  }
}

/** A cursor over the structure block of `bytes` (checks the header first). */
export function fdtCursor(bytes: Uint8Array, options?: FdtCursorOptions): FdtCursor {
  return new FdtCursor(bytes, options);
}
