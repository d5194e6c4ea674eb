/**
 * Validation of a memory map: every problem found, never an exception.
 *
 * Rules (UEFI specification, `GetMemoryMap()` and `EFI_MEMORY_DESCRIPTOR`;
 * the codes are stable):
 * - `UNSUPPORTED_VERSION` (error): `DescriptorVersion` is not 1;
 * - `BAD_DESCRIPTOR_SIZE` (error): `DescriptorSize` is below 40 (nothing
 *   else is checked then); (warning) it is not a multiple of 8, so the
 *   64-bit fields of every other descriptor are misaligned;
 * - `MAP_SIZE_REMAINDER` (warning): `MemoryMapSize` is not a whole number
 *   of descriptors (the remainder is ignored, as Linux ignores it);
 * - `TRUNCATED` (error): the map does not fit the bytes given;
 * - `EMPTY_DESCRIPTOR` (error): `NumberOfPages` is 0 (the specification
 *   forbids it);
 * - `RANGE_OVERFLOW` (error): the physical range ends past 2^64;
 * - `NOT_PAGE_ALIGNED` (error): `PhysicalStart` is not a multiple of 4 KiB;
 *   (warning) neither is a `VirtualStart` that is not 0;
 * - `UNKNOWN_TYPE` (warning): a type in the invalid range (16–0x6FFFFFFF);
 *   `OEM_TYPE` / `OS_TYPE` (info) for the reserved ranges;
 * - `UNKNOWN_ATTRIBUTE` (warning): attribute bits the specification does not define;
 * - `PAD_NONZERO` (info): the padding after `Type` is not 0;
 * - `BAD_VALUE` (error): a decoded descriptor's `trailing` bytes do not fit `DescriptorSize`;
 * - `MEMMAP_UNSORTED` (warning): a descriptor starts below the one before
 *   (the specification does not require order, but consumers expect it);
 * - `MEMMAP_OVERLAP` (error): two descriptors' physical ranges overlap.
 *
 * @module
 */
import { BootprotoError, ProblemCollector, problemFromError, type Problem } from '../core/index.js';
import {
  EFI_MEMORY_DESCRIPTOR,
  EFI_MEMORY_DESCRIPTOR_VERSION,
  EFI_MEMORY_KNOWN_ATTRIBUTES,
  memoryTypeRange,
  memoryTypeName,
  type EfiMemoryDescriptor,
} from './descriptor.js';
import { decodeMemoryMap, type EfiMemoryMap, type MemoryMapLocation } from './map.js';
import { descriptorEnd } from './operations.js';

const U64_END = 1n << 64n;
const STRUCT = 'EFI_MEMORY_DESCRIPTOR';

function checkShape(c: ProblemCollector, descriptorSize: number, descriptorVersion: number): boolean {
  if (descriptorVersion !== EFI_MEMORY_DESCRIPTOR_VERSION) {
    c.add('error', 'UNSUPPORTED_VERSION', STRUCT, undefined, 0, `DescriptorVersion is ${descriptorVersion}, not EFI_MEMORY_DESCRIPTOR_VERSION (1)`);
  }
  if (!(Number.isSafeInteger(descriptorSize) && descriptorSize >= EFI_MEMORY_DESCRIPTOR.size)) {
    c.add('error', 'BAD_DESCRIPTOR_SIZE', STRUCT, undefined, 0, `DescriptorSize ${descriptorSize} is below the 40 bytes of EFI_MEMORY_DESCRIPTOR`);
    return false;
  }
  if (descriptorSize % 8 !== 0) {
    c.add('warning', 'BAD_DESCRIPTOR_SIZE', STRUCT, undefined, 0, `DescriptorSize ${descriptorSize} is not a multiple of 8: 64-bit fields are misaligned`);
  }
  return true;
}

