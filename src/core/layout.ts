/**
 * One layout table per structure. Each C structure of a specification is
 * declared once, as its fields' names, byte offsets and kinds; from that table
 * come the decoded object type, the whole-struct decoder and encoder (through
 * typed-binary), a zero-allocation view, the size and offset constants, and
 * the offset tables of the docs and the command line.
 *
 * @module
 */
import { BootprotoError, type Format } from './errors.js';

/** The kinds of field a layout holds. */
export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'bytes';

/** One field of a layout table. */
export interface Field<K extends FieldKind = FieldKind> {
  /** How the bytes are read: an unsigned little- or big-endian integer of 1, 2, 4 or 8 bytes, or raw bytes. */
  readonly kind: K;
  /** Byte offset from the start of the structure. */
  readonly offset: number;
  /** Size in bytes. */
  readonly length: number;
  /** The specification's name, when it is not the snake_case of the key. */
  readonly spec?: string;
  /** Names of the values of an enumerated field (`type` → `XEN_HVM_MEMMAP_TYPE_RAM`). */
  readonly values?: Readonly<Record<number, string>>;
  /** Names of the bits of a flags field (`SIF_PRIVILEGED` → `1 << 0`). */
  readonly flags?: Readonly<Record<string, number>>;
}

/** Options of a field: its spec name when not derivable, and value or flag names. */
export interface FieldOptions {
  /** The specification's name, when it is not the snake_case of the field's key (see {@link specName}). */
  spec?: string;
  /** Names of the values of an enumerated field, by value. */
  values?: Readonly<Record<number, string>>;
  /** Bit masks of a flags field, by name. */
  flags?: Readonly<Record<string, number>>;
}

function field<K extends FieldKind>(kind: K, offset: number, length: number, options?: FieldOptions): Field<K> {
  return { kind, offset, length, ...options };
}

/** An unsigned 8-bit field at `offset`. */
export const u8 = (offset: number, options?: FieldOptions): Field<'u8'> => field('u8', offset, 1, options);
/** An unsigned 16-bit field at `offset`. */
export const u16 = (offset: number, options?: FieldOptions): Field<'u16'> => field('u16', offset, 2, options);
/** An unsigned 32-bit field at `offset`. */
export const u32 = (offset: number, options?: FieldOptions): Field<'u32'> => field('u32', offset, 4, options);
/** An unsigned 64-bit field at `offset`; decoded as `bigint`. */
export const u64 = (offset: number, options?: FieldOptions): Field<'u64'> => field('u64', offset, 8, options);
/** `length` raw bytes at `offset`; decoded as a `Uint8Array` copy. */
export const bytes = (offset: number, length: number, options?: FieldOptions): Field<'bytes'> =>
  field('bytes', offset, length, options);

/** A layout's fields, keyed by the camelCased spec name. */
export type Fields = Readonly<Record<string, Field>>;

/** The decoded value of one field. */
export type FieldValue<F extends Field> = F extends Field<'u64'> ? bigint : F extends Field<'bytes'> ? Uint8Array : number;

/** The decoded object of a layout: a plain object, spec names camelCased, `bigint` for 64-bit fields. */
export type Decoded<F extends Fields> = { -readonly [K in keyof F]: FieldValue<F[K]> };

/** A structure's layout table, with its derived facts. */
export interface Layout<F extends Fields = Fields> {
  /** The specification's name of the structure, such as `hvm_start_info`. */
  readonly name: string;
  /** The format it belongs to. */
  readonly format: Format;
  /** Its size in bytes. */
  readonly size: number;
  /** Byte order of its multi-byte fields. */
  readonly littleEndian: boolean;
  /** The fields, in offset order. */
  readonly fields: F;
  /** The keys of {@link Layout.fields} in offset order. */
  readonly order: readonly string[];
}

