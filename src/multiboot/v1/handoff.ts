/**
 * The whole Multiboot 1 handoff: `multiboot_info` and everything it points
 * to, read through {@link PhysicalMemory} (each pointer followed only when
 * its flag is set), and the builder that lays it all out as a loader does.
 *
 * @module
 */
import {
  BootprotoError,
  decodeLayout,
  encodeCString,
  encodeLayout,
  readPhysCString,
  toPhysAddr,
  type MemoryContext,
  type PhysAddr,
  type PhysicalMemory,
} from '../../core/index.js';
import {
  MULTIBOOT_AOUT_SYMBOL_TABLE,
  MULTIBOOT_COLOR,
  MULTIBOOT_DRIVE,
  MULTIBOOT_ELF_SECTION_HEADER_TABLE,
  MULTIBOOT_FRAMEBUFFER_PALETTE,
  MULTIBOOT_FRAMEBUFFER_RGB,
  MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED,
  MULTIBOOT_FRAMEBUFFER_TYPE_RGB,
  MULTIBOOT_INFO_AOUT_SYMS,
  MULTIBOOT_INFO_APM_TABLE,
  MULTIBOOT_INFO_BOOTDEV,
  MULTIBOOT_INFO_BOOT_LOADER_NAME,
  MULTIBOOT_INFO_CMDLINE,
  MULTIBOOT_INFO_CONFIG_TABLE,
  MULTIBOOT_INFO_DRIVE_INFO,
  MULTIBOOT_INFO_ELF_SHDR,
  MULTIBOOT_INFO_FRAMEBUFFER_INFO,
  MULTIBOOT_INFO_MEMORY,
  MULTIBOOT_INFO_MEM_MAP,
  MULTIBOOT_INFO_MODS,
  MULTIBOOT_INFO_VBE_INFO,
  MULTIBOOT_MMAP_ENTRY,
  MULTIBOOT_MOD_LIST,
  decodeMb1Apm,
  decodeMb1Info,
  decodeMb1MmapEntry,
  decodeMb1Module,
  encodeMb1Apm,
  encodeMb1Info,
  encodeMb1MmapEntry,
  encodeMb1Module,
  joinBootDevice,
  mb1InfoSize,
  splitBootDevice,
  type Mb1AoutSymbolTable,
  type Mb1ApmInfo,
  type Mb1BootDevice,
  type Mb1Color,
  type Mb1ElfSectionHeaderTable,
  type Mb1FramebufferRgb,
  type Mb1Info,
  type Mb1MmapEntry,
  type Mb1ModList,
} from './info.js';

/** Bounds on what an information structure may claim, so that a lying count reads no more than this. */
export interface Mb1Limits {
  /** The most modules read (default 1024). */
  maxModules?: number;
  /** The most memory map entries read (default 8192). */
  maxMmapEntries?: number;
  /** The most drive structures read (default 256). */
  maxDrives?: number;
  /** The longest string read, NUL included (default 65536). */
  maxString?: number;
  /** The most bytes of ELF section headers or a.out symbols read (default 16 MiB). */
  maxSymbolBytes?: number;
  /**
   * Where the framebuffer's colour information is read: 110 as the
   * specification and the packed C layout say; 112 as GRUB 2.06 writes it
   * (its `multiboot_info` union is 4-byte aligned, so the structure is 120
   * bytes); `'auto'` (the default) takes 112 for an RGB framebuffer whose
   * bytes 110–111 are zero while the fields at 112 give non-zero mask sizes
   * (a red mask of 0 bits cannot be a real RGB mode), else 110.
   */
  colorInfoOffset?: 110 | 112 | 'auto';
}

/** Default {@link Mb1Limits}. */
export const MB1_LIMITS: Readonly<Required<Mb1Limits>> = {
  maxModules: 1024,
  maxMmapEntries: 8192,
  maxDrives: 256,
  maxString: 65536,
  maxSymbolBytes: 16 << 20,
  colorInfoOffset: 'auto',
};

/**
 * Where an RGB framebuffer's colour information really is: 112 when the
 * structure at `infoPaddr` looks laid out as GRUB 2.06 does it (bytes
 * 110–111 zero, non-zero red, green and blue mask sizes at 113, 115 and 117),
 * else 110 (the specification). Reads bytes 110–117 through `memory`; when
 * bytes 116–117 are not backed, answers 110.
 */
