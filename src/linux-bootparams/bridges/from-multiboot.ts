/**
 * Multiboot 1 and 2 → zero page: what a Multiboot loader tells its kernel,
 * said the way the Linux boot protocol says it.
 *
 * @module
 */
import type { Problem } from '../../core/index.js';
import { toE820 } from '../../efi-memmap/index.js';
import { mb2EfiMemoryMap, mb2Tag, mb2Tags, type Mb1Framebuffer, type Mb1Handoff, type Mb2FramebufferTag, type Mb2Info } from '../../multiboot/index.js';
import type { BootE820Entry, ScreenInfo } from '../boot-params.js';
import { E820_TYPE_ACPI, E820_TYPE_NVS, E820_TYPE_RAM, E820_TYPE_RESERVED, E820_TYPE_UNUSABLE } from '../constants.js';
import type { BuiltZeroPage, EfiHandover } from '../loader.js';
import {
  VIDEO_CAPABILITY_64BIT_BASE,
  VIDEO_TYPE_EFI,
  VIDEO_TYPE_VLFB,
  assembleZeroPage,
  bridgeProblem,
  type BridgePlacement,
  type ZeroPageFacts,
} from './assemble.js';

/** `screen_info.orig_video_isVGA` for a VGA colour text mode (`VIDEO_TYPE_VGAC`, `uapi/linux/screen_info.h`). */
export const VIDEO_TYPE_VGAC = 0x22;

/** `type_of_loader` the Multiboot bridges write by default: 0x7 ("GRUB") version 0 — GRUB is the Multiboot loader; pass another with `typeOfLoader`. */
export const MULTIBOOT_TYPE_OF_LOADER_DEFAULT = 0x70;
/** The protocol version the Multiboot bridges stamp by default: 2.12, as Linux's PVH entry does for a zero page no boot sector filled. */
export const MULTIBOOT_BOOT_PROTOCOL_VERSION = 0x020c;

/** Options of {@link bootParamsFromMb2} and {@link bootParamsFromMb1}. */
export interface MultibootToBootParamsOptions extends BridgePlacement {
  /** `hdr.type_of_loader` (default {@link MULTIBOOT_TYPE_OF_LOADER_DEFAULT}). */
  typeOfLoader?: number;
  /** `hdr.version` (default {@link MULTIBOOT_BOOT_PROTOCOL_VERSION}). */
  version?: number;
  /**
   * Multiboot 2: which memory map the e820 comes from when both are there —
   * `mmap` (tag 6, the default) or `efi-mmap` (tag 17, through efi-memmap's
   * `toE820`, the EFI stub's rules). When only one is there it is used.
   */
  memoryMap?: 'mmap' | 'efi-mmap';
}

/**
 * A Multiboot memory type as an e820 type. Both specifications define 1
 * (available), 3 (ACPI reclaimable), 4 (preserve on hibernation: NVS) and 5
 * (defective: unusable), the same numbers as e820; every other value is
 * "reserved", and stays reserved here.
 */
