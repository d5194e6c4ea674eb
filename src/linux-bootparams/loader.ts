/**
 * The loader's side of the protocol (boot.rst, "Sample Boot Configuration",
 * "Loading The Rest of The Kernel", "32-bit Boot Protocol", "64-bit Boot
 * Protocol"): build the zero page for a kernel image, a command line, an
 * initrd placement and a memory map, checking every rule a loader must keep;
 * and check what a loader left, field by field, against the image.
 *
 * @module
 */
import {
  BootprotoError,
  decodeLayout,
  encodeCString,
  encodeLayout,
  problemFromError,
  readPhysCString,
  type PhysicalMemory,
  type Problem,
  type Severity,
} from '../core/index.js';
import {
  CAN_USE_HEAP,
  CMDLINE_SIZE_BEFORE_2_06,
  E820_MAX_ENTRIES_ZEROPAGE,
  E820_TYPE_RAM,
  EFI32_LOADER_SIGNATURE,
  EFI64_LOADER_SIGNATURE,
  INITRD_ADDR_MAX_BEFORE_2_03,
  KASLR_FLAG,
  KEEP_SEGMENTS,
  LOADED_HIGH,
  QUIET_FLAG,
  SETUP_E820_EXT,
  SETUP_HEADER_OFFSET,
  XLF_CAN_BE_LOADED_ABOVE_4G,
} from './constants.js';
import {
  BOOT_E820_ENTRY,
  BOOT_PARAMS,
  EFI_INFO,
  SCREEN_INFO,
  decodeBootParams,
  encodeE820Entries,
  splitU64,
  type BootE820Entry,
  type BootParams,
  type ScreenInfo,
} from './boot-params.js';
import {
  SETUP_HEADER,
  SETUP_HEADER_ACCESS,
  SETUP_HEADER_SINCE,
  decodeSetupHeader,
  decodeSetupHeaderFull,
  effectiveProtocol,
  encodeSetupHeader,
  hasField,
  protocolText,
  setupHeaderEnd,
  specNameOf,
  type SetupHeader,
  type SetupHeaderKey,
} from './setup-header.js';
import { SETUP_DATA, encodeSetupDataNode, walkSetupData, type SetupDataNode, type SetupDataSpec } from './setup-data.js';
import { validateZeroPageInMemory } from './validate.js';

/** A boot loader's identity, as `type_of_loader` (and its extension) encodes it. */
export interface LoaderId {
  /** The assigned id T (0x0–0xD direct, 0x10 and above through `ext_loader_type`); 0xF with version 0xF = 0xFF, "undefined". */
  id: number;
  /** The loader's version V (4 bits direct; up to 12 bits with `ext_loader_ver`). */
  version: number;
}

/** A block of memory the loader places. */
export interface Placement {
  /** Physical address of the first byte. */
  paddr: bigint;
  /** Size in bytes. */
  size: bigint;
}

/** A `setup_data` node to place at a chosen address. */
export interface PlacedSetupData extends SetupDataSpec {
  /** Where the node's header goes. */
  paddr: bigint;
}

/** The three fields that carry a loader id. */
export interface LoaderIdFields {
  /** `type_of_loader`. */
  typeOfLoader: number;
  /** `ext_loader_type`. */
  extLoaderType: number;
  /** `ext_loader_ver`. */
  extLoaderVer: number;
}

/** What {@link buildZeroPage} takes. */
export interface ZeroPageOptions {
  /** The kernel image (at least its real-mode part; the whole file to check sizes). */
  image: Uint8Array;
  /** The command line (without NUL). */
  cmdline?: string;
  /** Where the command line goes (required with `cmdline`). */
  cmdlinePaddr?: bigint;
  /** Where the initrd is and how big. */
  initrd?: Placement;
  /** Where the protected-mode kernel is loaded (default: `pref_address` for 2.10+, else 0x100000). */
  kernelPaddr?: bigint;
  /** Where the zero page itself goes (for the overlap and 4 GiB checks). */
  zeroPagePaddr?: bigint;
  /** The memory map. Entries beyond 128 go into a `SETUP_E820_EXT` node at `e820ExtPaddr`. */
  e820?: readonly BootE820Entry[];
  /** Where the `SETUP_E820_EXT` node goes when the map has more than 128 entries. */
  e820ExtPaddr?: bigint;
  /** Nodes the caller adds to the `setup_data` chain, each at its address. */
  setupData?: readonly PlacedSetupData[];
  /** The loader's id (default 0xFF: undefined). */
  loader?: LoaderId;
  /** `vid_mode`; by default taken from `vga=` in the command line, else the image's value. */
  vidMode?: number;
  /** For a 16-bit entry: the end of the setup stack/heap from the start of the real-mode code (sets `heap_end_ptr` and `CAN_USE_HEAP`). */
  heapEnd?: number;
  /** Sets `QUIET_FLAG`. */
  quiet?: boolean;
  /** `acpi_rsdp_addr`, when the loader knows the RSDP. */
  acpiRsdpAddr?: bigint;
  /** What an EFI loader passes in `efi_info` (the 64-bit boot protocol from EFI firmware). */
  efi?: EfiHandover;
  /** Framebuffer or text mode information for `screen_info` (members not given stay 0). */
  screenInfo?: Partial<ScreenInfo>;
  /** `hardware_subarch` (2.07+; `X86_SUBARCH_*`), for paravirtualised entries. */
  hardwareSubarch?: number;
}