/** What {@link defineLayout} takes. */
export interface LayoutDefinition<F extends Fields> {
  /** The specification's name of the structure. */
  name: string;
  /** The format it belongs to (named in every error and problem about it). */
  format: Format;
  /** Its size in bytes, as the specification gives it; the fields must cover exactly this many bytes. */
  size: number;
  /** Defaults to true: every x86 and EFI structure is little-endian; the FDT is big-endian. */
  littleEndian?: boolean;
  /**
   * How the specification spells its field names, for fields without a
   * `spec` option: `snake_case` (the default: `setup_sects` → key
   * `setupSects`) or `PascalCase` (Microsoft's PE/COFF and the UEFI
   * specification: `NumberOfSections` → key `numberOfSections`).
   */
  specCase?: 'snake_case' | 'PascalCase';
  /** The fields, keyed by the camelCased spec name, in any order. */
  fields: F;
}

/** The spec's name of a field: its `spec` option, or the snake_case of its key. */
export function specName(key: string, f: Field): string {
  return f.spec ?? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Declares a structure. Checks, once at load, that the fields cover every
 * byte from 0 to `size` exactly once (padding and reserved fields included),
 * so that a wrong offset in a table is found the first time the module loads.
 */
export function defineLayout<const F extends Fields>(def: LayoutDefinition<F>): Layout<F> {
  const order = Object.keys(def.fields).sort(
    (a, b) => (def.fields[a] as Field).offset - (def.fields[b] as Field).offset,
  );
  let next = 0;
  for (const key of order) {
    const f = def.fields[key] as Field;
    if (f.offset !== next) {
      throw new Error(`layout ${def.name}: field ${key} at ${f.offset}, expected ${next} (gap or overlap)`);
    }
    next += f.length;
  }
  if (next !== def.size) throw new Error(`layout ${def.name}: fields end at ${next}, size is ${def.size}`);
  let fields = def.fields;
  if (def.specCase === 'PascalCase') {
    const named: Record<string, Field> = {};
    for (const key of Object.keys(def.fields)) {
      const f = def.fields[key] as Field;
      named[key] = f.spec === undefined ? { ...f, spec: key.charAt(0).toUpperCase() + key.slice(1) } : f;
    }
    fields = named as unknown as F;
  }
  return { name: def.name, format: def.format, size: def.size, littleEndian: def.littleEndian ?? true, fields, order };
}

/** Checks that `size` bytes at `offset` lie within `bytes`; throws `TRUNCATED` naming the structure if not. */
export function checkSpan(layout: Pick<Layout, 'name' | 'format'>, bytes: Uint8Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new BootprotoError({
      code: 'OUT_OF_BOUNDS',
      format: layout.format,
      structure: layout.name,
      offset,
      reason: `offset ${offset} is outside the ${bytes.length} bytes given`,
    });
  }
  if (bytes.length - offset < size) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: layout.format,
      structure: layout.name,
      offset,
      reason: `needs ${size} bytes, only ${bytes.length - offset} remain`,
    });
  }
}


// ---------------------------------------------------------------------------
// Zero-allocation views

/** The value a view's getter returns for a field: `number` (u64 exact, or a `LIMIT` error), or a subarray for bytes. */
export type ViewValue<F extends Field> = F extends Field<'bytes'> ? Uint8Array : number;

type U64Keys<F extends Fields> = { [K in keyof F]: F[K] extends Field<'u64'> ? K & string : never }[keyof F];