export function mb1ColorInfoOffset(memory: PhysicalMemory, infoPaddr: PhysAddr): 110 | 112 {
  const base = toPhysAddr(infoPaddr, ctx('multiboot_info'));
  if (memory.available(base + 110n, 8) < 8) return 110;
  const b = memory.read(base + 110n, 8, ctx('multiboot_info', 'color_info'));
  const spec = b[0] !== 0 || b[1] !== 0;
  return !spec && b[3] !== 0 && b[5] !== 0 && b[7] !== 0 ? 112 : 110;
}

/** A module: its list entry, and its string when `cmdline` (the spec's `string`) is not 0. */
export interface Mb1Module extends Mb1ModList {
  /** The module's string (UTF-8; invalid sequences become U+FFFD). */
  string?: string;
}

/** A drive structure, with its port list. */
export interface Mb1Drive {
  /** Bytes of the structure (`size`). */
  size: number;
  /** BIOS drive number. */
  driveNumber: number;
  /** 0: CHS, 1: LBA. */
  driveMode: number;
  /** Cylinders. */
  driveCylinders: number;
  /** Heads. */
  driveHeads: number;
  /** Sectors per track. */
  driveSectors: number;
  /** The I/O ports the BIOS uses for the drive (the list up to its terminating 0). */
  drivePorts: number[];
}

/** The a.out symbols: the descriptor and, read from memory, the size-prefixed `nlist` array and strings. */
export interface Mb1AoutSymbols {
  /** The `syms` descriptor. */
  table: Mb1AoutSymbolTable;
  /** `tabsize` (u32), the `nlist` array, `strsize` (u32), the strings: as they lie at `addr`. */
  bytes: Uint8Array;
}

/** The ELF section headers: the descriptor and the table read from memory. */
export interface Mb1ElfSections {
  /** The `syms` descriptor. */
  table: Mb1ElfSectionHeaderTable;
  /** `num × size` bytes of section headers at `addr`. */
  headers: Uint8Array;
}

/** VBE information. */
export interface Mb1Vbe {
  /** `vbe_mode`. */
  mode: number;
  /** `vbe_interface_seg`. */
  interfaceSeg: number;
  /** `vbe_interface_off`. */
  interfaceOff: number;
  /** `vbe_interface_len`. */
  interfaceLen: number;
  /** Where the control information was (`vbe_control_info`). */
  controlInfoAddr: number;
  /** Where the mode information was (`vbe_mode_info`). */
  modeInfoAddr: number;
  /** The 512-byte VbeInfoBlock (function 00h). */
  controlInfo: Uint8Array;
  /** The 256-byte ModeInfoBlock (function 01h). */
  modeInfo: Uint8Array;
}

/** An indexed framebuffer's palette. */
export interface Mb1Palette {
  /** Physical address of the `multiboot_color` array (`framebuffer_palette_addr`). */
  addr: number;
  /** The colours (`framebuffer_palette_num_colors` of them). */
  colors: Mb1Color[];
}

/** `mem_lower` and `mem_upper`. */
export interface Mb1Memory {
  /** KiB of lower memory from address 0 (at most 640). */
  lower: number;
  /** KiB of upper memory from 1 MiB. */
  upper: number;
}

/** Framebuffer information with its colour information decoded. */
export interface Mb1Framebuffer {
  /** Physical address of the framebuffer. */
  addr: bigint;
  /** Bytes per line. */
  pitch: number;
  /** Width (pixels, or characters for EGA text). */
  width: number;
  /** Height. */
  height: number;
  /** Bits per pixel. */
  bpp: number;
  /** `MULTIBOOT_FRAMEBUFFER_TYPE_*`. */
  type: number;
  /** For an indexed framebuffer: where the palette is and its colours. */
  palette?: Mb1Palette;
  /** For an RGB framebuffer: the field positions and mask sizes. */
  rgb?: Mb1FramebufferRgb;
  /** 112 when the colour information was read at offset 112, as GRUB 2.06 writes it (absent: 110, the specification's). */
  colorInfoOffset?: 112;
}