/** The EFI facts a loader running on EFI firmware writes into `efi_info`. */
export interface EfiHandover {
  /** 64 writes `"EL64"`, 32 `"EL32"`: the firmware's word size. */
  bits: 32 | 64;
  /** Physical address of the EFI system table. */
  systab: bigint;
  /** Physical address of the EFI memory map (as `GetMemoryMap` left it). */
  memmap: bigint;
  /** Size of the memory map in bytes. */
  memmapSize: number;
  /** `DescriptorSize`. */
  memdescSize: number;
  /** `DescriptorVersion` (1). */
  memdescVersion: number;
}

/** A chunk of guest memory the loader must write. */
export interface MemoryChunk {
  /** What it is. */
  label: string;
  /** Where it goes. */
  paddr: bigint;
  /** Its bytes. */
  bytes: Uint8Array;
}

/** What {@link buildZeroPage} returns. */
export interface BuiltZeroPage {
  /** The 4096-byte zero page. */
  zeroPage: Uint8Array;
  /** The zero page decoded. */
  bootParams: BootParams;
  /** What else to write: the command line and the `setup_data` nodes (the zero page included when its address is known). */
  chunks: MemoryChunk[];
  /** Every broken rule (errors) and doubtful choice (warnings). The zero page is built anyway. */
  problems: Problem[];
}

const FOUR_G = 1n << 32n;

/** Parses `vga=` as boot.rst's "Special Command Line Options" define it: normal 0xFFFF, ext 0xFFFE, ask 0xFFFD, or a C integer. */
export function vgaMode(cmdline: string): number | undefined {
  let found: number | undefined;
  for (const word of cmdline.split(/\s+/)) {
    if (!word.startsWith('vga=')) continue;
    const v = word.slice(4);
    if (v === 'normal') found = 0xffff;
    else if (v === 'ext') found = 0xfffe;
    else if (v === 'ask') found = 0xfffd;
    else {
      const n = /^0[xX][0-9a-fA-F]+$/.test(v) ? parseInt(v.slice(2), 16) : /^0[0-7]*$/.test(v) ? parseInt(v, 8) : /^[1-9][0-9]*$/.test(v) ? parseInt(v, 10) : NaN;
      if (Number.isInteger(n) && n >= 0 && n <= 0xffff) found = n;
    }
  }
  return found;
}

/** Encodes a loader id into `type_of_loader`, `ext_loader_type`, `ext_loader_ver` (boot.rst, `type_of_loader`). */
export function encodeLoaderId(loader: LoaderId): LoaderIdFields {
  if (loader.id < 0xe) return { typeOfLoader: ((loader.id << 4) | (loader.version & 0xf)) & 0xff, extLoaderType: 0, extLoaderVer: (loader.version >> 4) & 0xff };
  if (loader.id === 0xf) return { typeOfLoader: 0xf0 | (loader.version & 0xf), extLoaderType: 0, extLoaderVer: 0 };
  return { typeOfLoader: 0xe0 | (loader.version & 0xf), extLoaderType: (loader.id - 0x10) & 0xff, extLoaderVer: (loader.version >> 4) & 0xff };
}

/** Decodes `type_of_loader` and its extension fields back into a loader id. */
export function decodeLoaderId(typeOfLoader: number, extLoaderType = 0, extLoaderVer = 0): LoaderId {
  const t = typeOfLoader >> 4;
  const v = (typeOfLoader & 0xf) + (extLoaderVer << 4);
  return t === 0xe ? { id: extLoaderType + 0x10, version: v } : { id: t, version: v };
}

class Problems {
  readonly list: Problem[] = [];
  add(severity: Severity, code: string, field: string | undefined, message: string, paddr?: bigint, structure = 'boot_params'): void {
    const p: Problem = { severity, code, format: 'linux', structure, offset: 0, message };
    if (field !== undefined) {
      p.field = field;
      const key = Object.keys(SETUP_HEADER.fields).find((k) => specNameOf(k as SetupHeaderKey) === field) as SetupHeaderKey | undefined;
      if (key !== undefined) p.offset = SETUP_HEADER_OFFSET + SETUP_HEADER.fields[key].offset;
    }
    if (paddr !== undefined) p.paddr = paddr;
    this.list.push(p);
  }
}

interface Block {
  label: string;
  start: bigint;
  end: bigint;
}