/** What every view has beside its field getters. */
export interface ViewBase<F extends Fields> {
  /** The layout this view reads. */
  readonly layout: Layout<F>;
  /** The caller's bytes; reads never leave them. */
  readonly buffer: Uint8Array;
  /** Where the structure starts within {@link ViewBase.buffer}. */
  readonly byteOffset: number;
  /** Moves the view to another structure of the same kind; returns the view itself (no allocation). */
  at(offset: number): this;
  /**
   * Points the view at the structure at `offset` of `bytes`, another array
   * or the same one, and returns the view itself. Checked as
   * {@link viewLayout} checks (`TRUNCATED`, or `OUT_OF_BOUNDS` for a bad
   * offset; the view then stays where it was). Allocates nothing for an
   * array a view has read before, so one view kept by the caller can read
   * buffer after buffer. `bytes` may also be the {@link bufferAccess} of
   * the array: a caller pointing several views at each new array looks it
   * up once.
   */
  point(bytes: Uint8Array | BufferAccess, offset?: number): this;
  /** Decodes the structure under the view into a plain object (see {@link copyOut}). */
  decode(): Decoded<F>;
}

/**
 * A zero-allocation view of a structure: one getter per field, reading the
 * caller's bytes at the moment of the call. A 64-bit field `x` has `x`
 * (an exact `number`, or a `LIMIT` error above 2^53 − 1), `xBig` (a
 * `bigint`, which allocates) and `xLo`/`xHi` (its 32-bit halves).
 */
export type View<F extends Fields> = ViewBase<F> & { readonly [K in keyof F]: ViewValue<F[K]> } & {
  readonly [K in U64Keys<F> as `${K}Big`]: bigint;
} & { readonly [K in U64Keys<F> as `${K}Lo` | `${K}Hi`]: number };

interface ViewState {
  layout: Layout;
  buffer: Uint8Array;
  byteOffset: number;
  /** A DataView over all of `buffer.buffer`, shared with every other view of that ArrayBuffer. */
  dv: DataView;
  /** Where the structure starts within `dv`: `buffer.byteOffset + byteOffset`. */
  pos: number;
}

const dataViews = new WeakMap<ArrayBufferLike, DataView>();

/**
 * The DataView over all of `bytes.buffer`, made once per ArrayBuffer: making
 * a DataView costs about 80 ns and 80 bytes, more than reading a whole
 * structure through one. Views still bound every read to `bytes` (checkSpan).
 */
function dataViewOf(bytes: Uint8Array): DataView {
  const ab = bytes.buffer;
  let dv = dataViews.get(ab);
  if (dv === undefined) {
    dv = new DataView(ab);
    dataViews.set(ab, dv);
  }
  return dv;
}

/** What a view reads an array through: the array, the DataView over its whole ArrayBuffer, and where the array starts in it. */
export interface BufferAccess {
  /** The array. */
  readonly bytes: Uint8Array;
  /** A DataView over all of the array's `buffer` (one per ArrayBuffer, shared by every view of it). */
  readonly dv: DataView;
  /** The array's `byteOffset`: byte `i` of the array is byte `base + i` of {@link BufferAccess.dv}. */
  readonly base: number;
}
const arrayAccess = new WeakMap<Uint8Array, BufferAccess>();

/**
 * The DataView a view reads `bytes` through and where `bytes` starts in it,
 * remembered per array: the second call for an array allocates nothing,
 * and the typed array's `buffer` and `byteOffset` getters cost more than a
 * whole view's construction (about 17 ns each, against a few for the
 * look-up). For hot paths that check a structure with plain DataView reads
 * before pointing views at it; a read through it is not bounded to `bytes`
 * (the DataView spans the whole ArrayBuffer), so check offsets against
 * `bytes.length` first.
 */
export function bufferAccess(bytes: Uint8Array): BufferAccess {
  let a = arrayAccess.get(bytes);
  if (a === undefined) {
    a = { bytes, dv: dataViewOf(bytes), base: bytes.byteOffset };
    arrayAccess.set(bytes, a);
  }
  return a;
}

/**
 * The array of what a point() was given, when it is not the array the
 * view reads already. A BufferAccess is told from an array by its `bytes`
 * field, not by `instanceof`: the optimising compiler did not fold the
 * instanceof there, and it cost about 3 ns a PeHeaderView point.
 */
