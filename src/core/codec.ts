/**
 * Whole-structure decode and encode of a layout, through typed-binary.
 *
 * Kept apart from the layout tables and views so that an application that
 * only walks views (memory maps, device trees, section tables) does not
 * bundle typed-binary: a bundler drops this file, and typed-binary with it,
 * when nothing imports {@link decodeLayout} or {@link encodeLayout}.
 *
 * @module
 */
import {
  BufferReader,
  BufferWriter,
  Schema,
  object,
  u16 as tbU16,
  u32 as tbU32,
  u8 as tbU8,
  u8Array as tbU8Array,
  type ISerialInput,
  type ISerialOutput,
  type IMeasurer,
  Measurer,
  MaxValue,
} from 'typed-binary';
import { BootprotoError } from './errors.js';
import { checkSpan, specName, type Decoded, type Field, type FieldKind, type Fields, type Layout } from './layout.js';

// ---------------------------------------------------------------------------
// typed-binary schemas (kept private: typed-binary types stay out of the .d.ts)

class U64Schema extends Schema<bigint> {
  read(input: ISerialInput): bigint {
    const a = BigInt(input.readUint32());
    const b = BigInt(input.readUint32());
    return input.endianness === 'little' ? (b << 32n) | a : (a << 32n) | b;
  }
  write(output: ISerialOutput, value: bigint): void {
    const lo = Number(value & 0xffffffffn);
    const hi = Number(value >> 32n);
    if (output.endianness === 'little') {
      output.writeUint32(lo);
      output.writeUint32(hi);
    } else {
      output.writeUint32(hi);
      output.writeUint32(lo);
    }
  }
  measure(_value: bigint | typeof MaxValue, measurer: IMeasurer = new Measurer()): IMeasurer {
    return measurer.add(8);
  }
}
const tbU64 = new U64Schema();

interface WholeSchema {
  read(input: ISerialInput): Record<string, unknown>;
  write(output: ISerialOutput, value: Record<string, unknown>): void;
}

const schemas = new WeakMap<Layout, WholeSchema>();

function schemaOf(layout: Layout): WholeSchema {
  let s = schemas.get(layout);
  if (s === undefined) {
    const props: Record<string, Schema<unknown>> = {};
    for (const key of layout.order) {
      const f = layout.fields[key] as Field;
      props[key] = (
        f.kind === 'u8' ? tbU8 : f.kind === 'u16' ? tbU16 : f.kind === 'u32' ? tbU32 : f.kind === 'u64' ? tbU64 : tbU8Array(f.length)
      ) as Schema<unknown>;
    }
    s = object(props) as unknown as WholeSchema;
    schemas.set(layout, s);
  }
  return s;
}

/**
 * Decodes a whole structure into a plain object. Reads only within `bytes`
 * (the caller's window); throws {@link BootprotoError} `TRUNCATED` if the
 * structure does not fit.
 */
export function decodeLayout<F extends Fields>(layout: Layout<F>, bytes: Uint8Array, offset = 0): Decoded<F> {
  checkSpan(layout, bytes, offset, layout.size);
  const reader = readerOf(bytes.buffer, layout.littleEndian);
  reader.seekTo(bytes.byteOffset + offset);
  return schemaOf(layout).read(reader) as Decoded<F>;
}

const readers = new WeakMap<ArrayBufferLike, { little?: BufferReader; big?: BufferReader }>();

/**
 * One typed-binary reader per ArrayBuffer and byte order, moved with
 * `seekTo`: its constructor costs more than decoding a small structure (a new
 * DataView, and two typed arrays to probe the host's byte order, every time).
 * Safe because a decode is synchronous and never nests on one reader.
 */
function readerOf(buffer: ArrayBufferLike, littleEndian: boolean): BufferReader {
  let byOrder = readers.get(buffer);
  if (byOrder === undefined) {
    byOrder = {};
    readers.set(buffer, byOrder);
  }
  const endianness = littleEndian ? 'little' : 'big';
  let reader = byOrder[endianness];
  if (reader === undefined) {
    reader = new BufferReader(buffer, { endianness });
    byOrder[endianness] = reader;
  }
  return reader;
}

const LIMITS: Record<Exclude<FieldKind, 'bytes'>, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff, u64: 0 };

function checkValue(layout: Layout, key: string, f: Field, value: unknown): void {
  let ok: boolean;
  if (f.kind === 'u64') ok = typeof value === 'bigint' && value >= 0n && value <= 0xffffffffffffffffn;
  else if (f.kind === 'bytes') ok = value instanceof Uint8Array && value.length === f.length;
  else ok = typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= LIMITS[f.kind];
  if (!ok) {
    throw new BootprotoError({
      code: 'BAD_VALUE',
      format: layout.format,
      structure: layout.name,
      field: specName(key, f),
      offset: f.offset,
      reason: `${String(value)} does not fit a ${f.kind === 'bytes' ? `${f.length}-byte field` : f.kind}`,
    });
  }
}

/**
 * Encodes a structure. Writes into `into` at `offset` when given (the
 * caller's fixed buffer), else into a new buffer of the structure's size.
 * Throws `BAD_VALUE` naming the field if a value does not fit it.
 */
export function encodeLayout<F extends Fields>(
  layout: Layout<F>,
  value: Decoded<F>,
  into?: Uint8Array,
  offset = 0,
): Uint8Array {
  const out = into ?? new Uint8Array(layout.size + offset);
  checkSpan(layout, out, offset, layout.size);
  const record = value as Record<string, unknown>;
  for (const key of layout.order) checkValue(layout, key, layout.fields[key] as Field, record[key]);
  const writer = new BufferWriter(out.buffer, {
    byteOffset: out.byteOffset + offset,
    endianness: layout.littleEndian ? 'little' : 'big',
  });
  schemaOf(layout).write(writer, record);
  return out;
}