/**
 * Builds the zero page a boot loader hands the kernel, as boot.rst
 * describes: a zeroed page, the image's setup header copied in (up to the
 * end its jump gives), then the loader's fields, only those the kernel's
 * protocol version has. Checks: protocol 2.02+ and a bzImage; the command
 * line fits `cmdline_size`; the initrd, command line, zero page and
 * `setup_data` lie below 4 GiB unless `XLF_CAN_BE_LOADED_ABOVE_4G`, the
 * initrd below `initrd_addr_max`; the kernel at `kernel_alignment` (or
 * `min_alignment`, a warning) when relocatable, at `pref_address` when not;
 * nothing overlaps (the kernel counted as `init_size` bytes); everything lies
 * in RAM of the given map; `setup_data` needs 2.09. Problems are returned,
 * not thrown; only an unreadable image header throws.
 */
export function buildZeroPage(options: ZeroPageOptions): BuiltZeroPage {
  const image = options.image;
  const hdr = decodeSetupHeader(image);
  const end = setupHeaderEnd(image) as number;
  const version = hdr.version ?? 0;
  const v = effectiveProtocol(version);
  const p = new Problems();
  const above4g = v >= 0x20c && ((hdr.xloadflags ?? 0) & XLF_CAN_BE_LOADED_ABOVE_4G) !== 0;
  const has = (key: SetupHeaderKey): boolean => hasField(key, version, end);

  if (v < 0x202) p.add('error', 'PROTOCOL_TOO_OLD', 'version', `protocol ${version >> 8}.${version & 0xff}: this builder needs 2.02+ (cmd_line_ptr); older kernels take the command line through cmd_line_magic`);
  if (((hdr.loadflags ?? 0) & LOADED_HIGH) === 0) p.add('error', 'NOT_BZIMAGE', 'loadflags', 'LOADED_HIGH is clear: a zImage must be loaded at 0x10000 with its setup at 0x90000');

  // 1. A zeroed page with the image's setup header copied in.
  const zp = new Uint8Array(BOOT_PARAMS.size);
  // (Never past 0x290, where edd_mbr_sig_buffer starts, whatever the jump says: boot.rst caps the header at 144 bytes.)
  zp.set(image.subarray(SETUP_HEADER_OFFSET, Math.min(end, 0x290)), SETUP_HEADER_OFFSET);
  const set: Partial<Record<SetupHeaderKey, number | bigint>> = {};
  const write = (key: SetupHeaderKey, value: number | bigint): void => {
    if (!has(key)) {
      p.add('error', 'VERSION_GATED', specNameOf(key), `protocol ${version >> 8}.${version & 0xff} has no ${specNameOf(key)} (added in ${protocolText(SETUP_HEADER_SINCE[key])})`);
      return;
    }
    set[key] = value;
  };

  // 2. The loader's identity.
  const lid = encodeLoaderId(options.loader ?? { id: 0xf, version: 0xf });
  write('typeOfLoader', lid.typeOfLoader);
  if (options.loader !== undefined && (lid.extLoaderType !== 0 || lid.extLoaderVer !== 0)) {
    write('extLoaderType', lid.extLoaderType);
    write('extLoaderVer', lid.extLoaderVer);
  }

  // 3. Flags, heap, video mode.
  let loadflags = hdr.loadflags ?? 0;
  if (options.quiet) loadflags |= QUIET_FLAG;
  if (options.heapEnd !== undefined) {
    if (v < 0x201) p.add('error', 'VERSION_GATED', 'heap_end_ptr', 'heap_end_ptr needs protocol 2.01');
    else if (options.heapEnd < 0x200 || options.heapEnd > 0x10000) p.add('error', 'BAD_HEAP_END', 'heap_end_ptr', `heap end 0x${options.heapEnd.toString(16)} is outside the real-mode segment`);
    else {
      write('heapEndPtr', options.heapEnd - 0x200);
      loadflags |= CAN_USE_HEAP;
    }
  }
  write('loadflags', loadflags);
  const vid = options.vidMode ?? (options.cmdline === undefined ? undefined : vgaMode(options.cmdline));
  if (vid !== undefined) write('vidMode', vid);

  const blocks: Block[] = [];
  const chunks: MemoryChunk[] = [];
  const inRam = (label: string, start: bigint, size: bigint, field: string | undefined): void => {
    if (options.e820 === undefined || size === 0n) return;
    const endAt = start + size;
    const ok = options.e820.some((e) => e.type === E820_TYPE_RAM && e.addr <= start && endAt <= e.addr + e.size);
    if (!ok) p.add('error', 'NOT_IN_RAM', field, `${label} [0x${start.toString(16)}, 0x${endAt.toString(16)}) is not inside one E820_TYPE_RAM entry`, start);
  };
  const below4g = (label: string, start: bigint, size: bigint, field: string): void => {
    if (!above4g && start + size > FOUR_G) p.add('error', 'ABOVE_4G', field, `${label} ends above 4 GiB but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G`, start);
  };

  // 4. The command line.
  if (options.cmdline !== undefined) {
    const bytes = encodeCString(options.cmdline);
    const max = v >= 0x206 ? (hdr.cmdlineSize ?? 0) : CMDLINE_SIZE_BEFORE_2_06;
    if (bytes.length - 1 > max) p.add('error', 'CMDLINE_TOO_LONG', 'cmdline_size', `the command line is ${bytes.length - 1} bytes, the kernel takes at most ${max}`);
    const at = options.cmdlinePaddr;
    if (at === undefined) p.add('error', 'MISSING_ADDRESS', 'cmd_line_ptr', 'a command line needs cmdlinePaddr');
    else {
      const { lo, hi } = splitU64(at);
      write('cmdLinePtr', lo);
      if (hi !== 0 && !above4g) p.add('error', 'ABOVE_4G', 'ext_cmd_line_ptr', 'the command line is above 4 GiB but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G', at);
      new DataView(zp.buffer).setUint32(0x0c8, hi, true);
      if (options.heapEnd !== undefined && at + BigInt(bytes.length) > 0xa0000n) {
        p.add('error', 'CMDLINE_HIGH', 'cmd_line_ptr', 'with a 16-bit entry the command line must lie below 0xA0000 (between the setup heap and the EBDA)', at);
      }
      blocks.push({ label: 'command line', start: at, end: at + BigInt(bytes.length) });
      chunks.push({ label: 'command line', paddr: at, bytes });
      inRam('the command line', at, BigInt(bytes.length), 'cmd_line_ptr');
    }
  }

  // 5. The initrd.
  if (options.initrd !== undefined && options.initrd.size > 0n) {
    const { paddr, size } = options.initrd;
    const last = paddr + size - 1n;
    const max = v >= 0x203 ? BigInt(hdr.initrdAddrMax ?? 0) : BigInt(INITRD_ADDR_MAX_BEFORE_2_03);
    if (!above4g && last > max) p.add('error', 'INITRD_ABOVE_MAX', 'initrd_addr_max', `the initrd's last byte 0x${last.toString(16)} is above initrd_addr_max 0x${max.toString(16)}`, paddr);
    if ((paddr & 0xfffn) !== 0n) p.add('warning', 'INITRD_UNALIGNED', 'ramdisk_image', `the initrd at 0x${paddr.toString(16)} is not page-aligned`, paddr);
    const img = splitU64(paddr);
    const sz = splitU64(size);
    write('ramdiskImage', img.lo);
    write('ramdiskSize', sz.lo);
    if ((img.hi !== 0 || sz.hi !== 0) && !above4g) p.add('error', 'ABOVE_4G', 'ext_ramdisk_image', 'the initrd needs the ext_ halves but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G', paddr);
    const dv = new DataView(zp.buffer);
    dv.setUint32(0x0c0, img.hi, true);
    dv.setUint32(0x0c4, sz.hi, true);
    blocks.push({ label: 'initrd', start: paddr, end: paddr + size });
    inRam('the initrd', paddr, size, 'ramdisk_image');
  }

  // 6. The kernel: alignment and init_size.
  const relocatable = v >= 0x205 && (hdr.relocatableKernel ?? 0) !== 0;
  const pref = v >= 0x20a ? (hdr.prefAddress ?? 0x100000n) : 0x100000n;
  const kernelAt = options.kernelPaddr ?? pref;
  const initSize = v >= 0x20a ? BigInt(hdr.initSize ?? 0) : 0n;
  const setupSize = ((hdr.setupSects === 0 ? 4 : hdr.setupSects) + 1) * 512;
  const fileSize = BigInt(Math.max(0, image.length - setupSize));
  const kernelSpan = initSize > fileSize ? initSize : fileSize;
  if (relocatable) {
    const align = BigInt(hdr.kernelAlignment ?? 0);
    if (align > 0n && kernelAt % align !== 0n) {
      const min = v >= 0x20a && (hdr.minAlignment ?? 0) > 0 ? 1n << BigInt(hdr.minAlignment ?? 0) : 0n;
      if (min > 0n && kernelAt % min === 0n) {
        p.add('warning', 'KERNEL_MIN_ALIGNED', 'kernel_alignment', `the kernel at 0x${kernelAt.toString(16)} meets min_alignment (0x${min.toString(16)}) but not kernel_alignment (0x${align.toString(16)}); kernel_alignment is lowered`, kernelAt);
        let a = align;
        while (a > min && kernelAt % a !== 0n) a >>= 1n;
        write('kernelAlignment', Number(a));
      } else p.add('error', 'KERNEL_UNALIGNED', 'kernel_alignment', `the kernel at 0x${kernelAt.toString(16)} is not aligned to kernel_alignment 0x${align.toString(16)}`, kernelAt);
    }
    if (kernelAt !== 0x100000n) {
      if (kernelAt < FOUR_G) write('code32Start', Number(kernelAt));
      else if (!above4g) p.add('error', 'ABOVE_4G', 'code32_start', 'the kernel is loaded above 4 GiB but it lacks XLF_CAN_BE_LOADED_ABOVE_4G', kernelAt);
    }
  } else if (kernelAt !== pref) {
    p.add('error', 'KERNEL_NOT_RELOCATABLE', 'relocatable_kernel', `the kernel is not relocatable and must be loaded at 0x${pref.toString(16)}, not 0x${kernelAt.toString(16)}`, kernelAt);
  }
  blocks.push({ label: 'kernel (init_size)', start: kernelAt, end: kernelAt + kernelSpan });
  inRam('the kernel and its init_size', kernelAt, kernelSpan, 'init_size');
  if (options.zeroPagePaddr !== undefined) {
    blocks.push({ label: 'zero page', start: options.zeroPagePaddr, end: options.zeroPagePaddr + 4096n });
    below4g('the zero page', options.zeroPagePaddr, 4096n, 'boot_params');
    inRam('the zero page', options.zeroPagePaddr, 4096n, undefined);
  }

  // 7. Memory map and setup_data.
  const e820 = options.e820 ?? [];
  const first = e820.slice(0, E820_MAX_ENTRIES_ZEROPAGE);
  encodeE820Entries(first, zp, 0x2d0);
  zp[0x1e8] = first.length;
  const nodes: (SetupDataSpec & { paddr: bigint })[] = [];
  if (e820.length > E820_MAX_ENTRIES_ZEROPAGE) {
    const rest = e820.slice(E820_MAX_ENTRIES_ZEROPAGE);
    if (options.e820ExtPaddr === undefined) p.add('error', 'MISSING_ADDRESS', 'setup_data', `${e820.length} e820 entries need a SETUP_E820_EXT node: give e820ExtPaddr`);
    else nodes.push({ type: SETUP_E820_EXT, data: encodeE820Entries(rest), paddr: options.e820ExtPaddr });
  }
  nodes.push(...(options.setupData ?? []));
  if (nodes.length > 0) {
    if (v < 0x209) p.add('error', 'VERSION_GATED', 'setup_data', 'setup_data needs protocol 2.09');
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as SetupDataSpec & { paddr: bigint };
      const next = i + 1 < nodes.length ? (nodes[i + 1] as { paddr: bigint }).paddr : 0n;
      const bytes = encodeSetupDataNode(next, n.type, n.data);
      if ((n.paddr & 7n) !== 0n) p.add('warning', 'SETUP_DATA_UNALIGNED', 'setup_data', `the node at 0x${n.paddr.toString(16)} is not 8-byte aligned`, n.paddr);
      below4g(`the setup_data node at 0x${n.paddr.toString(16)}`, n.paddr, BigInt(bytes.length), 'setup_data');
      inRam(`the setup_data node at 0x${n.paddr.toString(16)}`, n.paddr, BigInt(bytes.length), 'setup_data');
      blocks.push({ label: `setup_data node at 0x${n.paddr.toString(16)}`, start: n.paddr, end: n.paddr + BigInt(bytes.length) });
      chunks.push({ label: `setup_data ${n.type}`, paddr: n.paddr, bytes });
    }
    write('setupData', (nodes[0] as { paddr: bigint }).paddr);
  }
  if (options.acpiRsdpAddr !== undefined) new DataView(zp.buffer).setBigUint64(0x070, options.acpiRsdpAddr, true);
  if (options.efi !== undefined) {
    const e = options.efi;
    const systab = splitU64(e.systab);
    const memmap = splitU64(e.memmap);
    if (e.bits === 32 && (systab.hi !== 0 || memmap.hi !== 0)) p.add('error', 'ABOVE_4G', 'efi_info', '32-bit EFI firmware cannot hand over tables above 4 GiB', e.systab, 'efi_info');
    if (e.memdescSize < 40 || e.memmapSize % e.memdescSize !== 0) {
      p.add('error', 'BAD_EFI_MEMMAP', 'efi_memdesc_size', `memmap size ${e.memmapSize} is not a multiple of a descriptor size of ${e.memdescSize} (at least 40)`, undefined, 'efi_info');
    }
    encodeLayout(
      EFI_INFO,
      {
        efiLoaderSignature: e.bits === 64 ? EFI64_LOADER_SIGNATURE : EFI32_LOADER_SIGNATURE,
        efiSystab: systab.lo,
        efiMemdescSize: e.memdescSize,
        efiMemdescVersion: e.memdescVersion,
        efiMemmap: memmap.lo,
        efiMemmapSize: e.memmapSize,
        efiSystabHi: systab.hi,
        efiMemmapHi: memmap.hi,
      },
      zp,
      BOOT_PARAMS.fields.efiInfo.offset,
    );
  }
  if (options.screenInfo !== undefined) {
    const si = { ...decodeLayout(SCREEN_INFO, new Uint8Array(SCREEN_INFO.size)), ...options.screenInfo };
    encodeLayout(SCREEN_INFO, si, zp, BOOT_PARAMS.fields.screenInfo.offset);
  }
  if (options.hardwareSubarch !== undefined) write('hardwareSubarch', options.hardwareSubarch);

  // 8. Overlaps.
  const sorted = blocks.filter((b) => b.end > b.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = sorted[j] as Block;
      const b = sorted[i] as Block;
      if (b.start < a.end) p.add('error', 'OVERLAP', undefined, `${b.label} [0x${b.start.toString(16)}, 0x${b.end.toString(16)}) overlaps ${a.label} [0x${a.start.toString(16)}, 0x${a.end.toString(16)})`, b.start);
    }
  }

  encodeSetupHeader(set as SetupHeader, zp, 0);
  if (options.zeroPagePaddr !== undefined) chunks.unshift({ label: 'zero page', paddr: options.zeroPagePaddr, bytes: zp });
  return { zeroPage: zp, bootParams: decodeBootParams(zp), chunks, problems: p.list };
}