function arrayOf(source: Uint8Array | BufferAccess): Uint8Array {
  return (source as Partial<BufferAccess>).bytes ?? (source as Uint8Array);
}

type ViewCtor = new (buffer: Uint8Array, offset: number) => ViewState;
const viewClasses = new WeakMap<Layout, ViewCtor>();

function tooBig(layout: Layout, key: string, f: Field, at: number): BootprotoError {
  return new BootprotoError({
    code: 'LIMIT',
    format: layout.format,
    structure: layout.name,
    field: specName(key, f),
    offset: at,
    reason: 'value exceeds 2^53 - 1; read it with the Big accessor',
  });
}

function viewClass(layout: Layout): ViewCtor {
  const existing = viewClasses.get(layout);
  if (existing !== undefined) return existing;
  const size = layout.size;
  const le = layout.littleEndian;
  class StructView implements ViewState {
    declare layout: Layout;
    declare buffer: Uint8Array;
    declare byteOffset: number;
    declare dv: DataView;
    declare pos: number;
    constructor(buffer: Uint8Array, offset: number) {
      this.layout = layout;
      this.buffer = buffer;
      const access = bufferAccess(buffer);
      this.dv = access.dv;
      if (!(offset >= 0 && offset + size <= buffer.length && Number.isInteger(offset))) {
        checkSpan(layout, buffer, offset, size);
      }
      this.byteOffset = offset;
      // `pos - byteOffset` stays the array's start in its buffer (at() uses it).
      this.pos = access.base + offset;
    }
    at(offset: number): this {
      if (!(offset >= 0 && offset + size <= this.buffer.length && Number.isInteger(offset))) {
        checkSpan(layout, this.buffer, offset, size);
      }
      this.pos = this.pos - this.byteOffset + offset;
      this.byteOffset = offset;
      return this;
    }
    point(source: Uint8Array | BufferAccess, offset = 0): this {
      // Within the array it reads, a move is at(); nothing at all when the
      // view is there already (the span was checked when it came, and an
      // array's length does not change). Another array is out of line, so
      // that the common case stays small enough to inline into a caller's
      // loop beside the getters it reads.
      if (source !== this.buffer) return this.repoint(source, offset);
      return offset === this.byteOffset ? this : this.at(offset);
    }
    repoint(source: Uint8Array | BufferAccess, offset: number): this {
      const bytes = arrayOf(source);
      if (bytes === this.buffer) return offset === this.byteOffset ? this : this.at(offset);
      if (!(offset >= 0 && offset + size <= bytes.length && Number.isInteger(offset))) checkSpan(layout, bytes, offset, size);
      // Pointer stores carry a write barrier: made only for another array.
      const access = source === bytes ? bufferAccess(bytes) : (source as BufferAccess);
      this.buffer = bytes;
      this.dv = access.dv;
      this.pos = access.base + offset;
      this.byteOffset = offset;
      return this;
    }
    decode(): Record<string, unknown> {
      return copyOut(layout, this as unknown as View<Fields>);
    }
  }
  const proto = StructView.prototype as unknown as object;
  const define = (name: string, get: (this: ViewState) => unknown): void => {
    Object.defineProperty(proto, name, { get, enumerable: true, configurable: false });
  };
  for (const key of layout.order) {
    const f = layout.fields[key] as Field;
    const o = f.offset;
    // The byte order is a captured constant, not a literal in each getter:
    // a getter is inlined as a known closure, whose constants the optimising
    // compiler folds (getters with the literal, as pecoff once had, measured
    // no faster on any walk).
    switch (f.kind) {
      case 'u8':
        define(key, function () {
          return this.dv.getUint8(this.pos + o);
        });
        break;
      case 'u16':
        define(key, function () {
          return this.dv.getUint16(this.pos + o, le);
        });
        break;
      case 'u32':
        define(key, function () {
          return this.dv.getUint32(this.pos + o, le);
        });
        break;
      case 'u64': {
        const loAt = le ? o : o + 4;
        const hiAt = le ? o + 4 : o;
        define(key, function () {
          const hi = this.dv.getUint32(this.pos + hiAt, le);
          if (hi > 0x1fffff) throw tooBig(layout, key, f, this.byteOffset + o);
          return hi * 0x100000000 + this.dv.getUint32(this.pos + loAt, le);
        });
        define(`${key}Big`, function () {
          return this.dv.getBigUint64(this.pos + o, le);
        });
        define(`${key}Lo`, function () {
          return this.dv.getUint32(this.pos + loAt, le);
        });
        define(`${key}Hi`, function () {
          return this.dv.getUint32(this.pos + hiAt, le);
        });
        break;
      }
      case 'bytes': {
        const n = f.length;
        define(key, function () {
          return this.buffer.subarray(this.byteOffset + o, this.byteOffset + o + n);
        });
        break;
      }
    }
  }
  viewClasses.set(layout, StructView);
  return StructView;
}