export function e820TypeOfMultiboot(type: number): number {
  switch (type) {
    case 1:
      return E820_TYPE_RAM;
    case 3:
      return E820_TYPE_ACPI;
    case 4:
      return E820_TYPE_NVS;
    case 5:
      return E820_TYPE_UNUSABLE;
    default:
      return E820_TYPE_RESERVED;
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

/** The byte offset of each tag of `info` from the start of the information (tags start at 8, each 8-byte aligned). */
export function mb2TagOffsets(info: Pick<Mb2Info, 'tags'>): number[] {
  const out: number[] = [];
  let o = 8;
  for (const t of info.tags) {
    out.push(o);
    o += align8(t.size);
  }
  return out;
}

interface Fb {
  addr: bigint;
  pitch: number;
  width: number;
  height: number;
  bpp: number;
  type: number;
  rgb?: { framebufferRedFieldPosition: number; framebufferRedMaskSize: number; framebufferGreenFieldPosition: number; framebufferGreenMaskSize: number; framebufferBlueFieldPosition: number; framebufferBlueMaskSize: number };
}

function screenInfoOf(fb: Fb, efi: boolean, problems: Problem[]): Partial<ScreenInfo> | undefined {
  if (fb.type === 2) {
    // EGA text: columns and lines, as a VGA colour text console.
    return { origVideoIsVga: VIDEO_TYPE_VGAC, origVideoCols: fb.width & 0xff, origVideoLines: fb.height & 0xff, origVideoMode: 3 };
  }
  if (fb.type !== 1 || fb.rgb === undefined) {
    problems.push(bridgeProblem('info', 'FRAMEBUFFER_SKIPPED', 'screen_info', `framebuffer type ${fb.type} (indexed colour) has no screen_info form; screen_info left 0`));
    return undefined;
  }
  const hi = Number(fb.addr >> 32n) >>> 0;
  const size = BigInt(fb.pitch) * BigInt(fb.height);
  return {
    origVideoIsVga: efi ? VIDEO_TYPE_EFI : VIDEO_TYPE_VLFB,
    lfbWidth: fb.width & 0xffff,
    lfbHeight: fb.height & 0xffff,
    lfbDepth: fb.bpp,
    lfbBase: Number(fb.addr & 0xffffffffn),
    extLfbBase: hi,
    capabilities: hi !== 0 ? VIDEO_CAPABILITY_64BIT_BASE : 0,
    lfbSize: Number(size > 0xffffffffn ? 0xffffffffn : size),
    lfbLinelength: fb.pitch & 0xffff,
    redPos: fb.rgb.framebufferRedFieldPosition,
    redSize: fb.rgb.framebufferRedMaskSize,
    greenPos: fb.rgb.framebufferGreenFieldPosition,
    greenSize: fb.rgb.framebufferGreenMaskSize,
    bluePos: fb.rgb.framebufferBlueFieldPosition,
    blueSize: fb.rgb.framebufferBlueMaskSize,
  };
}

function mb2Fb(t: Mb2FramebufferTag): Fb {
  const fb: Fb = { addr: t.framebufferAddr, pitch: t.framebufferPitch, width: t.framebufferWidth, height: t.framebufferHeight, bpp: t.framebufferBpp, type: t.framebufferType };
  if (t.rgb !== undefined) fb.rgb = t.rgb;
  return fb;
}

/**
 * Builds a zero page from Multiboot 2 information found at `infoPaddr`:
 * - `e820_table` from the memory map tag (types by {@link e820TypeOfMultiboot})
 *   or, without one (or with `memoryMap: 'efi-mmap'`), from the EFI memory
 *   map tag through efi-memmap's `toE820`; beyond 128 entries, `SETUP_E820_EXT`;
 * - `cmd_line_ptr` pointing at the command line tag's string, in place;
 * - the first module tag as the initrd ([`mod_start`, `mod_end`));
 * - `acpi_rsdp_addr` pointing at the RSDP copy inside the ACPI tag (the new
 *   one, tag 15, before the old, tag 14);
 * - `efi_info` from the EFI system table tag (64 or 32) and the EFI memory
 *   map tag (the map in place);
 * - `screen_info` from the framebuffer tag (RGB: a linear framebuffer,
 *   `VIDEO_TYPE_EFI` when an EFI tag is there, else `VIDEO_TYPE_VLFB`; EGA
 *   text: a VGA text console).
 */
export function bootParamsFromMb2(info: Mb2Info, infoPaddr: bigint, options: MultibootToBootParamsOptions = {}): BuiltZeroPage {
  const problems: Problem[] = [];
  const offsets = mb2TagOffsets(info);
  const at = (tag: object, plus: number): bigint => infoPaddr + BigInt((offsets[info.tags.indexOf(tag as Mb2Info['tags'][number])] ?? 0) + plus);
  const facts: ZeroPageFacts = {
    e820: [],
    version: options.version ?? MULTIBOOT_BOOT_PROTOCOL_VERSION,
    typeOfLoader: options.typeOfLoader ?? MULTIBOOT_TYPE_OF_LOADER_DEFAULT,
  };
  const mmap = mb2Tag(info, 'mmap');
  const efiMmap = mb2Tag(info, 'efi-mmap');
  if (mmap !== undefined && (options.memoryMap !== 'efi-mmap' || efiMmap === undefined)) {
    facts.e820 = mmap.entries.map((e): BootE820Entry => ({ addr: e.addr, size: e.len, type: e820TypeOfMultiboot(e.type) }));
  } else if (efiMmap !== undefined) {
    try {
      const c = toE820(mb2EfiMemoryMap(efiMmap));
      facts.e820 = [...c.entries, ...c.extended];
    } catch {
      problems.push(bridgeProblem('error', 'BAD_EFI_MEMMAP', 'e820_table', `the EFI memory map tag cannot be read (descriptor size ${efiMmap.descrSize})`));
    }
  } else {
    problems.push(bridgeProblem('error', 'NO_MEMMAP', 'e820_table', 'the information has neither a memory map tag (6) nor an EFI memory map tag (17)'));
  }
  const cmdline = mb2Tag(info, 'cmdline');
  if (cmdline !== undefined) facts.cmdLinePtr = at(cmdline, 8);
  const mod = mb2Tag(info, 'module');
  if (mod !== undefined) {
    if (mod.modEnd < mod.modStart) problems.push(bridgeProblem('error', 'BAD_MODULE', 'ramdisk_size', `the first module ends (0x${mod.modEnd.toString(16)}) before it starts (0x${mod.modStart.toString(16)})`));
    else facts.ramdisk = { image: BigInt(mod.modStart), size: BigInt(mod.modEnd - mod.modStart) };
  }
  const acpi = mb2Tag(info, 'acpi-new') ?? mb2Tag(info, 'acpi-old');
  if (acpi !== undefined) facts.acpiRsdpAddr = at(acpi, 8);
  const efi64 = mb2Tag(info, 'efi64');
  const efi32 = mb2Tag(info, 'efi32');
  if ((efi64 !== undefined || efi32 !== undefined) && efiMmap !== undefined) {
    const efi: EfiHandover = {
      bits: efi64 !== undefined ? 64 : 32,
      systab: efi64 !== undefined ? efi64.pointer : BigInt(efi32?.pointer ?? 0),
      memmap: at(efiMmap, 16),
      memmapSize: efiMmap.efiMmap.length,
      memdescSize: efiMmap.descrSize,
      memdescVersion: efiMmap.descrVers,
    };
    facts.efi = efi;
  } else if (efi64 !== undefined || efi32 !== undefined) {
    problems.push(bridgeProblem('warning', 'NO_EFI_MEMMAP', 'efi_info', 'an EFI system table tag without an EFI memory map tag: efi_info left 0'));
  }
  const fb = mb2Tags(info, 'framebuffer')[0];
  if (fb !== undefined) {
    const si = screenInfoOf(mb2Fb(fb), efi64 !== undefined || efi32 !== undefined, problems);
    if (si !== undefined) facts.screenInfo = si;
  }
  return assembleZeroPage(facts, options, problems);
}

/**
 * Builds a zero page from decoded Multiboot 1 information: `e820_table` from
 * the memory map (bit 6), or, without one, from `mem_lower`/`mem_upper`
 * (bit 0) as RAM [0, lower KiB) and [1 MiB, 1 MiB + upper KiB) with the
 * legacy hole between reserved; `cmd_line_ptr` = `cmdline` (bit 2); the
 * first module as the initrd (bit 3); `screen_info` from the framebuffer
 * (bit 12). Multiboot 1 carries no ACPI or EFI information.
 */
export function bootParamsFromMb1(handoff: Mb1Handoff, options: MultibootToBootParamsOptions = {}): BuiltZeroPage {
  const problems: Problem[] = [];
  const facts: ZeroPageFacts = {
    e820: [],
    version: options.version ?? MULTIBOOT_BOOT_PROTOCOL_VERSION,
    typeOfLoader: options.typeOfLoader ?? MULTIBOOT_TYPE_OF_LOADER_DEFAULT,
  };
  if (handoff.mmap !== undefined) {
    facts.e820 = handoff.mmap.map((e): BootE820Entry => ({ addr: e.addr, size: e.len, type: e820TypeOfMultiboot(e.type) }));
  } else if (handoff.memory !== undefined) {
    const lower = BigInt(handoff.memory.lower) * 1024n;
    const upper = BigInt(handoff.memory.upper) * 1024n;
    facts.e820 = [
      { addr: 0n, size: lower, type: E820_TYPE_RAM },
      { addr: 0xa0000n, size: 0x60000n, type: E820_TYPE_RESERVED },
      { addr: 0x100000n, size: upper, type: E820_TYPE_RAM },
    ].filter((e) => e.size > 0n);
    problems.push(bridgeProblem('info', 'MEMMAP_FROM_MEM_FIELDS', 'e820_table', 'no memory map (bit 6): e820 made from mem_lower and mem_upper'));
  } else {
    problems.push(bridgeProblem('error', 'NO_MEMMAP', 'e820_table', 'neither a memory map (bit 6) nor mem_lower/mem_upper (bit 0)'));
  }
  if (handoff.cmdline !== undefined && handoff.info.cmdline !== undefined) facts.cmdLinePtr = BigInt(handoff.info.cmdline);
  const mod = handoff.modules?.[0];
  if (mod !== undefined) {
    if (mod.modEnd < mod.modStart) problems.push(bridgeProblem('error', 'BAD_MODULE', 'ramdisk_size', `the first module ends (0x${mod.modEnd.toString(16)}) before it starts (0x${mod.modStart.toString(16)})`));
    else facts.ramdisk = { image: BigInt(mod.modStart), size: BigInt(mod.modEnd - mod.modStart) };
  }
  if (handoff.framebuffer !== undefined) {
    const f: Mb1Framebuffer = handoff.framebuffer;
    const fb: Fb = { addr: f.addr, pitch: f.pitch, width: f.width, height: f.height, bpp: f.bpp, type: f.type };
    if (f.rgb !== undefined) fb.rgb = f.rgb;
    const si = screenInfoOf(fb, false, problems);
    if (si !== undefined) facts.screenInfo = si;
  }
  return assembleZeroPage(facts, options, problems);
}