/** Writes every chunk of a built zero page into `memory`. */
export function writeZeroPage(memory: PhysicalMemory, built: BuiltZeroPage): void {
  for (const ch of built.chunks) memory.write(ch.paddr, ch.bytes, { format: 'linux', structure: ch.label });
}

/** How a setup header field changed between the image and what a loader left. */
export interface HeaderChange {
  /** The spec's field name. */
  field: string;
  /** Its file offset (0x1F1 + offset in the structure). */
  offset: number;
  /** The image's value. */
  before: number | bigint;
  /** The loader's value. */
  after: number | bigint;
  /** Whether the protocol lets a loader make this change. */
  allowed: boolean;
  /** Why (not) allowed. */
  reason: string;
}

/** What {@link checkLoaderResult} takes beside the image and the capture. */
export interface LoaderCheckOptions {
  /**
   * What `captured` is: the real-mode code with its header as a 16-bit loader
   * leaves it (`'setup'`, the default), or a zero page (`'boot_params'`, whose
   * `ext_` halves are then read too).
   */
  captured?: 'setup' | 'boot_params';
  /** Guest memory, to follow the pointers the loader wrote. */
  memory?: PhysicalMemory;
  /** The physical address of the captured zero page in `memory` (to validate it in place). */
  zeroPagePaddr?: bigint;
  /** The command line the loader was given. */
  expectCmdline?: string;
  /** The initrd's bytes, to compare with what `ramdisk_image`/`ramdisk_size` point to. */
  expectInitrd?: Uint8Array;
  /** A device tree the loader was given, to compare with its `SETUP_DTB` node. */
  expectDtb?: Uint8Array;
  /**
   * The capture was taken after the kernel ran (`/sys/kernel/boot_params/data`):
   * changes the kernel itself makes (`KASLR_FLAG`, set by the decompressor) are
   * then allowed, with that reason.
   */
  kernelRan?: boolean;
}