/**
 * The decoded object of a view: each field read through the view's own
 * getters (`bigint` for 64-bit fields, a copy for byte ranges), the object
 * {@link decodeLayout} gives for the same bytes, without bundling the
 * whole-structure codec. What a view's `decode()` and a table's
 * `decodeAll()` return; exported for code that reads a structure through a
 * view of its own and wants the plain object of it.
 */
export function copyOut<F extends Fields>(layout: Layout<F>, view: View<F>): Decoded<F> {
  const v = view as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of layout.order) {
    const f = layout.fields[key] as Field;
    out[key] = f.kind === 'u64' ? v[`${key}Big`] : f.kind === 'bytes' ? (v[key] as Uint8Array).slice() : v[key];
  }
  return out as Decoded<F>;
}

/**
 * A view of the structure at `offset` in the caller's `bytes`. Reads are
 * bounded to `bytes`: a view that does not fit throws `TRUNCATED` at once.
 * Reuse one view with {@link ViewBase.at} to walk a table without
 * allocating, and with {@link ViewBase.point} to read other arrays.
 */
export function viewLayout<F extends Fields>(layout: Layout<F>, bytes: Uint8Array, offset = 0): View<F> {
  const Ctor = viewClass(layout);
  return new Ctor(bytes, offset) as unknown as View<F>;
}

/**
 * A view of `layout` that does not read the caller's bytes yet: it starts
 * on `layout.size` zero bytes that the layout's blank views share (every
 * field reads 0; do not write into a `bytes` field's subarray) until
 * {@link ViewBase.point} moves it. For a caller that keeps views and
 * points them at structures it has found and checked itself.
 */
export function blankView<F extends Fields>(layout: Layout<F>): View<F> {
  let Blank = blankClasses.get(layout);
  if (Blank === undefined) {
    // A constructor of its own, with the prototype (getters, methods) of the
    // layout's view class: the store sites of that class's constructor are
    // shared by every layout's class, and views kept for pointing
    // (PeHeaderView's six) pushed them past four classes, to megamorphic
    // stores: a parse through per-call PE header views took 330 ns against 235.
    // One array of zeros per layout, shared by its blank views (views only
    // read): a blank view or table is then two small objects, cheap enough
    // to make per walk (a cursor's memory-map table).
    const zeros = new Uint8Array(layout.size);
    const access = bufferAccess(zeros);
    Blank = function (this: ViewState): void {
      this.layout = layout;
      this.buffer = zeros;
      this.dv = access.dv;
      this.byteOffset = 0;
      this.pos = access.base;
    } as unknown as BlankCtor;
    Blank.prototype = viewClass(layout).prototype;
    blankClasses.set(layout, Blank);
  }
  return new Blank() as unknown as View<F>;
}
type BlankCtor = new () => ViewState;
const blankClasses = new WeakMap<Layout, BlankCtor>();