/** Everything a Multiboot 1 kernel is handed, decoded; each part only when its flag is set. */
export interface Mb1Handoff {
  /** Where `multiboot_info` was (what `%ebx` held). */
  infoPaddr: bigint;
  /** The structure itself. */
  info: Mb1Info;
  /** `mem_lower` and `mem_upper` in KiB (bit 0). */
  memory?: Mb1Memory;
  /** `boot_device` split (bit 1). */
  bootDevice?: Mb1BootDevice;
  /** The kernel's command line (bit 2); QEMU puts the kernel's file name first. */
  cmdline?: string;
  /** The modules (bit 3). */
  modules?: Mb1Module[];
  /** a.out symbols (bit 4). */
  aoutSyms?: Mb1AoutSymbols;
  /** ELF section headers (bit 5). */
  elfSections?: Mb1ElfSections;
  /** The memory map (bit 6), each entry with its own `size`. */
  mmap?: Mb1MmapEntry[];
  /** Drive structures (bit 7). */
  drives?: Mb1Drive[];
  /** The ROM configuration table (bit 8): its u16 length and the bytes that follow. */
  configTable?: Uint8Array;
  /** The boot loader's name (bit 9). */
  bootLoaderName?: string;
  /** The APM table (bit 10). */
  apm?: Mb1ApmInfo;
  /** VBE information (bit 11). */
  vbe?: Mb1Vbe;
  /** Framebuffer information (bit 12). */
  framebuffer?: Mb1Framebuffer;
}

const ctx = (structure: string, field?: string): MemoryContext =>
  field === undefined ? { format: 'multiboot1', structure } : { format: 'multiboot1', structure, field };

function fail(code: 'LIMIT' | 'BAD_VALUE' | 'TRUNCATED', structure: string, field: string | undefined, offset: number, reason: string, paddr?: bigint): BootprotoError {
  return new BootprotoError({
    code,
    format: 'multiboot1',
    structure,
    ...(field === undefined ? {} : { field }),
    offset,
    ...(paddr === undefined ? {} : { paddr }),
    reason,
  });
}

const u32At = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true);
const u16At = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset + o, 2).getUint16(0, true);

/** Reads the information structure at `paddr` (88 or 116 bytes, as its flags say). */
export function readMb1Info(memory: PhysicalMemory, paddr: PhysAddr): Mb1Info {
  const base = toPhysAddr(paddr, ctx('multiboot_info'));
  const flags = u32At(memory.read(base, 4, ctx('multiboot_info')), 0);
  return decodeMb1Info(memory.read(base, mb1InfoSize(flags), ctx('multiboot_info')));
}

/** Walks the memory map buffer: each entry `size + 4` bytes on. Throws when an entry is shorter than 20 bytes or runs past `mmap_length`. */
export function decodeMb1Mmap(buffer: Uint8Array, maxEntries = MB1_LIMITS.maxMmapEntries): Mb1MmapEntry[] {
  const out: Mb1MmapEntry[] = [];
  let o = 0;
  while (o < buffer.length) {
    if (out.length >= maxEntries) throw fail('LIMIT', 'multiboot_mmap_entry', undefined, o, `more than ${maxEntries} entries`);
    if (buffer.length - o < 4) throw fail('TRUNCATED', 'multiboot_mmap_entry', 'size', o, `${buffer.length - o} bytes left at the end of mmap_length`);
    const size = u32At(buffer, o);
    if (size < 20) throw fail('BAD_VALUE', 'multiboot_mmap_entry', 'size', o, `size ${size} is below the 20 bytes of base_addr, length and type`);
    if (size + 4 > buffer.length - o) throw fail('TRUNCATED', 'multiboot_mmap_entry', 'size', o, `entry of ${size + 4} bytes runs past mmap_length (${buffer.length - o} left)`);
    out.push(decodeMb1MmapEntry(buffer, o));
    o += size + 4;
  }
  return out;
}