/** What {@link checkLoaderResult} found. */
export interface LoaderCheck {
  /** Every field of the setup header that differs from the image. */
  changes: HeaderChange[];
  /** Rule violations: disallowed changes, inconsistent values, and the zero page's own problems. */
  problems: Problem[];
  /** The command line found at `cmd_line_ptr`. */
  cmdline?: string;
  /** The `setup_data` nodes found. */
  setupData?: SetupDataNode[];
}

/**
 * Fields a loader must leave as the image has them but that no kernel reads
 * once a loader has run (a change is reported as a warning,
 * `INERT_FIELD_CHANGED`, not an error). GRUB 2.06's 32-bit `linux` loader, for
 * one, leaves `boot_flag` 0 in the zero page it builds.
 */
export const INERT_FIELDS: ReadonlySet<SetupHeaderKey> = new Set<SetupHeaderKey>(['bootFlag', 'ramSize', 'startSysSeg', 'bootsectKludge']);

/** Decides whether a loader may change `key` from `before` to `after` for protocol `version`. */
function judge(key: SetupHeaderKey, before: number | bigint, after: number | bigint, version: number, end: number, kernelRan: boolean): { allowed: boolean; reason: string } {
  if (!hasField(key, version, end)) return { allowed: false, reason: `protocol ${version >> 8}.${version & 0xff} has no ${specNameOf(key)}: a loader must not write it` };
  const access = SETUP_HEADER_ACCESS[key];
  if (key === 'loadflags') {
    const changed = (Number(before) ^ Number(after)) & 0xff;
    const writable = QUIET_FLAG | CAN_USE_HEAP | KEEP_SEGMENTS | (kernelRan ? KASLR_FLAG : 0);
    const bad = changed & ~writable;
    if (bad & LOADED_HIGH) return { allowed: false, reason: 'LOADED_HIGH is the kernel\'s (read)' };
    if (bad & KASLR_FLAG) return { allowed: false, reason: 'KASLR_FLAG is kernel internal' };
    if (bad !== 0) return { allowed: false, reason: `bits 0x${bad.toString(16)} are not the loader's` };
    return {
      allowed: true,
      reason: kernelRan && (changed & KASLR_FLAG) !== 0 ? 'KASLR_FLAG set by the kernel; the other bits are the loader\'s' : 'QUIET_FLAG/CAN_USE_HEAP/KEEP_SEGMENTS are the loader\'s',
    };
  }
  if (key === 'kernelAlignment') {
    if (effectiveProtocol(version) < 0x20a) return { allowed: false, reason: 'kernel_alignment is read-only before 2.10' };
    return { allowed: true, reason: 'a relocating loader may lower kernel_alignment (2.10+)' };
  }
  if (key === 'setupMoveSize' && effectiveProtocol(version) >= 0x202) return { allowed: true, reason: 'setup_move_size is ignored from 2.02 on (harmless)' };
  if (access === 'write' || access === 'modify') return { allowed: true, reason: `${specNameOf(key)} is ${access === 'write' ? 'written' : 'modifiable'} by the loader` };
  return { allowed: false, reason: `${specNameOf(key)} is ${access === 'read' ? 'the kernel\'s (read)' : 'kernel internal'}` };
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const BOOT_RST = 'Linux Documentation/arch/x86/boot.rst';
const HEADER_FIELDS = `${BOOT_RST}, "Details of Header Fields"`;

/** The rule each of {@link checkLoaderResult}'s codes comes from (problems of the zero page's own validation keep boot.rst at large). */
const LOADER_RULES: Readonly<Record<string, string>> = {
  TRUNCATED: `${BOOT_RST}, "The Real-Mode Kernel Header": the header runs to the end its jump gives`,
  DISALLOWED_CHANGE: `${HEADER_FIELDS}: each field is read, write or modify for the loader; the others are the kernel's`,
  INERT_FIELD_CHANGED: `${HEADER_FIELDS}: each field is read, write or modify for the loader; the others are the kernel's`,
  NO_LOADER_ID: `${HEADER_FIELDS}, type_of_loader: a loader writes its assigned id, or 0xFF without one`,
  HEAP_END_ZERO: `${HEADER_FIELDS}, heap_end_ptr and loadflags CAN_USE_HEAP`,
  CMDLINE_MISMATCH: `${HEADER_FIELDS}, cmd_line_ptr: the address of the command line the loader passes`,
  INITRD_MISMATCH: `${HEADER_FIELDS}, ramdisk_image and ramdisk_size: where the initrd is and how big`,
  DTB_MISSING: `${HEADER_FIELDS}, setup_data: a SETUP_DTB node carries the device tree`,
  DTB_MISMATCH: `${HEADER_FIELDS}, setup_data: a SETUP_DTB node carries the device tree`,
};

/** Gives every problem of a loader check the rule it comes from. */
function withRules(result: LoaderCheck): LoaderCheck {
  for (const p of result.problems) if (p.rule === undefined) p.rule = LOADER_RULES[p.code] ?? BOOT_RST;
  return result;
}

/**
 * Checks what a loader left, given the kernel image and a captured setup
 * header region or zero page (`captured` holds byte 0 of the real-mode code
 * or of `boot_params`; at least up to the header's end). Reports every header
 * field that differs from the image and whether the protocol lets a loader
 * change it; with `memory`, follows the pointers (command line, initrd,
 * `setup_data`) and compares them with what the loader was given. Never
 * throws on bad input.
 */
export function checkLoaderResult(image: Uint8Array, captured: Uint8Array, options: LoaderCheckOptions = {}): LoaderCheck {
  const problems: Problem[] = [];
  const add = (severity: Severity, code: string, field: string | undefined, message: string, offset = 0, paddr?: bigint): void => {
    const p: Problem = { severity, code, format: 'linux', structure: 'setup_header', offset, message };
    if (field !== undefined) p.field = field;
    if (paddr !== undefined) p.paddr = paddr;
    problems.push(p);
  };
  const result: LoaderCheck = { changes: [], problems };
  let before;
  try {
    before = decodeSetupHeader(image);
  } catch (e) {
    if (e instanceof BootprotoError) {
      problems.push(problemFromError(e));
      return withRules(result);
    }
    throw e;
  }
  const end = setupHeaderEnd(image) as number;
  const version = before.version ?? 0;
  if (captured.length < end) {
    add('error', 'TRUNCATED', undefined, `the capture has ${captured.length} bytes, the header ends at 0x${end.toString(16)}`);
    return withRules(result);
  }
  const window = new Uint8Array(SETUP_HEADER_OFFSET + SETUP_HEADER.size);
  window.set(captured.subarray(0, window.length));
  const imgWindow = new Uint8Array(SETUP_HEADER_OFFSET + SETUP_HEADER.size);
  imgWindow.set(image.subarray(0, Math.min(image.length, imgWindow.length)));
  const a = decodeSetupHeaderFull(imgWindow) as Record<string, number | bigint>;
  const b = decodeSetupHeaderFull(window) as Record<string, number | bigint>;
  for (const key of SETUP_HEADER.order as SetupHeaderKey[]) {
    const f = SETUP_HEADER.fields[key];
    const x = a[key] as number | bigint;
    const y = b[key] as number | bigint;
    if (x === y) continue;
    const beyond = SETUP_HEADER_OFFSET + f.offset >= end;
    const verdict = beyond ? { allowed: false, reason: `beyond the header's end (0x${end.toString(16)}): a loader must not write it` } : judge(key, x, y, version, end, options.kernelRan ?? false);
    result.changes.push({ field: specNameOf(key), offset: SETUP_HEADER_OFFSET + f.offset, before: x, after: y, ...verdict });
    if (!verdict.allowed) {
      const inert = !beyond && INERT_FIELDS.has(key);
      add(
        inert ? 'warning' : 'error',
        inert ? 'INERT_FIELD_CHANGED' : 'DISALLOWED_CHANGE',
        specNameOf(key),
        `${specNameOf(key)} changed from 0x${x.toString(16)} to 0x${y.toString(16)}: ${verdict.reason}${inert ? ' (the kernel does not read it once a loader has run)' : ''}`,
        SETUP_HEADER_OFFSET + f.offset,
      );
    }
  }
  const after = b as unknown as SetupHeader & Record<string, number | bigint>;
  if ((after.typeOfLoader ?? 0) === 0) add('error', 'NO_LOADER_ID', 'type_of_loader', 'type_of_loader is 0 (reserved for pre-2.00 loaders): a loader must write its id or 0xFF', SETUP_HEADER_OFFSET + SETUP_HEADER.fields.typeOfLoader.offset);
  if (((after.loadflags ?? 0) & CAN_USE_HEAP) !== 0 && (after.heapEndPtr ?? 0) === 0) add('warning', 'HEAP_END_ZERO', 'heap_end_ptr', 'CAN_USE_HEAP is set but heap_end_ptr is 0');

  const memory = options.memory;
  const isZeroPage = options.captured === 'boot_params' && captured.length >= BOOT_PARAMS.size;
  if (memory !== undefined && options.zeroPagePaddr !== undefined) {
    const f = validateZeroPageInMemory(memory, options.zeroPagePaddr);
    problems.push(...f.problems);
    if (f.cmdline !== undefined) result.cmdline = f.cmdline;
    if (f.setupData !== undefined) result.setupData = f.setupData;
  } else if (memory !== undefined) {
    const v = effectiveProtocol(version);
    const dv = new DataView(window.buffer);
    const extCmd = isZeroPage ? new DataView(captured.buffer, captured.byteOffset).getUint32(0xc8, true) : 0;
    const cmdPtr = (BigInt(extCmd) << 32n) | BigInt(dv.getUint32(SETUP_HEADER_OFFSET + SETUP_HEADER.fields.cmdLinePtr.offset, true));
    if (v >= 0x202 && cmdPtr !== 0n) {
      try {
        result.cmdline = readPhysCString(memory, cmdPtr, (v >= 0x206 ? (before.cmdlineSize ?? 0) : CMDLINE_SIZE_BEFORE_2_06) + 1, { format: 'linux', structure: 'setup_header', field: 'cmd_line_ptr' }).text;
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        problems.push(problemFromError(e));
      }
    }
    const sd = b.setupData as bigint;
    if (v >= 0x209 && sd !== 0n) {
      try {
        result.setupData = walkSetupData(memory, sd);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        problems.push(problemFromError(e));
      }
    }
  }
  if (options.expectCmdline !== undefined && result.cmdline !== options.expectCmdline) {
    add('error', 'CMDLINE_MISMATCH', 'cmd_line_ptr', `the command line found is ${JSON.stringify(result.cmdline)}, the loader was given ${JSON.stringify(options.expectCmdline)}`);
  }
  if (options.expectInitrd !== undefined) {
    const ext = isZeroPage ? new DataView(captured.buffer, captured.byteOffset) : undefined;
    const image0 = (BigInt(ext?.getUint32(0xc0, true) ?? 0) << 32n) | BigInt(after.ramdiskImage ?? 0);
    const size = (BigInt(ext?.getUint32(0xc4, true) ?? 0) << 32n) | BigInt(after.ramdiskSize ?? 0);
    if (size !== BigInt(options.expectInitrd.length)) add('error', 'INITRD_MISMATCH', 'ramdisk_size', `ramdisk_size is ${size}, the initrd has ${options.expectInitrd.length} bytes`);
    else if (memory !== undefined) {
      try {
        if (!equalBytes(memory.read(image0, Number(size)), options.expectInitrd)) add('error', 'INITRD_MISMATCH', 'ramdisk_image', `the bytes at 0x${image0.toString(16)} are not the initrd`, 0, image0);
      } catch (e) {
        if (!(e instanceof BootprotoError)) throw e;
        problems.push(problemFromError(e));
      }
    }
  }
  if (options.expectDtb !== undefined) {
    const dtb = result.setupData?.find((n) => n.payload?.kind === 'SETUP_DTB');
    if (dtb === undefined) add('error', 'DTB_MISSING', 'setup_data', 'no SETUP_DTB node, although the loader was given a device tree');
    else if (!equalBytes(dtb.data.subarray(0, options.expectDtb.length), options.expectDtb)) add('error', 'DTB_MISMATCH', 'setup_data', `the SETUP_DTB node at 0x${dtb.paddr.toString(16)} does not hold the given device tree`, 0, dtb.paddr);
  }
  return withRules(result);
}

/** The size of one `setup_data` header (re-exported for builders that lay out nodes by hand). */
export const SETUP_DATA_HEADER_SIZE = SETUP_DATA.size;
/** The size of one e820 record (20). */
export const BOOT_E820_ENTRY_SIZE = BOOT_E820_ENTRY.size;
