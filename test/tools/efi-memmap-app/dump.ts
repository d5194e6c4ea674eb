/**
 * Parser for the serial output of the memory-map dumping UEFI application
 * (see memmap.c). Pure TypeScript: used by the hermetic tests, the browser
 * test and the tools tier alike.
 *
 *     BOOTPROTO-EFI-MEMMAP v1
 *     status 0x<16 hex>
 *     map_size 0x<16 hex>
 *     desc_size 0x<16 hex>
 *     desc_version 0x<16 hex>
 *     map_key 0x<16 hex>
 *     hex <up to 64 hex digits>      (32 bytes a line)
 *     ...
 *     END
 *
 * The block follows OVMF's own console output (terminal escapes, CR LF);
 * lines are split on LF and trailing CRs dropped. Only the first block is read.
 */

/** What the application printed. */
export interface EfiMemmapDump {
  /** `GetMemoryMap()`'s EFI_STATUS (0 on success). */
  status: bigint;
  /** `MemoryMapSize`: bytes the firmware filled in. */
  mapSize: number;
  /** `DescriptorSize`. */
  descriptorSize: number;
  /** `DescriptorVersion`. */
  descriptorVersion: number;
  /** `MapKey`. */
  mapKey: bigint;
  /** The map's bytes (`mapSize` of them). */
  bytes: Uint8Array;
}

const HEADER = 'BOOTPROTO-EFI-MEMMAP v1';
/** Sanity bound for the map (real maps are a few KiB). */
const MAX_MAP = 1 << 20;

function field(lines: string[], at: number, name: string): bigint {
  const line = lines[at];
  const m = line === undefined ? null : new RegExp(`^${name} 0x([0-9a-f]{16})$`).exec(line);
  if (m === null || m[1] === undefined) throw new Error(`efi memmap dump: expected "${name} 0x…" at line ${at}, got ${JSON.stringify(line)}`);
  return BigInt(`0x${m[1]}`);
}

/** Parses the first dump block in `text`; throws an Error describing the first thing that does not fit. */
export function parseEfiMemmapDump(text: string): EfiMemmapDump {
  const lines = text.split('\n').map((l) => l.replace(/\r+$/, ''));
  const start = lines.findIndex((l) => l.endsWith(HEADER));
  if (start < 0) throw new Error(`efi memmap dump: no "${HEADER}" line`);
  const status = field(lines, start + 1, 'status');
  if (status !== 0n) throw new Error(`efi memmap dump: GetMemoryMap() failed with status 0x${status.toString(16)}`);
  const mapSize = Number(field(lines, start + 2, 'map_size'));
  const descriptorSize = Number(field(lines, start + 3, 'desc_size'));
  const descriptorVersion = Number(field(lines, start + 4, 'desc_version'));
  const mapKey = field(lines, start + 5, 'map_key');
  if (mapSize > MAX_MAP) throw new Error(`efi memmap dump: map_size ${mapSize} exceeds ${MAX_MAP}`);
  const bytes = new Uint8Array(mapSize);
  let at = 0;
  let i = start + 6;
  for (; i < lines.length && lines[i] !== 'END'; i++) {
    const m = /^hex ([0-9a-f]*)$/.exec(lines[i] as string);
    if (m === null || m[1] === undefined || m[1].length % 2 !== 0) throw new Error(`efi memmap dump: bad line ${i}: ${JSON.stringify(lines[i])}`);
    for (let k = 0; k < m[1].length; k += 2) {
      if (at >= mapSize) throw new Error('efi memmap dump: more bytes than map_size');
      bytes[at++] = parseInt(m[1].slice(k, k + 2), 16);
    }
  }
  if (i >= lines.length) throw new Error('efi memmap dump: no END line');
  if (at !== mapSize) throw new Error(`efi memmap dump: ${at} bytes, map_size says ${mapSize}`);
  return { status, mapSize, descriptorSize, descriptorVersion, mapKey, bytes };
}