/** Walks the drive structures: each `size` bytes on; the ports run to a 0 or the end of the structure. */
export function decodeMb1Drives(buffer: Uint8Array, maxDrives = MB1_LIMITS.maxDrives): Mb1Drive[] {
  const out: Mb1Drive[] = [];
  let o = 0;
  while (o < buffer.length) {
    if (out.length >= maxDrives) throw fail('LIMIT', 'multiboot_drive', undefined, o, `more than ${maxDrives} drives`);
    if (buffer.length - o < MULTIBOOT_DRIVE.size) throw fail('TRUNCATED', 'multiboot_drive', undefined, o, `${buffer.length - o} bytes left, a drive structure needs 10`);
    const head = decodeLayout(MULTIBOOT_DRIVE, buffer, o);
    if (head.size < MULTIBOOT_DRIVE.size) throw fail('BAD_VALUE', 'multiboot_drive', 'size', o, `size ${head.size} is below 10`);
    if (head.size > buffer.length - o) throw fail('TRUNCATED', 'multiboot_drive', 'size', o, `size ${head.size} runs past drives_length`);
    const drivePorts: number[] = [];
    for (let p = o + 10; p + 2 <= o + head.size; p += 2) {
      const port = u16At(buffer, p);
      if (port === 0) break;
      drivePorts.push(port);
    }
    out.push({ ...head, drivePorts });
    o += head.size;
  }
  return out;
}

/**
 * Decodes the handoff whose `multiboot_info` is at `infoPaddr`, following
 * every pointer whose flag is set through `memory`. Throws
 * {@link BootprotoError} on anything it cannot read; `validateMb1Handoff`
 * lists every problem instead.
 */
