/**
 * A whole memory map as `GetMemoryMap()` returns it: `MemoryMapSize` bytes
 * holding descriptors `DescriptorSize` bytes apart (never assume 40: step by
 * the size), of `DescriptorVersion` 1. Decoded objects, encoding at any
 * descriptor size, and a zero-allocation view for hot paths.
 *
 * @module
 */
import { BootprotoError, viewTable, type View } from '../core/index.js';
import {
  EFI_MEMORY_DESCRIPTOR,
  EFI_MEMORY_DESCRIPTOR_VERSION,
  addTrailing,
  checkDescriptorSize,
  descriptorFromView,
  encodeMemoryDescriptor,
  type EfiMemoryDescriptor,
} from './descriptor.js';

/** A decoded memory map. */
export interface EfiMemoryMap {
  /** `DescriptorSize`: bytes from one descriptor to the next (at least 40). */
  descriptorSize: number;
  /** `DescriptorVersion` (1 is the only version defined). */
  descriptorVersion: number;
  /** The descriptors, in map order. */
  descriptors: EfiMemoryDescriptor[];
}

/** Where a map sits in a buffer, and its shape (what `GetMemoryMap()` returns beside the bytes). */
export interface MemoryMapLocation {
  /** `DescriptorSize` (required: it is not stored in the map). */
  descriptorSize: number;
  /** `DescriptorVersion`; default 1. */
  descriptorVersion?: number;
  /** Byte offset of the first descriptor; default 0. */
  offset?: number;
  /**
   * `MemoryMapSize`: bytes of the map; default all the bytes after `offset`.
   * The number of descriptors is `floor(mapSize / descriptorSize)`, as Linux
   * computes it; a remainder is ignored here and reported by the validator.
   */
  mapSize?: number;
}

/** The shape of a map after checking its location against the bytes. */
interface Shape {
  offset: number;
  descriptorSize: number;
  descriptorVersion: number;
  count: number;
  mapSize: number;
}

function fail(code: 'TRUNCATED' | 'OUT_OF_BOUNDS' | 'BAD_VALUE', offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: 'efi-memmap', structure: 'EFI_MEMORY_DESCRIPTOR', offset, reason });
}

/** Checks a location against `bytes`; throws {@link BootprotoError} when the map cannot be read. */
function shapeOf(bytes: Uint8Array, where: MemoryMapLocation): Shape {
  const offset = where.offset ?? 0;
  const { descriptorSize } = where;
  const descriptorVersion = where.descriptorVersion ?? EFI_MEMORY_DESCRIPTOR_VERSION;
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset <= bytes.length)) {
    throw fail('OUT_OF_BOUNDS', 0, `offset ${offset} is outside the ${bytes.length} bytes given`);
  }
  checkDescriptorSize(descriptorSize, offset);
  const mapSize = where.mapSize ?? bytes.length - offset;
  if (!(Number.isSafeInteger(mapSize) && mapSize >= 0)) throw fail('BAD_VALUE', offset, `MemoryMapSize ${mapSize} is not a byte count`);
  if (mapSize > bytes.length - offset) {
    throw fail('TRUNCATED', offset, `MemoryMapSize is ${mapSize} bytes, only ${bytes.length - offset} remain`);
  }
  if (!(Number.isSafeInteger(descriptorVersion) && descriptorVersion >= 0 && descriptorVersion <= 0xffffffff)) {
    throw fail('BAD_VALUE', offset, `DescriptorVersion ${descriptorVersion} is not a UINT32`);
  }
  return { offset, descriptorSize, descriptorVersion, count: Math.floor(mapSize / descriptorSize), mapSize };
}

/**
 * Decodes a memory map into plain objects. Throws {@link BootprotoError}
 * when `DescriptorSize` is below 40 (`BAD_VALUE`; a size of 0 never loops)
 * or the map does not fit the bytes (`TRUNCATED`). Any version is read as
 * version 1; {@link validateMemoryMap} reports a version other than 1.
 */
export function decodeMemoryMap(bytes: Uint8Array, where: MemoryMapLocation): EfiMemoryMap {
  const s = shapeOf(bytes, where);
  return { descriptorSize: s.descriptorSize, descriptorVersion: s.descriptorVersion, descriptors: decodeAll(bytes, s) };
}

/** Decodes every descriptor through one reused view (the shape is checked, so every read is in bounds). */
function decodeAll(bytes: Uint8Array, s: Shape): EfiMemoryDescriptor[] {
  const out: EfiMemoryDescriptor[] = [];
  if (s.count === 0) return out;
  const table = viewTable(EFI_MEMORY_DESCRIPTOR, bytes, s.offset, s.count, s.descriptorSize);
  const wide = s.descriptorSize > EFI_MEMORY_DESCRIPTOR.size;
  for (let i = 0; i < s.count; i++) {
    const d = descriptorFromView(table.get(i));
    if (wide) addTrailing(d, bytes, s.offset + i * s.descriptorSize, s.descriptorSize);
    out.push(d);
  }
  return out;
}

