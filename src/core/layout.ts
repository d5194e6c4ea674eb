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
  /** Decodes the structure under the view into a plain object. */
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

/** What a view needs of the caller's array: the buffer's DataView and where the array starts in it. */
interface ArrayAccess {
  readonly dv: DataView;
  readonly base: number;
}
const arrayAccess = new WeakMap<Uint8Array, ArrayAccess>();

/**
 * {@link dataViewOf} and `byteOffset`, remembered per array: the typed
 * array's `buffer` and `byteOffset` getters cost more than a whole view's
 * construction (about 17 ns each, against a few for a WeakMap look-up).
 */
function accessOf(bytes: Uint8Array): ArrayAccess {
  let a = arrayAccess.get(bytes);
  if (a === undefined) {
    a = { dv: dataViewOf(bytes), base: bytes.byteOffset };
    arrayAccess.set(bytes, a);
  }
  return a;
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
      const access = accessOf(buffer);
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
    decode(): Record<string, unknown> {
      return copyOut(layout, this as unknown as Record<string, unknown>);
    }
  }
  const proto = StructView.prototype as unknown as object;
  for (const key of layout.order) {
    const f = layout.fields[key] as Field;
    const o = f.offset;
    const define = (name: string, get: (this: ViewState) => unknown): void => {
      Object.defineProperty(proto, name, { get, enumerable: true, configurable: false });
    };
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
 * getters (`bigint` for 64-bit fields, a copy for byte ranges), so that a
 * view's `decode()` gives what {@link decodeLayout} gives without bundling
 * the whole-structure codec.
 */
function copyOut(layout: Layout, view: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of layout.order) {
    const f = layout.fields[key] as Field;
    out[key] = f.kind === 'u64' ? view[`${key}Big`] : f.kind === 'bytes' ? (view[key] as Uint8Array).slice() : view[key];
  }
  return out;
}

/**
 * A view of the structure at `offset` in the caller's `bytes`. Reads are
 * bounded to `bytes`: a view that does not fit throws `TRUNCATED` at once.
 * Reuse one view with {@link ViewBase.at} to walk a table without allocating.
 */
export function viewLayout<F extends Fields>(layout: Layout<F>, bytes: Uint8Array, offset = 0): View<F> {
  const Ctor = viewClass(layout);
  return new Ctor(bytes, offset) as unknown as View<F>;
}

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

/** Views `count` entries of `layout` starting at `offset`, `stride` bytes apart. */
export function viewTable<F extends Fields>(
  layout: Layout<F>,
  bytes: Uint8Array,
  offset: number,
  count: number,
  stride: number = layout.size,
): TableView<F> {
  if (!Number.isSafeInteger(count) || count < 0 || stride < layout.size) {
    throw new BootprotoError({
      code: 'BAD_VALUE',
      format: layout.format,
      structure: layout.name,
      offset,
      reason: `bad table shape: ${count} entries of stride ${stride}`,
    });
  }
  const span = count === 0 ? 0 : (count - 1) * stride + layout.size;
  checkSpan(layout, bytes, offset, span);
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
      if (count === 0) return out;
      const v = viewLayout(layout, bytes, offset) as unknown as { at(o: number): Record<string, unknown> };
      for (let i = 0; i < count; i++) out.push(copyOut(layout, v.at(offset + i * stride)) as Decoded<F>);
      return out;
    },
  };
}
