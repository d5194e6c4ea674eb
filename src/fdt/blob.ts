/**
 * The block geometry of a devicetree blob, checked as libfdt's
 * `fdt_check_header()` and `fdt_check_full()` check it before a walk.
 *
 * @module
 */
import { BootprotoError, viewTable, type ErrorCode, type TableView } from '../core/index.js';
import { FDT_RESERVE_ENTRY, decodeFdtHeader, fdtHeaderSize, type FdtHeader } from './header.js';

/** libfdt's `INT_MAX` bound on `totalsize`. */
const INT_MAX = 0x7fffffff;

/** Where the blocks of a blob lie, once its header has been checked. Every offset is from the blob's start. */
export interface FdtGeometry {
  /** The decoded header. */
  header: FdtHeader;
  /** The header's size for its version (28, 32, 36 or 40). */
  headerSize: number;
  /** `totalsize`. */
  totalsize: number;
  /** `off_mem_rsvmap`. */
  rsvmapOffset: number;
  /** The number of reservation entries before the terminating entry (its size is 0). */
  reserveCount: number;
  /** `off_dt_struct`. */
  structOffset: number;
  /** Where token reads must stop: `off_dt_struct + size_dt_struct` (version 17), else `totalsize`. */
  structEnd: number;
  /** `off_dt_strings`. */
  stringsOffset: number;
  /** Where name reads must stop: `off_dt_strings + size_dt_strings` (version 17), else `totalsize` (as `fdt_get_string`). */
  stringsEnd: number;
}

function fail(code: ErrorCode, field: string | undefined, offset: number, reason: string, structure = 'fdt_header'): never {
  const init = { code, format: 'fdt' as const, structure, offset, reason };
  throw new BootprotoError(field === undefined ? init : { ...init, field });
}

function blockOk(hdrsize: number, totalsize: number, base: number, size: number): boolean {
  return base >= hdrsize && base <= totalsize && base + size <= totalsize;
}

/**
 * Checks a blob's header as libfdt does (`fdt_check_header`, then the buffer
 * size and the reservation map of `fdt_check_full`) and returns where its
 * blocks lie. Accepts what libfdt 1.6.1 accepts: blocks may overlap and need
 * not be aligned ({@link validateFdt} warns). Throws {@link BootprotoError}.
 */
export function fdtGeometry(bytes: Uint8Array): FdtGeometry {
  if (bytes.length < 28) fail('TRUNCATED', undefined, 0, `${bytes.length} bytes cannot hold a header (28 at least)`);
  const header = decodeFdtHeader(bytes);
  const version = header.version;
  const headerSize = fdtHeaderSize(version);
  if (bytes.length < headerSize) fail('TRUNCATED', undefined, 0, `version ${version} needs a ${headerSize}-byte header`);
  const totalsize = header.totalsize;
  if (totalsize < headerSize || totalsize > INT_MAX) {
    fail('BAD_VALUE', 'totalsize', 4, `totalsize ${totalsize} is below the header size or above INT_MAX`);
  }
  if (bytes.length < totalsize) {
    fail('TRUNCATED', 'totalsize', 4, `totalsize ${totalsize} but only ${bytes.length} bytes given`);
  }
  const rsvmapOffset = header.offMemRsvmap;
  if (rsvmapOffset < headerSize || rsvmapOffset > totalsize) {
    fail('OUT_OF_BOUNDS', 'off_mem_rsvmap', 16, `off_mem_rsvmap ${rsvmapOffset} is outside ${headerSize}..${totalsize}`);
  }
  const structOffset = header.offDtStruct;
  let structEnd: number;
  if (version < 17) {
    if (structOffset < headerSize || structOffset > totalsize) {
      fail('OUT_OF_BOUNDS', 'off_dt_struct', 8, `off_dt_struct ${structOffset} is outside ${headerSize}..${totalsize}`);
    }
    structEnd = totalsize;
  } else {
    const size = header.sizeDtStruct ?? 0;
    if (!blockOk(headerSize, totalsize, structOffset, size)) {
      fail('OUT_OF_BOUNDS', 'off_dt_struct', 8, `structure block ${structOffset}+${size} is outside ${headerSize}..${totalsize}`);
    }
    structEnd = structOffset + size;
  }
  const stringsOffset = header.offDtStrings;
  // libfdt bounds the strings block with the word at offset 32 whatever the
  // version, so a version 2 blob is checked against whatever follows its
  // 32-byte header there; the verdict must be the same.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stringsSize = header.sizeDtStrings ?? (bytes.length >= 36 ? dv.getUint32(32) : 0);
  if (!blockOk(headerSize, totalsize, stringsOffset, stringsSize)) {
    fail('OUT_OF_BOUNDS', 'off_dt_strings', 12, `strings block ${stringsOffset}+${stringsSize} is outside ${headerSize}..${totalsize}`);
  }
  const stringsEnd = version >= 17 ? stringsOffset + stringsSize : totalsize;
  // fdt_num_mem_rsv: entries up to the one whose size is 0, each within totalsize.
  let reserveCount = 0;
  for (let at = rsvmapOffset; ; at += FDT_RESERVE_ENTRY.size, reserveCount++) {
    if (at + FDT_RESERVE_ENTRY.size > totalsize) {
      fail('TRUNCATED', undefined, at, 'the memory reservation map has no terminating entry within totalsize', 'fdt_reserve_entry');
    }
    if (dv.getUint32(at + 8) === 0 && dv.getUint32(at + 12) === 0) break;
  }
  return { header, headerSize, totalsize, rsvmapOffset, reserveCount, structOffset, structEnd, stringsOffset, stringsEnd };
}

/**
 * The memory reservation map through one reused view (no allocation per
 * entry): its entries before the terminating one. Checks the header first.
 */
export function viewFdtReserveMap(bytes: Uint8Array, geometry: FdtGeometry = fdtGeometry(bytes)): TableView<typeof FDT_RESERVE_ENTRY.fields> {
  return viewTable(FDT_RESERVE_ENTRY, bytes, geometry.rsvmapOffset, geometry.reserveCount);
}
