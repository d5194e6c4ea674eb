/**
 * What every bridge shares: a zero page assembled from the few facts another
 * boot protocol hands over (memory map, command line pointer, initrd, RSDP,
 * EFI tables, framebuffer), with the e820 entries beyond 128 moved into a
 * `SETUP_E820_EXT` node instead of overflowing `e820_table`.
 *
 * @module
 */
import type { Problem, Severity } from '../../core/index.js';
import { emptyBootParams, encodeBootParams, encodeE820Entries, splitU64, type BootE820Entry, type ScreenInfo } from '../boot-params.js';
import { E820_MAX_ENTRIES_ZEROPAGE, E820_TYPE_RESERVED, EFI32_LOADER_SIGNATURE, EFI64_LOADER_SIGNATURE, SETUP_E820_EXT } from '../constants.js';
import type { BuiltZeroPage, EfiHandover, MemoryChunk } from '../loader.js';
import { encodeSetupDataNode } from '../setup-data.js';

/** First address of the legacy ISA hole (`ISA_START_ADDRESS` in Linux's `asm/e820/types.h`). */
export const ISA_START_ADDRESS = 0xa0000n;
/** End (exclusive) of the legacy ISA hole (`ISA_END_ADDRESS`). */
export const ISA_END_ADDRESS = 0x100000n;

/** `screen_info.orig_video_isVGA` for an EGA colour text mode (`VIDEO_TYPE_EGAC`, `uapi/linux/screen_info.h`). */
export const VIDEO_TYPE_EGAC = 0x21;
/** `screen_info.orig_video_isVGA` for a VESA linear framebuffer (`VIDEO_TYPE_VLFB`). */
export const VIDEO_TYPE_VLFB = 0x23;
/** `screen_info.orig_video_isVGA` for an EFI framebuffer (`VIDEO_TYPE_EFI`). */
export const VIDEO_TYPE_EFI = 0x70;
/** `screen_info.capabilities` bit: `ext_lfb_base` holds the high half of the address (`VIDEO_CAPABILITY_64BIT_BASE`). */
export const VIDEO_CAPABILITY_64BIT_BASE = 1 << 1;

/** Where a bridge places what it writes besides the facts it copies. */
export interface BridgePlacement {
  /** Where the zero page goes; when given, it is the first of the chunks returned. */
  zeroPagePaddr?: bigint;
  /** Where the `SETUP_E820_EXT` node goes when the map has more than 128 entries (required then). */
  e820ExtPaddr?: bigint;
}

/** The facts a bridge gathered from the other protocol. */
export interface ZeroPageFacts {
  /** The memory map, in order, as e820 entries. */
  e820: BootE820Entry[];
  /** Physical address of the NUL-terminated command line. */
  cmdLinePtr?: bigint;
  /** The initrd. */
  ramdisk?: {
    /** Physical address of its first byte. */
    image: bigint;
    /** Its size in bytes. */
    size: bigint;
  };
  /** `acpi_rsdp_addr`. */
  acpiRsdpAddr?: bigint;
  /** `efi_info`. */
  efi?: EfiHandover;
  /** `screen_info` members. */
  screenInfo?: Partial<ScreenInfo>;
  /** `hdr.version` to stamp (0 leaves it 0). */
  version: number;
  /** `hdr.type_of_loader`. */
  typeOfLoader: number;
}

/** A problem of a bridge (format `linux`, structure `boot_params`). */
export function bridgeProblem(severity: Severity, code: string, field: string | undefined, message: string, paddr?: bigint): Problem {
  const p: Problem = { severity, code, format: 'linux', structure: 'boot_params', offset: 0, message };
  if (field !== undefined) p.field = field;
  if (paddr !== undefined) p.paddr = paddr;
  return p;
}

/** Appends the legacy hole [0xA0000, 0x100000) as E820_TYPE_RESERVED, as Linux's PVH entry does. */
export function withIsaHole(e820: readonly BootE820Entry[]): BootE820Entry[] {
  return [...e820, { addr: ISA_START_ADDRESS, size: ISA_END_ADDRESS - ISA_START_ADDRESS, type: E820_TYPE_RESERVED }];
}

/**
 * Lays the facts out as a zero page: every member 0 but those the facts
 * name; the first 128 e820 entries in `e820_table`, the rest in a
 * `SETUP_E820_EXT` node at `placement.e820ExtPaddr` (linked from
 * `hdr.setup_data`); 64-bit values split into their low halves and `ext_`
 * high halves.
 */
export function assembleZeroPage(facts: ZeroPageFacts, placement: BridgePlacement, problems: Problem[]): BuiltZeroPage {
  const bp = emptyBootParams();
  const hdr = bp.hdr;
  hdr.version = facts.version;
  hdr.typeOfLoader = facts.typeOfLoader;
  const chunks: MemoryChunk[] = [];
  const first = facts.e820.slice(0, E820_MAX_ENTRIES_ZEROPAGE);
  bp.e820Table = first;
  bp.e820Entries = first.length;
  if (facts.e820.length > E820_MAX_ENTRIES_ZEROPAGE) {
    const rest = facts.e820.slice(E820_MAX_ENTRIES_ZEROPAGE);
    if (placement.e820ExtPaddr === undefined) {
      problems.push(bridgeProblem('error', 'MISSING_ADDRESS', 'setup_data', `${facts.e820.length} e820 entries: the ${rest.length} beyond 128 need a SETUP_E820_EXT node, and no address was given for it (dropped)`));
    } else {
      hdr.setupData = placement.e820ExtPaddr;
      chunks.push({ label: 'setup_data 1', paddr: placement.e820ExtPaddr, bytes: encodeSetupDataNode(0n, SETUP_E820_EXT, encodeE820Entries(rest)) });
    }
  }
  if (facts.cmdLinePtr !== undefined) {
    const { lo, hi } = splitU64(facts.cmdLinePtr);
    hdr.cmdLinePtr = lo;
    bp.extCmdLinePtr = hi;
  }
  if (facts.ramdisk !== undefined) {
    const img = splitU64(facts.ramdisk.image);
    const size = splitU64(facts.ramdisk.size);
    hdr.ramdiskImage = img.lo;
    bp.extRamdiskImage = img.hi;
    hdr.ramdiskSize = size.lo;
    bp.extRamdiskSize = size.hi;
  }
  if (facts.acpiRsdpAddr !== undefined) bp.acpiRsdpAddr = facts.acpiRsdpAddr;
  if (facts.efi !== undefined) {
    const e = facts.efi;
    const systab = splitU64(e.systab);
    const memmap = splitU64(e.memmap);
    bp.efiInfo = {
      efiLoaderSignature: e.bits === 64 ? EFI64_LOADER_SIGNATURE : EFI32_LOADER_SIGNATURE,
      efiSystab: systab.lo,
      efiMemdescSize: e.memdescSize,
      efiMemdescVersion: e.memdescVersion,
      efiMemmap: memmap.lo,
      efiMemmapSize: e.memmapSize,
      efiSystabHi: systab.hi,
      efiMemmapHi: memmap.hi,
    };
  }
  if (facts.screenInfo !== undefined) bp.screenInfo = { ...bp.screenInfo, ...facts.screenInfo };
  const zeroPage = encodeBootParams(bp);
  if (placement.zeroPagePaddr !== undefined) chunks.unshift({ label: 'zero page', paddr: placement.zeroPagePaddr, bytes: zeroPage });
  return { zeroPage, bootParams: bp, chunks, problems };
}