/** The byte offset of each field, keyed like the layout's fields. */
export function offsetsOf<F extends Fields>(layout: Layout<F>): { readonly [K in keyof F]: number } {
  const out: Record<string, number> = {};
  for (const key of layout.order) out[key] = (layout.fields[key] as Field).offset;
  return out as { readonly [K in keyof F]: number };
}

/**
 * A table of same-sized structures (a memory map, a module list) read
 * through one reused view: `table.get(i)` moves the view and returns it, so
 * a walk allocates nothing. The whole table is checked to fit when created.
 */
export interface TableView<F extends Fields> {
  /** The number of entries. */
  readonly count: number;
  /** Bytes from one entry to the next (at least the layout's size). */
  readonly stride: number;
  /** The shared view moved to entry `index` (checked against `count`). */
  get(index: number): View<F>;
  /** Decodes every entry into plain objects. */
  decodeAll(): Decoded<F>[];
}

/**
 * A {@link TableView} that can be pointed at other tables: made by
 * {@link blankTable}, for a caller that keeps one table view and reads
 * table after table (the section tables of image after image) without
 * allocating.
 */
export interface PointableTableView<F extends Fields> extends TableView<F> {
  /**
   * Points the table at `count` entries from `offset` of `bytes` (another
   * array or the same one, or its {@link bufferAccess}; the stride stays),
   * checked as {@link viewTable} checks (on failure the table stays where
   * it was); returns the table.
   * Moves the shared view of {@link TableView.get} with it, and allocates
   * nothing once that view exists.
   */
  point(bytes: Uint8Array | BufferAccess, offset: number, count: number): this;
}

/**
 * The table of {@link blankTable}: its shape in fields, so that
 * {@link PointableTableView.point} can move it. (viewTable's tables keep
 * their shape in constants of a closure instead: when a walk's caller
 * inlines `get`, the optimising compiler folds them, and the row view's
 * class is known; a walk through them is about 1.5 times faster.)
 */
class StructTable<F extends Fields> implements PointableTableView<F> {
  readonly stride: number;
  count = 0;
  private readonly layout: Layout<F>;
  /** The shared view, on the blank views' zeros until the first point. */
  private readonly row: ViewState;
  private offset = 0;
  /** Where entry 0 starts within the row view's DataView. */
  private start = 0;
  constructor(layout: Layout<F>, stride: number) {
    this.layout = layout;
    this.stride = stride;
    this.row = blankView(layout) as unknown as ViewState;
  }
  point(source: Uint8Array | BufferAccess, offset: number, count: number): this {
    // Already there: nothing to check or store (see StructView.point). Kept
    // small, so that inlining it leaves a caller's budget to the getters.
    if (source !== this.row.buffer || offset !== this.offset || count !== this.count) this.move(source, offset, count);
    return this;
  }
  private move(source: Uint8Array | BufferAccess, offset: number, count: number): void {
    const row = this.row;
    const bytes = source === row.buffer ? row.buffer : arrayOf(source);
    // A table of whole strides that fits needs no more checks; else the
    // exact checks of viewTable (the last entry may end before its stride).
    if (!(count >= 0 && offset >= 0 && offset + count * this.stride <= bytes.length && Number.isInteger(count) && Number.isInteger(offset))) {
      checkTable(this.layout, bytes, offset, count, this.stride);
    }
    // The row's stores written here, not through the views' point(): their
    // store sites then see table rows only (fewer classes, kept fast).
    if (row.buffer !== bytes) {
      const access = source === bytes ? bufferAccess(bytes) : (source as BufferAccess);
      row.buffer = bytes;
      row.dv = access.dv;
      this.start = access.base + offset;
    } else {
      this.start = row.pos - row.byteOffset + offset;
    }
    row.pos = this.start;
    row.byteOffset = offset;
    this.offset = offset;
    this.count = count;
  }
  get(index: number): View<F> {
    if (!(index >= 0 && index < this.count && Number.isInteger(index))) {
      throw new BootprotoError({
        code: 'OUT_OF_BOUNDS',
        format: this.layout.format,
        structure: this.layout.name,
        offset: this.offset,
        reason: `entry ${index} of a table of ${this.count}`,
      });
    }
    // The index is checked and the whole table was checked to fit: move
    // the view without at()'s second bounds check.
    const at = index * this.stride;
    const row = this.row;
    row.byteOffset = this.offset + at;
    row.pos = this.start + at;
    return row as unknown as View<F>;
  }
  decodeAll(): Decoded<F>[] {
    const { layout, count, offset, stride } = this;
    const out: Decoded<F>[] = [];
    if (count === 0) return out;
    const v = viewLayout(layout, this.row.buffer, offset);
    for (let i = 0; i < count; i++) out.push(copyOut(layout, v.at(offset + i * stride)));
    return out;
  }
}

