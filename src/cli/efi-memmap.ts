/**
 * The command line's EFI memory map handler: a raw map as `GetMemoryMap()`
 * returns it (the descriptor size is not in the map: `--desc-size`).
 */
import { hex } from '../core/index.js';
import {
  EFI_MEMORY_DESCRIPTOR,
  attributeNames,
  decodeMemoryMap,
  linuxMemmapLines,
  memoryTypeName,
  validateMemoryMap,
  type EfiMemoryMap,
  type MemoryMapLocation,
} from '../efi-memmap/index.js';
import { humanSize, type Lines } from './render.js';
import { UsageError, type Params, type StructHandler } from './types.js';

function whole(params: Params, name: string, fallback?: number): number | undefined {
  const text = params[name];
  if (text === undefined) return fallback;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw new UsageError(`--${name}: "${text}" is not a number`);
  return Number(text);
}

/**
 * Renders a decoded map: one line per descriptor (offset, range, type, size,
 * attributes), then the map as Linux's boot log prints it. Used wherever a
 * map appears (a raw map, a Multiboot 2 EFI-mmap tag).
 */
export function renderEfiMemoryMap(map: EfiMemoryMap, offset = 0, indent = ''): Lines {
  const lines: Lines = [`${indent}EFI memory map: ${map.descriptors.length} descriptors of ${map.descriptorSize} bytes (${EFI_MEMORY_DESCRIPTOR.name} is ${EFI_MEMORY_DESCRIPTOR.size}), version ${map.descriptorVersion}`];
  map.descriptors.forEach((d, i) => {
    const end = d.physicalStart + d.numberOfPages * 4096n - 1n;
    lines.push(
      `${indent}  [${String(i).padStart(3)}] +0x${(offset + i * map.descriptorSize).toString(16).padStart(4, '0')} ${hex(d.physicalStart).padStart(18)}-${hex(end).padEnd(18)} ${memoryTypeName(d.type).padEnd(26)} ${humanSize(d.numberOfPages * 4096n).padStart(10)}  ${attributeNames(d.attribute).join('|')}`,
    );
  });
  lines.push(`${indent}As Linux prints it:`);
  for (const l of linuxMemmapLines(map)) lines.push(`${indent}  ${l}`);
  return lines;
}

/** `--as efi-memmap`. */
export const efiMemmap: StructHandler = {
  name: 'efi-memmap',
  summary: 'an EFI memory map (EFI_MEMORY_DESCRIPTOR array)',
  params: ['desc-size', 'desc-version', 'map-size'],
  options: '--desc-size N (required; firmware commonly uses 48)  --desc-version V  --map-size N',
  fromBytes(bytes, offset, params) {
    const descriptorSize = whole(params, 'desc-size');
    if (descriptorSize === undefined) throw new UsageError('--as efi-memmap needs --desc-size N (the DescriptorSize GetMemoryMap() returned)');
    const where: MemoryMapLocation = { descriptorSize, offset };
    const version = whole(params, 'desc-version');
    const mapSize = whole(params, 'map-size');
    if (version !== undefined) where.descriptorVersion = version;
    if (mapSize !== undefined) where.mapSize = mapSize;
    const problems = validateMemoryMap(bytes, where);
    const map = decodeMemoryMap(bytes, where);
    const lines = renderEfiMemoryMap(map, offset);
    return { json: { format: 'efi-memmap', map, problems }, lines, problems };
  },
};