function checkDescriptors(c: ProblemCollector, descriptors: readonly EfiMemoryDescriptor[], descriptorSize: number, base: number): void {
  const ranges: { start: bigint; end: bigint; i: number }[] = [];
  let prev: bigint | undefined;
  descriptors.forEach((d, i) => {
    const off = base + i * descriptorSize;
    const range = memoryTypeRange(d.type);
    if (range === 'invalid') c.add('warning', 'UNKNOWN_TYPE', STRUCT, 'Type', off, `descriptor ${i}: type ${memoryTypeName(d.type)} is neither standard, OEM nor OS`);
    else if (range === 'oem') c.add('info', 'OEM_TYPE', STRUCT, 'Type', off, `descriptor ${i}: OEM-defined type 0x${d.type.toString(16)}`);
    else if (range === 'os') c.add('info', 'OS_TYPE', STRUCT, 'Type', off, `descriptor ${i}: OS-defined type 0x${d.type.toString(16)}`);
    if (d.trailing !== undefined && d.trailing.length > descriptorSize - EFI_MEMORY_DESCRIPTOR.size) {
      c.add('error', 'BAD_VALUE', STRUCT, 'trailing', off + EFI_MEMORY_DESCRIPTOR.size, `descriptor ${i}: ${d.trailing.length} trailing bytes do not fit a ${descriptorSize}-byte descriptor`);
    }
    if (d.pad !== 0) c.add('info', 'PAD_NONZERO', STRUCT, 'Pad', off + 4, `descriptor ${i}: the padding after Type is 0x${d.pad.toString(16)}`);
    if (d.physicalStart % 4096n !== 0n) c.add('error', 'NOT_PAGE_ALIGNED', STRUCT, 'PhysicalStart', off + 8, `descriptor ${i}: PhysicalStart 0x${d.physicalStart.toString(16)} is not 4 KiB aligned`);
    if (d.virtualStart % 4096n !== 0n) c.add('warning', 'NOT_PAGE_ALIGNED', STRUCT, 'VirtualStart', off + 16, `descriptor ${i}: VirtualStart 0x${d.virtualStart.toString(16)} is not 4 KiB aligned`);
    const unknown = d.attribute & ~EFI_MEMORY_KNOWN_ATTRIBUTES;
    if (unknown !== 0n) c.add('warning', 'UNKNOWN_ATTRIBUTE', STRUCT, 'Attribute', off + 32, `descriptor ${i}: undefined attribute bits 0x${unknown.toString(16)}`);
    if (d.numberOfPages === 0n) {
      c.add('error', 'EMPTY_DESCRIPTOR', STRUCT, 'NumberOfPages', off + 24, `descriptor ${i} has no pages`);
    }
    const end = descriptorEnd(d);
    if (end > U64_END) {
      c.add('error', 'RANGE_OVERFLOW', STRUCT, 'NumberOfPages', off + 24, `descriptor ${i}: 0x${d.physicalStart.toString(16)} + 0x${d.numberOfPages.toString(16)} pages ends past 2^64`);
      return;
    }
    if (prev !== undefined && d.physicalStart < prev) {
      c.add('warning', 'MEMMAP_UNSORTED', STRUCT, 'PhysicalStart', off + 8, `descriptor ${i} starts below descriptor ${i - 1}`);
    }
    prev = d.physicalStart;
    if (d.numberOfPages > 0n) ranges.push({ start: d.physicalStart, end, i });
  });
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.i - b.i));
  // Each range against the furthest-reaching one before it: every overlapping
  // pair where one of the two reaches furthest is reported, in O(n log n).
  let reach: (typeof ranges)[number] | undefined;
  for (const r of ranges) {
    if (reach !== undefined && r.start < reach.end) {
      const [first, second] = reach.i < r.i ? [reach, r] : [r, reach];
      c.add(
        'error',
        'MEMMAP_OVERLAP',
        STRUCT,
        'PhysicalStart',
        base + second.i * descriptorSize + 8,
        `descriptor ${second.i} [0x${second.start.toString(16)}, 0x${second.end.toString(16)}) overlaps descriptor ${first.i} [0x${first.start.toString(16)}, 0x${first.end.toString(16)})`,
      );
    }
    if (reach === undefined || r.end > reach.end) reach = r;
  }
}

/**
 * Validates a memory map, given as bytes with its location and shape, or as
 * a decoded {@link EfiMemoryMap}. Returns every problem (see the module's
 * rules), with offsets from the start of the map; never throws on bad input.
 */
export function validateMemoryMap(input: Uint8Array | EfiMemoryMap, where?: MemoryMapLocation): Problem[] {
  const c = new ProblemCollector('efi-memmap');
  try {
    if (input instanceof Uint8Array) {
      if (where === undefined) {
        c.add('error', 'BAD_DESCRIPTOR_SIZE', STRUCT, undefined, 0, 'no DescriptorSize given: a memory map cannot be read without it');
        return c.problems;
      }
      if (!checkShape(c, where.descriptorSize, where.descriptorVersion ?? EFI_MEMORY_DESCRIPTOR_VERSION)) return c.problems;
      const offset = where.offset ?? 0;
      const mapSize = where.mapSize ?? input.length - offset;
      if (Number.isSafeInteger(mapSize) && mapSize % where.descriptorSize !== 0) {
        c.add('warning', 'MAP_SIZE_REMAINDER', STRUCT, undefined, 0, `MemoryMapSize ${mapSize} is not a multiple of DescriptorSize ${where.descriptorSize}: ${mapSize % where.descriptorSize} bytes left over`);
      }
      const map = decodeMemoryMap(input, where);
      checkDescriptors(c, map.descriptors, map.descriptorSize, 0);
    } else {
      if (!checkShape(c, input.descriptorSize, input.descriptorVersion)) return c.problems;
      checkDescriptors(c, input.descriptors, input.descriptorSize, 0);
    }
  } catch (e) {
    if (e instanceof BootprotoError) c.problems.push(problemFromError(e));
    else c.add('error', 'BAD_VALUE', STRUCT, undefined, 0, `unreadable input: ${e instanceof Error ? e.message : String(e)}`);
  }
  return c.problems;
}