function badShape(layout: Layout, offset: number, count: number, stride: number): BootprotoError {
  return new BootprotoError({
    code: 'BAD_VALUE',
    format: layout.format,
    structure: layout.name,
    offset,
    reason: `bad table shape: ${count} entries of stride ${stride}`,
  });
}

/** The checks of a table's shape and span: `BAD_VALUE` for a bad count or stride, then those of {@link checkSpan}. */
function checkTable(layout: Layout, bytes: Uint8Array, offset: number, count: number, stride: number): void {
  if (!Number.isSafeInteger(count) || count < 0 || stride < layout.size) throw badShape(layout, offset, count, stride);
  checkSpan(layout, bytes, offset, count === 0 ? 0 : (count - 1) * stride + layout.size);
}

/** Views `count` entries of `layout` starting at `offset`, `stride` bytes apart. */
export function viewTable<F extends Fields>(
  layout: Layout<F>,
  bytes: Uint8Array,
  offset: number,
  count: number,
  stride: number = layout.size,
): TableView<F> {
  // The checks written out here, not through checkTable: with them there
  // (and decodeAll's loop in a helper shared with StructTable), a parse
  // through per-call PE header views took 280 ns against 220.
  if (!Number.isSafeInteger(count) || count < 0 || stride < layout.size) throw badShape(layout, offset, count, stride);
  checkSpan(layout, bytes, offset, count === 0 ? 0 : (count - 1) * stride + layout.size);
  const view = count === 0 ? undefined : viewLayout(layout, bytes, offset);
  const state = view as unknown as ViewState | undefined;
  const start = state === undefined ? offset : state.pos; // the view's start: no byteOffset getter
  return {
    count,
    stride,
    get(index: number): View<F> {
      if (view === undefined || !(Number.isInteger(index) && index >= 0 && index < count)) {
        throw new BootprotoError({
          code: 'OUT_OF_BOUNDS',
          format: layout.format,
          structure: layout.name,
          offset,
          reason: `entry ${index} of a table of ${count}`,
        });
      }
      // The index is checked and the whole table was checked to fit: move
      // the view without at()'s second bounds check.
      const at = index * stride;
      (state as ViewState).byteOffset = offset + at;
      (state as ViewState).pos = start + at;
      return view;
    },
    decodeAll(): Decoded<F>[] {
      const out: Decoded<F>[] = [];
      if (view === undefined) return out;
      const v = viewLayout(layout, bytes, offset);
      for (let i = 0; i < count; i++) out.push(copyOut(layout, v.at(offset + i * stride)));
      return out;
    },
  };
}

/**
 * A table view of `layout` on no entries yet, `stride` bytes apart: point
 * it at a table with {@link PointableTableView.point}, and again at the
 * next one.
 */
export function blankTable<F extends Fields>(layout: Layout<F>, stride: number = layout.size): PointableTableView<F> {
  if (stride < layout.size) throw badShape(layout, 0, 0, stride);
  return new StructTable(layout, stride);
}