export function decodeMb1Handoff(memory: PhysicalMemory, infoPaddr: PhysAddr, limits: Mb1Limits = {}): Mb1Handoff {
  const max = { ...MB1_LIMITS, ...limits };
  const base = toPhysAddr(infoPaddr, ctx('multiboot_info'));
  const info = readMb1Info(memory, base);
  const f = info.flags;
  const h: Mb1Handoff = { infoPaddr: base, info };
  const str = (addr: number, structure: string, field: string): string => readPhysCString(memory, addr, max.maxString, ctx(structure, field)).text;

  if (f & MULTIBOOT_INFO_MEMORY) h.memory = { lower: info.memLower ?? 0, upper: info.memUpper ?? 0 };
  if (f & MULTIBOOT_INFO_BOOTDEV) h.bootDevice = splitBootDevice(info.bootDevice ?? 0);
  if (f & MULTIBOOT_INFO_CMDLINE) h.cmdline = str(info.cmdline ?? 0, 'multiboot_info', 'cmdline');
  if (f & MULTIBOOT_INFO_MODS) {
    const count = info.modsCount ?? 0;
    if (count > max.maxModules) throw fail('LIMIT', 'multiboot_info', 'mods_count', 20, `${count} modules exceed the bound of ${max.maxModules}`, base + 20n);
    const list = memory.read(info.modsAddr ?? 0, count * MULTIBOOT_MOD_LIST.size, ctx('multiboot_mod_list'));
    h.modules = [];
    for (let i = 0; i < count; i++) {
      const m: Mb1Module = decodeMb1Module(list, i * MULTIBOOT_MOD_LIST.size);
      if (m.cmdline !== 0) m.string = str(m.cmdline, 'multiboot_mod_list', 'string');
      h.modules.push(m);
    }
  }
  const syms = info.syms ?? new Uint8Array(16);
  if (f & MULTIBOOT_INFO_AOUT_SYMS && !(f & MULTIBOOT_INFO_ELF_SHDR)) {
    const table = decodeLayout(MULTIBOOT_AOUT_SYMBOL_TABLE, syms);
    const total = 8 + table.tabsize + table.strsize;
    if (total > max.maxSymbolBytes) throw fail('LIMIT', 'multiboot_aout_symbol_table', 'tabsize', 28, `${total} bytes of symbols exceed the bound`, base + 28n);
    h.aoutSyms = { table, bytes: memory.read(table.addr, total, ctx('multiboot_aout_symbol_table', 'addr')) };
  }
  if (f & MULTIBOOT_INFO_ELF_SHDR) {
    const table = decodeLayout(MULTIBOOT_ELF_SECTION_HEADER_TABLE, syms);
    const total = table.num * table.size;
    if (total > max.maxSymbolBytes) throw fail('LIMIT', 'multiboot_elf_section_header_table', 'num', 28, `${table.num} × ${table.size} bytes of section headers exceed the bound`, base + 28n);
    h.elfSections = { table, headers: memory.read(table.addr, total, ctx('multiboot_elf_section_header_table', 'addr')) };
  }
  if (f & MULTIBOOT_INFO_MEM_MAP) {
    h.mmap = decodeMb1Mmap(memory.read(info.mmapAddr ?? 0, info.mmapLength ?? 0, ctx('multiboot_mmap_entry')), max.maxMmapEntries);
  }
  if (f & MULTIBOOT_INFO_DRIVE_INFO) {
    h.drives = decodeMb1Drives(memory.read(info.drivesAddr ?? 0, info.drivesLength ?? 0, ctx('multiboot_drive')), max.maxDrives);
  }
  if (f & MULTIBOOT_INFO_CONFIG_TABLE) {
    const at = info.configTable ?? 0;
    const n = u16At(memory.read(at, 2, ctx('config_table')), 0);
    h.configTable = memory.read(at, n + 2, ctx('config_table')).slice();
  }
  if (f & MULTIBOOT_INFO_BOOT_LOADER_NAME) h.bootLoaderName = str(info.bootLoaderName ?? 0, 'multiboot_info', 'boot_loader_name');
  if (f & MULTIBOOT_INFO_APM_TABLE) h.apm = decodeMb1Apm(memory.read(info.apmTable ?? 0, 20, ctx('multiboot_apm_info')));
  if (f & MULTIBOOT_INFO_VBE_INFO) {
    h.vbe = {
      mode: info.vbeMode ?? 0,
      interfaceSeg: info.vbeInterfaceSeg ?? 0,
      interfaceOff: info.vbeInterfaceOff ?? 0,
      interfaceLen: info.vbeInterfaceLen ?? 0,
      controlInfoAddr: info.vbeControlInfo ?? 0,
      modeInfoAddr: info.vbeModeInfo ?? 0,
      controlInfo: memory.read(info.vbeControlInfo ?? 0, 512, ctx('multiboot_info', 'vbe_control_info')).slice(),
      modeInfo: memory.read(info.vbeModeInfo ?? 0, 256, ctx('multiboot_info', 'vbe_mode_info')).slice(),
    };
  }
  if (f & MULTIBOOT_INFO_FRAMEBUFFER_INFO) {
    const fb: Mb1Framebuffer = {
      addr: info.framebufferAddr ?? 0n,
      pitch: info.framebufferPitch ?? 0,
      width: info.framebufferWidth ?? 0,
      height: info.framebufferHeight ?? 0,
      bpp: info.framebufferBpp ?? 0,
      type: info.framebufferType ?? 0,
    };
    let color = info.colorInfo ?? new Uint8Array(6);
    const where = max.colorInfoOffset === 'auto' ? (fb.type === MULTIBOOT_FRAMEBUFFER_TYPE_RGB ? mb1ColorInfoOffset(memory, base) : 110) : max.colorInfoOffset;
    if (where === 112) {
      color = memory.read(base + 112n, 6, ctx('multiboot_info', 'color_info')).slice();
      fb.colorInfoOffset = 112;
    }
    if (fb.type === MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED) {
      const p = decodeLayout(MULTIBOOT_FRAMEBUFFER_PALETTE, color);
      const raw = memory.read(p.framebufferPaletteAddr, p.framebufferPaletteNumColors * 3, ctx('multiboot_color'));
      const colors: Mb1Color[] = [];
      for (let i = 0; i < p.framebufferPaletteNumColors; i++) colors.push(decodeLayout(MULTIBOOT_COLOR, raw, i * 3));
      fb.palette = { addr: p.framebufferPaletteAddr, colors };
    } else if (fb.type === MULTIBOOT_FRAMEBUFFER_TYPE_RGB) {
      fb.rgb = decodeLayout(MULTIBOOT_FRAMEBUFFER_RGB, color);
    }
    h.framebuffer = fb;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Builder

/** A module to hand over. */
export interface Mb1ModuleSpec {
  /** Physical address of its first byte (where `data` is written when given). */
  start: number;
  /** Exclusive end; defaults to `start + data.length`. */
  end?: number;
  /** The module's string; without it the entry's string address is 0. */
  string?: string;
  /** Contents, written at `start` when given. */
  data?: Uint8Array;
}

/** One memory map entry to hand over (`size` defaults to 20). */
export interface Mb1MmapSpec {
  /** First address. */
  addr: bigint;
  /** Length in bytes. */
  len: bigint;
  /** `MULTIBOOT_MEMORY_*`. */
  type: number;
  /** The entry's `size` (at least 20; bytes beyond 20 are written as 0). */
  size?: number;
}

/** A drive to hand over. */
export interface Mb1DriveSpec extends Omit<Mb1Drive, 'size'> {
  /** Bytes of the structure; default 10 + 2 × (ports + 1), room for the terminating 0. */
  size?: number;
}

/** a.out symbols to hand over (bit 4). */
export interface Mb1AoutSymsSpec {
  /** The descriptor's `tabsize`. */
  tabsize: number;
  /** The descriptor's `strsize`. */
  strsize: number;
  /** The bytes to write at the descriptor's `addr`: u32 tabsize, the `nlist` array, u32 strsize, the strings. */
  bytes: Uint8Array;
}

/** ELF section headers to hand over (bit 5). */
export interface Mb1ElfSectionsSpec {
  /** Number of section headers. */
  num: number;
  /** Bytes per section header. */
  size: number;
  /** Index of the section name string table. */
  shndx: number;
  /** The section header table to write. */
  headers: Uint8Array;
}

/** VBE information to hand over (bit 11). */
export type Mb1VbeSpec = Omit<Mb1Vbe, 'controlInfoAddr' | 'modeInfoAddr'>;

/** A framebuffer to hand over (bit 12). */
export interface Mb1FramebufferSpec extends Omit<Mb1Framebuffer, 'palette'> {
  /** Type 0: the colours, written where the builder places them. */
  palette?: readonly Mb1Color[];
}

/**
 * What a loader hands a Multiboot 1 kernel, before it is laid out in
 * memory. Each part present sets its flag.
 */
export interface Mb1InfoSpec {
  /** `mem_lower` and `mem_upper` in KiB (bit 0). */
  memory?: Mb1Memory;
  /** The boot device (bit 1). */
  bootDevice?: Mb1BootDevice;
  /** The kernel's command line (bit 2). */
  cmdline?: string;
  /** Modules, in list order (bit 3; an empty list still sets the flag). */
  modules?: readonly Mb1ModuleSpec[];
  /** a.out symbols (bit 4): the descriptor's `tabsize`/`strsize` and the bytes to write at its address. */
  aoutSyms?: Mb1AoutSymsSpec;
  /** ELF section headers (bit 5): `num`, `size`, `shndx`, and the table to write. */
  elfSections?: Mb1ElfSectionsSpec;
  /** Memory map (bit 6). */
  mmap?: readonly Mb1MmapSpec[];
  /** Drives (bit 7). */
  drives?: readonly Mb1DriveSpec[];
  /** ROM configuration table bytes, its u16 length first (bit 8). */
  configTable?: Uint8Array;
  /** Boot loader name (bit 9). */
  bootLoaderName?: string;
  /** APM table (bit 10). */
  apm?: Mb1ApmInfo;
  /** VBE information (bit 11): 512 and 256 bytes of control and mode information. */
  vbe?: Mb1VbeSpec;
  /** Framebuffer (bit 12): a palette for type 0, field positions for type 1. */
  framebuffer?: Mb1FramebufferSpec;
}

/** Where the builder puts things: the info structure, and optionally where the rest starts. */
export interface Mb1Placement {
  /** Address of `multiboot_info` (the value for `%ebx`). */
  info: PhysAddr;
  /** Where the pointed-to pieces start (default right after the info structure); each is 8-byte aligned. */
  data?: PhysAddr;
}

/** One piece the builder wrote. */
export interface Mb1WrittenRegion {
  /** What it is: `multiboot_info`, `cmdline`, `mods`, `mod<i>-string`, `mod<i>-data`, `mmap`, … */
  label: string;
  /** Physical address. */
  paddr: bigint;
  /** Length in bytes. */
  length: number;
}

/** What {@link buildMb1Info} wrote. */
export interface BuiltMb1Info {
  /** Address of `multiboot_info`. */
  infoPaddr: bigint;
  /** Every piece written, in order. */
  regions: Mb1WrittenRegion[];
}

const align8 = (n: bigint): bigint => (n + 7n) & ~7n;

function u32Addr(v: bigint, label: string): number {
  if (v > 0xffffffffn) throw fail('BAD_VALUE', 'multiboot_info', undefined, 0, `${label} at 0x${v.toString(16)} is above 4 GiB: Multiboot 1 pointers are 32-bit`);
  return Number(v);
}

/**
 * Lays out a Multiboot 1 information structure and everything it points to
 * in `memory`, as a loader does: the structure at `placement.info`, the rest
 * one after another from `placement.data`, module contents at their own
 * addresses. Writes nothing and throws `BAD_VALUE` when two pieces would
 * overlap or a pointer would not fit 32 bits.
 */
export function buildMb1Info(memory: PhysicalMemory, spec: Mb1InfoSpec, placement: Mb1Placement): BuiltMb1Info {
  const infoPaddr = toPhysAddr(placement.info, ctx('multiboot_info'));
  let flags = 0;
  if (spec.framebuffer !== undefined) flags |= MULTIBOOT_INFO_FRAMEBUFFER_INFO;
  let cursor = align8(placement.data === undefined ? infoPaddr + BigInt(mb1InfoSize(flags)) : toPhysAddr(placement.data));
  const pieces: { label: string; paddr: bigint; bytes: Uint8Array }[] = [];
  const put = (label: string, paddr: bigint, bytes: Uint8Array): void => {
    const end = paddr + BigInt(bytes.length);
    const clash = pieces.find((r) => paddr < r.paddr + BigInt(r.bytes.length) && r.paddr < end);
    if (clash !== undefined && bytes.length > 0) {
      throw fail('BAD_VALUE', 'multiboot_info', undefined, 0, `${label} [0x${paddr.toString(16)}, 0x${end.toString(16)}) would overlap ${clash.label}`, paddr);
    }
    pieces.push({ label, paddr, bytes });
  };
  const place = (label: string, bytes: Uint8Array): number => {
    const at = cursor;
    cursor = align8(cursor + BigInt(bytes.length));
    put(label, at, bytes);
    return u32Addr(at, label);
  };

  const info: Mb1Info & Record<string, unknown> = { flags: 0 };
  if (spec.memory !== undefined) {
    flags |= MULTIBOOT_INFO_MEMORY;
    info.memLower = spec.memory.lower;
    info.memUpper = spec.memory.upper;
  }
  if (spec.bootDevice !== undefined) {
    flags |= MULTIBOOT_INFO_BOOTDEV;
    info.bootDevice = joinBootDevice(spec.bootDevice);
  }
  if (spec.cmdline !== undefined) {
    flags |= MULTIBOOT_INFO_CMDLINE;
    info.cmdline = place('cmdline', encodeCString(spec.cmdline));
  }
  if (spec.modules !== undefined) {
    flags |= MULTIBOOT_INFO_MODS;
    const list = new Uint8Array(spec.modules.length * MULTIBOOT_MOD_LIST.size);
    info.modsCount = spec.modules.length;
    info.modsAddr = spec.modules.length === 0 ? 0 : place('mods', list);
    spec.modules.forEach((m, i) => {
      const string = m.string === undefined ? 0 : place(`mod${i}-string`, encodeCString(m.string));
      if (m.data !== undefined) put(`mod${i}-data`, BigInt(m.start), m.data);
      encodeMb1Module({ modStart: m.start, modEnd: m.end ?? m.start + (m.data?.length ?? 0), cmdline: string, pad: 0 }, list, i * 16);
    });
  }
  if (spec.aoutSyms !== undefined && spec.elfSections !== undefined) {
    throw fail('BAD_VALUE', 'multiboot_info', 'syms', 28, 'a.out symbols and ELF section headers are mutually exclusive');
  }
  if (spec.aoutSyms !== undefined) {
    flags |= MULTIBOOT_INFO_AOUT_SYMS;
    const addr = place('aout-syms', spec.aoutSyms.bytes);
    info.syms = encodeLayout(MULTIBOOT_AOUT_SYMBOL_TABLE, { tabsize: spec.aoutSyms.tabsize, strsize: spec.aoutSyms.strsize, addr, reserved: 0 });
  }
  if (spec.elfSections !== undefined) {
    flags |= MULTIBOOT_INFO_ELF_SHDR;
    const e = spec.elfSections;
    const addr = place('elf-sections', e.headers);
    info.syms = encodeLayout(MULTIBOOT_ELF_SECTION_HEADER_TABLE, { num: e.num, size: e.size, addr, shndx: e.shndx });
  }
  if (spec.mmap !== undefined) {
    flags |= MULTIBOOT_INFO_MEM_MAP;
    const total = spec.mmap.reduce((a, e) => a + (e.size ?? 20) + 4, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const e of spec.mmap) {
      const size = e.size ?? 20;
      if (size < 20) throw fail('BAD_VALUE', 'multiboot_mmap_entry', 'size', o, `size ${size} is below 20`);
      encodeMb1MmapEntry({ size, addr: e.addr, len: e.len, type: e.type }, buf, o);
      o += size + 4;
    }
    info.mmapLength = total;
    info.mmapAddr = total === 0 ? 0 : place('mmap', buf);
  }
  if (spec.drives !== undefined) {
    flags |= MULTIBOOT_INFO_DRIVE_INFO;
    const parts = spec.drives.map((d) => {
      const size = d.size ?? 10 + 2 * (d.drivePorts.length + 1);
      const b = new Uint8Array(size);
      encodeLayout(MULTIBOOT_DRIVE, { size, driveNumber: d.driveNumber, driveMode: d.driveMode, driveCylinders: d.driveCylinders, driveHeads: d.driveHeads, driveSectors: d.driveSectors }, b);
      const dv = new DataView(b.buffer);
      d.drivePorts.forEach((p, i) => {
        if (12 + 2 * i <= size) dv.setUint16(10 + 2 * i, p, true);
      });
      return b;
    });
    const total = parts.reduce((a, b) => a + b.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const b of parts) {
      buf.set(b, o);
      o += b.length;
    }
    info.drivesLength = total;
    info.drivesAddr = total === 0 ? 0 : place('drives', buf);
  }
  if (spec.configTable !== undefined) {
    flags |= MULTIBOOT_INFO_CONFIG_TABLE;
    info.configTable = place('config-table', spec.configTable);
  }
  if (spec.bootLoaderName !== undefined) {
    flags |= MULTIBOOT_INFO_BOOT_LOADER_NAME;
    info.bootLoaderName = place('boot-loader-name', encodeCString(spec.bootLoaderName));
  }
  if (spec.apm !== undefined) {
    flags |= MULTIBOOT_INFO_APM_TABLE;
    info.apmTable = place('apm', encodeMb1Apm(spec.apm));
  }
  if (spec.vbe !== undefined) {
    flags |= MULTIBOOT_INFO_VBE_INFO;
    const v = spec.vbe;
    info.vbeControlInfo = place('vbe-control-info', v.controlInfo);
    info.vbeModeInfo = place('vbe-mode-info', v.modeInfo);
    info.vbeMode = v.mode;
    info.vbeInterfaceSeg = v.interfaceSeg;
    info.vbeInterfaceOff = v.interfaceOff;
    info.vbeInterfaceLen = v.interfaceLen;
  }
  if (spec.framebuffer !== undefined) {
    const fb = spec.framebuffer;
    info.framebufferAddr = fb.addr;
    info.framebufferPitch = fb.pitch;
    info.framebufferWidth = fb.width;
    info.framebufferHeight = fb.height;
    info.framebufferBpp = fb.bpp;
    info.framebufferType = fb.type;
    if (fb.type === MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED) {
      const colors = fb.palette ?? [];
      const raw = new Uint8Array(colors.length * 3);
      colors.forEach((c, i) => encodeLayout(MULTIBOOT_COLOR, c, raw, i * 3));
      const addr = colors.length === 0 ? 0 : place('palette', raw);
      info.colorInfo = encodeLayout(MULTIBOOT_FRAMEBUFFER_PALETTE, { framebufferPaletteAddr: addr, framebufferPaletteNumColors: colors.length }, new Uint8Array(6));
    } else if (fb.type === MULTIBOOT_FRAMEBUFFER_TYPE_RGB && fb.rgb !== undefined) {
      info.colorInfo = encodeLayout(MULTIBOOT_FRAMEBUFFER_RGB, fb.rgb);
    } else info.colorInfo = new Uint8Array(6);
  }
  info.flags = flags;
  put('multiboot_info', infoPaddr, encodeMb1Info(info));
  u32Addr(infoPaddr, 'multiboot_info');
  const regions: Mb1WrittenRegion[] = [];
  for (const p of pieces) {
    memory.write(p.paddr, p.bytes, ctx('multiboot_info'));
    regions.push({ label: p.label, paddr: p.paddr, length: p.bytes.length });
  }
  return { infoPaddr, regions };
}