/** The number of bytes {@link encodeMemoryMap} writes for `map`. */
export function memoryMapByteLength(map: Pick<EfiMemoryMap, 'descriptorSize' | 'descriptors'>): number {
  return map.descriptorSize * map.descriptors.length;
}

/**
 * Encodes a map: each descriptor in `map.descriptorSize` bytes (its
 * `trailing` bytes, then zeros, after the 40 defined ones), written into
 * `into` at `offset` or into a new buffer. `decodeMemoryMap` then
 * `encodeMemoryMap` gives back the same bytes.
 */
export function encodeMemoryMap(map: EfiMemoryMap, into?: Uint8Array, offset = 0): Uint8Array {
  checkDescriptorSize(map.descriptorSize, offset);
  const size = memoryMapByteLength(map);
  const out = into ?? new Uint8Array(offset + size);
  if (!(Number.isSafeInteger(offset) && offset >= 0 && out.length - offset >= size)) {
    throw fail('TRUNCATED', offset, `the map needs ${size} bytes at offset ${offset}, the buffer has ${out.length}`);
  }
  map.descriptors.forEach((d, i) => encodeMemoryDescriptor(d, out, offset + i * map.descriptorSize, map.descriptorSize));
  return out;
}

/**
 * The view a memory map walk moves from descriptor to descriptor: one getter
 * per field. `type` and `pad` are numbers; a 64-bit field `x` has `x` (an
 * exact number, or a `LIMIT` error above 2^53 − 1), `xLo`/`xHi` (its 32-bit
 * halves, never failing) and `xBig` (a bigint, which allocates). Test
 * attribute bits with `attributeHasBit(d.attributeLo, d.attributeHi, bit)`:
 * `EFI_MEMORY_RUNTIME` is bit 63, `(d.attributeHi >>> 31) === 1`.
 *
 * @useDeclaredType
 */
export type EfiMemoryDescriptorView = View<typeof EFI_MEMORY_DESCRIPTOR.fields>;

/**
 * A zero-allocation view of a memory map: `get(i)` moves one shared
 * {@link EfiMemoryDescriptorView} to descriptor `i` (by `i * descriptorSize`)
 * and returns it, so a walk allocates nothing per descriptor. Hold on to
 * values, not to the view.
 */
export interface EfiMemoryMapView {
  /** Descriptors in the map: `floor(mapSize / descriptorSize)`. */
  readonly count: number;
  /** `DescriptorSize`. */
  readonly descriptorSize: number;
  /** `DescriptorVersion`. */
  readonly descriptorVersion: number;
  /** Byte offset of the first descriptor in the bytes viewed. */
  readonly byteOffset: number;
  /** `MemoryMapSize` as given (may hold a remainder after the last whole descriptor). */
  readonly mapSize: number;
  /** The shared descriptor view moved to descriptor `index` (throws `OUT_OF_BOUNDS` outside 0…count−1). */
  get(index: number): EfiMemoryDescriptorView;
  /**
   * The index of the first descriptor whose physical range covers `address`
   * (a safe integer), or −1. Allocates nothing; exact for every safe-integer
   * address even when ranges reach past 2^53.
   */
  find(address: number): number;
  /** Decodes every descriptor into a plain object. */
  decodeAll(): EfiMemoryDescriptor[];
  /** Decodes the whole map. */
  decode(): EfiMemoryMap;
}

const TWO_32 = 0x100000000;

/**
 * Views the map in `bytes` without decoding it. Throws like
 * {@link decodeMemoryMap} when the shape is unreadable; the descriptors
 * themselves are read when asked for.
 */
export function viewMemoryMap(bytes: Uint8Array, where: MemoryMapLocation): EfiMemoryMapView {
  const s = shapeOf(bytes, where);
  const table = viewTable(EFI_MEMORY_DESCRIPTOR, bytes, s.offset, s.count, s.descriptorSize);
  return {
    count: s.count,
    descriptorSize: s.descriptorSize,
    descriptorVersion: s.descriptorVersion,
    byteOffset: s.offset,
    mapSize: s.mapSize,
    get: (index: number) => table.get(index),
    find(address: number): number {
      if (!(Number.isSafeInteger(address) && address >= 0)) return -1;
      for (let i = 0; i < s.count; i++) {
        const d = table.get(i);
        const start = d.physicalStartHi * TWO_32 + d.physicalStartLo;
        if (start > address) continue;
        const bytesLen = (d.numberOfPagesHi * TWO_32 + d.numberOfPagesLo) * 4096;
        if (address < start + bytesLen) return i;
      }
      return -1;
    },
    decodeAll: () => decodeAll(bytes, s),
    decode(): EfiMemoryMap {
      return { descriptorSize: s.descriptorSize, descriptorVersion: s.descriptorVersion, descriptors: this.decodeAll() };
    },
  };
}
