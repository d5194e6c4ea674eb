/**
 * The Multiboot 1 information structure (Multiboot Specification 0.6.96,
 * section 3.3 "Boot information format") and the structures it points to,
 * checked against GRUB's `include/multiboot.h`: `multiboot_info`,
 * `multiboot_mod_list`, `multiboot_mmap_entry`, the a.out symbol table and
 * ELF section header table descriptors, the drive structure, `multiboot_apm_info`,
 * and the framebuffer's palette and RGB colour information.
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, encodeLayout, bytes, u16, u32, u64, u8, type Decoded } from '../../core/index.js';

/** `MULTIBOOT_INFO_MEMORY` (bit 0): `mem_lower` and `mem_upper` are valid. */
export const MULTIBOOT_INFO_MEMORY = 0x1;
/** `MULTIBOOT_INFO_BOOTDEV` (bit 1): `boot_device` is valid. */
export const MULTIBOOT_INFO_BOOTDEV = 0x2;
/** `MULTIBOOT_INFO_CMDLINE` (bit 2): `cmdline` is valid. */
export const MULTIBOOT_INFO_CMDLINE = 0x4;
/** `MULTIBOOT_INFO_MODS` (bit 3): `mods_count` and `mods_addr` are valid. */
export const MULTIBOOT_INFO_MODS = 0x8;
/** `MULTIBOOT_INFO_AOUT_SYMS` (bit 4): `syms` is an a.out symbol table (exclusive with bit 5). */
export const MULTIBOOT_INFO_AOUT_SYMS = 0x10;
/** `MULTIBOOT_INFO_ELF_SHDR` (bit 5): `syms` is an ELF section header table (exclusive with bit 4). */
export const MULTIBOOT_INFO_ELF_SHDR = 0x20;
/** `MULTIBOOT_INFO_MEM_MAP` (bit 6): `mmap_length` and `mmap_addr` are valid. */
export const MULTIBOOT_INFO_MEM_MAP = 0x40;
/** `MULTIBOOT_INFO_DRIVE_INFO` (bit 7): `drives_length` and `drives_addr` are valid. */
export const MULTIBOOT_INFO_DRIVE_INFO = 0x80;
/** `MULTIBOOT_INFO_CONFIG_TABLE` (bit 8): `config_table` is valid. */
export const MULTIBOOT_INFO_CONFIG_TABLE = 0x100;
/** `MULTIBOOT_INFO_BOOT_LOADER_NAME` (bit 9): `boot_loader_name` is valid. */
export const MULTIBOOT_INFO_BOOT_LOADER_NAME = 0x200;
/** `MULTIBOOT_INFO_APM_TABLE` (bit 10): `apm_table` is valid. */
export const MULTIBOOT_INFO_APM_TABLE = 0x400;
/** `MULTIBOOT_INFO_VBE_INFO` (bit 11): the `vbe_*` fields are valid. */
export const MULTIBOOT_INFO_VBE_INFO = 0x800;
/** `MULTIBOOT_INFO_FRAMEBUFFER_INFO` (bit 12): the `framebuffer_*` fields are valid. */
export const MULTIBOOT_INFO_FRAMEBUFFER_INFO = 0x1000;

/** The information flags by name. */
export const MULTIBOOT_INFO_FLAGS: Readonly<Record<string, number>> = {
  MULTIBOOT_INFO_MEMORY,
  MULTIBOOT_INFO_BOOTDEV,
  MULTIBOOT_INFO_CMDLINE,
  MULTIBOOT_INFO_MODS,
  MULTIBOOT_INFO_AOUT_SYMS,
  MULTIBOOT_INFO_ELF_SHDR,
  MULTIBOOT_INFO_MEM_MAP,
  MULTIBOOT_INFO_DRIVE_INFO,
  MULTIBOOT_INFO_CONFIG_TABLE,
  MULTIBOOT_INFO_BOOT_LOADER_NAME,
  MULTIBOOT_INFO_APM_TABLE,
  MULTIBOOT_INFO_VBE_INFO,
  MULTIBOOT_INFO_FRAMEBUFFER_INFO,
};

/** `MULTIBOOT_MEMORY_AVAILABLE`. */
export const MULTIBOOT_MEMORY_AVAILABLE = 1;
/** `MULTIBOOT_MEMORY_RESERVED`. */
export const MULTIBOOT_MEMORY_RESERVED = 2;
/** `MULTIBOOT_MEMORY_ACPI_RECLAIMABLE`. */
export const MULTIBOOT_MEMORY_ACPI_RECLAIMABLE = 3;
/** `MULTIBOOT_MEMORY_NVS`. */
export const MULTIBOOT_MEMORY_NVS = 4;
/** `MULTIBOOT_MEMORY_BADRAM`. */
export const MULTIBOOT_MEMORY_BADRAM = 5;

/** Memory map types by value (shared by Multiboot 1 and 2; they equal the e820 types). */
export const MULTIBOOT_MEMORY_TYPES: Readonly<Record<number, string>> = {
  1: 'MULTIBOOT_MEMORY_AVAILABLE',
  2: 'MULTIBOOT_MEMORY_RESERVED',
  3: 'MULTIBOOT_MEMORY_ACPI_RECLAIMABLE',
  4: 'MULTIBOOT_MEMORY_NVS',
  5: 'MULTIBOOT_MEMORY_BADRAM',
};

/** `MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED`: a palette follows. */
export const MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED = 0;
/** `MULTIBOOT_FRAMEBUFFER_TYPE_RGB`: RGB field positions follow. */
export const MULTIBOOT_FRAMEBUFFER_TYPE_RGB = 1;
/** `MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT`: EGA text; width and height in characters. */
export const MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT = 2;

/** Framebuffer types by value. */
export const MULTIBOOT_FRAMEBUFFER_TYPES: Readonly<Record<number, string>> = {
  0: 'MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED',
  1: 'MULTIBOOT_FRAMEBUFFER_TYPE_RGB',
  2: 'MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT',
};

/**
 * `struct multiboot_info` (116 bytes with the framebuffer fields; loaders
 * that set no bit above 11, QEMU's among them, write the first 88).
 */
export const MULTIBOOT_INFO = defineLayout({
  name: 'multiboot_info',
  format: 'multiboot1',
  size: 116,
  fields: {
    /** Which fields are valid: `MULTIBOOT_INFO_*` bits. */
    flags: u32(0, { flags: MULTIBOOT_INFO_FLAGS }),
    /** KiB of lower memory from address 0 (at most 640) (bit 0). */
    memLower: u32(4),
    /** KiB of upper memory from 1 MiB up to the first hole (bit 0). */
    memUpper: u32(8),
    /** BIOS drive (most significant byte) and partitions part1, part2, part3 (bit 1). */
    bootDevice: u32(12),
    /** Physical address of the kernel's NUL-terminated command line (bit 2). */
    cmdline: u32(16),
    /** Number of modules (bit 3). */
    modsCount: u32(20),
    /** Physical address of the first `multiboot_mod_list` (bit 3). */
    modsAddr: u32(24),
    /** The a.out symbol table (bit 4) or ELF section header table (bit 5) descriptor. */
    syms: bytes(28, 16),
    /** Bytes of the memory map buffer (bit 6). */
    mmapLength: u32(44),
    /** Physical address of the memory map buffer (bit 6). */
    mmapAddr: u32(48),
    /** Bytes of the drive structures (bit 7). */
    drivesLength: u32(52),
    /** Physical address of the first drive structure (bit 7). */
    drivesAddr: u32(56),
    /** Physical address of the ROM configuration table from BIOS call INT 15h AH=C0h (bit 8). */
    configTable: u32(60),
    /** Physical address of the boot loader's NUL-terminated name (bit 9). */
    bootLoaderName: u32(64),
    /** Physical address of the APM table (bit 10). */
    apmTable: u32(68),
    /** Physical address of the VBE control information, function 00h (bit 11). */
    vbeControlInfo: u32(72),
    /** Physical address of the VBE mode information, function 01h (bit 11). */
    vbeModeInfo: u32(76),
    /** Current VBE mode (bit 11). */
    vbeMode: u16(80),
    /** VBE 2.0+ protected mode interface: segment (bit 11). */
    vbeInterfaceSeg: u16(82),
    /** VBE 2.0+ protected mode interface: offset (bit 11). */
    vbeInterfaceOff: u16(84),
    /** VBE 2.0+ protected mode interface: length (bit 11). */
    vbeInterfaceLen: u16(86),
    /** Physical address of the framebuffer (bit 12). */
    framebufferAddr: u64(88),
    /** Bytes per line (bit 12). */
    framebufferPitch: u32(96),
    /** Width in pixels, or characters for EGA text (bit 12). */
    framebufferWidth: u32(100),
    /** Height in pixels, or characters for EGA text (bit 12). */
    framebufferHeight: u32(104),
    /** Bits per pixel (bit 12). */
    framebufferBpp: u8(108),
    /** `MULTIBOOT_FRAMEBUFFER_TYPE_*` (bit 12). */
    framebufferType: u8(109, { values: MULTIBOOT_FRAMEBUFFER_TYPES }),
    /** Palette address and count (indexed) or RGB field positions and sizes (bit 12). */
    colorInfo: bytes(110, 6),
  },
});

/** How many bytes of `multiboot_info` a loader writes when no bit above 11 is set. */
export const MULTIBOOT_INFO_SIZE_NO_FRAMEBUFFER = 88;

/** `struct multiboot_aout_symbol_table`: the `syms` field with `MULTIBOOT_INFO_AOUT_SYMS`. */
export const MULTIBOOT_AOUT_SYMBOL_TABLE = defineLayout({
  name: 'multiboot_aout_symbol_table',
  format: 'multiboot1',
  size: 16,
  fields: {
    /** Bytes of the `nlist` array (the same value as the u32 in front of it at `addr`). */
    tabsize: u32(0),
    /** Bytes of the string table that follows the array. */
    strsize: u32(4),
    /** Physical address of the u32 size in front of the `nlist` array. */
    addr: u32(8),
    /** 0. */
    reserved: u32(12),
  },
});

/** `struct multiboot_elf_section_header_table`: the `syms` field with `MULTIBOOT_INFO_ELF_SHDR`. */
export const MULTIBOOT_ELF_SECTION_HEADER_TABLE = defineLayout({
  name: 'multiboot_elf_section_header_table',
  format: 'multiboot1',
  size: 16,
  fields: {
    /** Number of section headers (`e_shnum`). */
    num: u32(0),
    /** Bytes per section header (`e_shentsize`). */
    size: u32(4),
    /** Physical address of the section header table. */
    addr: u32(8),
    /** Index of the section name string table (`e_shstrndx`). */
    shndx: u32(12),
  },
});

/** The `color_info` of an indexed framebuffer. */
export const MULTIBOOT_FRAMEBUFFER_PALETTE = defineLayout({
  name: 'multiboot_framebuffer_palette',
  format: 'multiboot1',
  size: 6,
  fields: {
    /** Physical address of the `multiboot_color` array. */
    framebufferPaletteAddr: u32(0),
    /** Number of colours. */
    framebufferPaletteNumColors: u16(4),
  },
});

/** The `color_info` of an RGB framebuffer. */
export const MULTIBOOT_FRAMEBUFFER_RGB = defineLayout({
  name: 'multiboot_framebuffer_rgb',
  format: 'multiboot1',
  size: 6,
  fields: {
    /** Bit position of red. */
    framebufferRedFieldPosition: u8(0),
    /** Bits of red. */
    framebufferRedMaskSize: u8(1),
    /** Bit position of green. */
    framebufferGreenFieldPosition: u8(2),
    /** Bits of green. */
    framebufferGreenMaskSize: u8(3),
    /** Bit position of blue. */
    framebufferBlueFieldPosition: u8(4),
    /** Bits of blue. */
    framebufferBlueMaskSize: u8(5),
  },
});

/** `struct multiboot_color` (3 bytes): one palette entry. */
export const MULTIBOOT_COLOR = defineLayout({
  name: 'multiboot_color',
  format: 'multiboot1',
  size: 3,
  fields: {
    /** Red. */
    red: u8(0),
    /** Green. */
    green: u8(1),
    /** Blue. */
    blue: u8(2),
  },
});

/** `struct multiboot_mod_list` (16 bytes). */
export const MULTIBOOT_MOD_LIST = defineLayout({
  name: 'multiboot_mod_list',
  format: 'multiboot1',
  size: 16,
  fields: {
    /** Physical address of the module's first byte. */
    modStart: u32(0),
    /** Physical address one past the module's last byte (exclusive). */
    modEnd: u32(4),
    /** Physical address of the module's NUL-terminated string; 0 when none. */
    cmdline: u32(8, { spec: 'string' }),
    /** Padding; must be 0. */
    pad: u32(12, { spec: 'reserved' }),
  },
});

/** `struct multiboot_mmap_entry` (24 bytes, packed): `size` does not count itself. */
export const MULTIBOOT_MMAP_ENTRY = defineLayout({
  name: 'multiboot_mmap_entry',
  format: 'multiboot1',
  size: 24,
  fields: {
    /** Bytes of the entry after this field (at least 20); the next entry is `size + 4` bytes on. */
    size: u32(0),
    /** First physical address of the range (`base_addr`). */
    addr: u64(4, { spec: 'base_addr' }),
    /** Bytes in the range (`length`). */
    len: u64(12, { spec: 'length' }),
    /** `MULTIBOOT_MEMORY_*`; 1 is RAM, anything else reserved. */
    type: u32(20, { values: MULTIBOOT_MEMORY_TYPES }),
  },
});

/** The fixed head of a drive structure (10 bytes; the `drive_ports` array follows). */
export const MULTIBOOT_DRIVE = defineLayout({
  name: 'multiboot_drive',
  format: 'multiboot1',
  size: 10,
  fields: {
    /** Bytes of this structure, ports included (may exceed 10 + 2 × ports for alignment). */
    size: u32(0),
    /** BIOS drive number. */
    driveNumber: u8(4),
    /** 0: CHS, 1: LBA. */
    driveMode: u8(5, { values: { 0: 'CHS', 1: 'LBA' } }),
    /** Cylinders as the BIOS detected them. */
    driveCylinders: u16(6),
    /** Heads. */
    driveHeads: u8(8),
    /** Sectors per track. */
    driveSectors: u8(9),
  },
});

/** `struct multiboot_apm_info` (20 bytes). */
export const MULTIBOOT_APM_INFO = defineLayout({
  name: 'multiboot_apm_info',
  format: 'multiboot1',
  size: 20,
  fields: {
    /** APM version. */
    version: u16(0),
    /** Protected mode 32-bit code segment. */
    cseg: u16(2),
    /** Offset of the entry point. */
    offset: u32(4),
    /** Protected mode 16-bit code segment. */
    cseg16: u16(8, { spec: 'cseg_16' }),
    /** Protected mode 16-bit data segment. */
    dseg: u16(10),
    /** APM flags. */
    flags: u16(12),
    /** Length of the 32-bit code segment. */
    csegLen: u16(14),
    /** Length of the 16-bit code segment. */
    cseg16Len: u16(16, { spec: 'cseg_16_len' }),
    /** Length of the 16-bit data segment. */
    dsegLen: u16(18),
  },
});

/**
 * Every field of `multiboot_info`, as a plain object.
 *
 * @interface
 */
export type Mb1InfoFields = Decoded<typeof MULTIBOOT_INFO.fields>;

/**
 * A decoded `multiboot_info`: `flags` always; every other field only when
 * its flag is set (the `syms` bytes with bit 4 or 5; `colorInfo` with bit 12).
 */
export type Mb1Info = Pick<Mb1InfoFields, 'flags'> & Partial<Omit<Mb1InfoFields, 'flags'>>;

/**
 * A decoded `multiboot_aout_symbol_table`.
 *
 * @interface
 */
export type Mb1AoutSymbolTable = Decoded<typeof MULTIBOOT_AOUT_SYMBOL_TABLE.fields>;
/**
 * A decoded `multiboot_elf_section_header_table`.
 *
 * @interface
 */
export type Mb1ElfSectionHeaderTable = Decoded<typeof MULTIBOOT_ELF_SECTION_HEADER_TABLE.fields>;
/**
 * A decoded `multiboot_mod_list`.
 *
 * @interface
 */
export type Mb1ModList = Decoded<typeof MULTIBOOT_MOD_LIST.fields>;
/**
 * A decoded `multiboot_mmap_entry`.
 *
 * @interface
 */
export type Mb1MmapEntry = Decoded<typeof MULTIBOOT_MMAP_ENTRY.fields>;
/**
 * A decoded `multiboot_apm_info`.
 *
 * @interface
 */
export type Mb1ApmInfo = Decoded<typeof MULTIBOOT_APM_INFO.fields>;
/**
 * Decoded RGB colour information.
 *
 * @interface
 */
export type Mb1FramebufferRgb = Decoded<typeof MULTIBOOT_FRAMEBUFFER_RGB.fields>;
/**
 * Decoded indexed colour information.
 *
 * @interface
 */
export type Mb1FramebufferPalette = Decoded<typeof MULTIBOOT_FRAMEBUFFER_PALETTE.fields>;
/**
 * One palette colour.
 *
 * @interface
 */
export type Mb1Color = Decoded<typeof MULTIBOOT_COLOR.fields>;

/** The fields each information flag makes valid. */
export const MB1_INFO_FIELDS_BY_FLAG: Readonly<Record<number, readonly (keyof Mb1InfoFields)[]>> = {
  [MULTIBOOT_INFO_MEMORY]: ['memLower', 'memUpper'],
  [MULTIBOOT_INFO_BOOTDEV]: ['bootDevice'],
  [MULTIBOOT_INFO_CMDLINE]: ['cmdline'],
  [MULTIBOOT_INFO_MODS]: ['modsCount', 'modsAddr'],
  [MULTIBOOT_INFO_AOUT_SYMS]: ['syms'],
  [MULTIBOOT_INFO_ELF_SHDR]: ['syms'],
  [MULTIBOOT_INFO_MEM_MAP]: ['mmapLength', 'mmapAddr'],
  [MULTIBOOT_INFO_DRIVE_INFO]: ['drivesLength', 'drivesAddr'],
  [MULTIBOOT_INFO_CONFIG_TABLE]: ['configTable'],
  [MULTIBOOT_INFO_BOOT_LOADER_NAME]: ['bootLoaderName'],
  [MULTIBOOT_INFO_APM_TABLE]: ['apmTable'],
  [MULTIBOOT_INFO_VBE_INFO]: ['vbeControlInfo', 'vbeModeInfo', 'vbeMode', 'vbeInterfaceSeg', 'vbeInterfaceOff', 'vbeInterfaceLen'],
  [MULTIBOOT_INFO_FRAMEBUFFER_INFO]: [
    'framebufferAddr',
    'framebufferPitch',
    'framebufferWidth',
    'framebufferHeight',
    'framebufferBpp',
    'framebufferType',
    'colorInfo',
  ],
};

/** Bytes of `multiboot_info` a structure with these flags occupies: 116 with the framebuffer bit, else 88. */
export function mb1InfoSize(flags: number): number {
  return (flags & MULTIBOOT_INFO_FRAMEBUFFER_INFO) !== 0 ? MULTIBOOT_INFO.size : MULTIBOOT_INFO_SIZE_NO_FRAMEBUFFER;
}

/**
 * Decodes a `multiboot_info` at `offset`: 88 bytes, or 116 when the
 * framebuffer bit is set (`TRUNCATED` when they are not there). Fields whose
 * flag is clear are left out, whatever their bytes hold.
 */
export function decodeMb1Info(bytes: Uint8Array, offset = 0): Mb1Info {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + 4 <= bytes.length)) {
    throw new BootprotoError({ code: 'TRUNCATED', format: 'multiboot1', structure: 'multiboot_info', offset, reason: 'no room for flags' });
  }
  const flags = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
  const size = mb1InfoSize(flags);
  if (offset + size > bytes.length) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'multiboot1',
      structure: 'multiboot_info',
      offset,
      reason: `flags 0x${flags.toString(16)} need ${size} bytes, ${bytes.length - offset} given`,
    });
  }
  const padded = new Uint8Array(MULTIBOOT_INFO.size);
  padded.set(bytes.subarray(offset, offset + size));
  const all = decodeLayout(MULTIBOOT_INFO, padded) as Record<string, unknown>;
  const out: Record<string, unknown> = { flags };
  for (const [bit, keys] of Object.entries(MB1_INFO_FIELDS_BY_FLAG)) {
    if ((flags & Number(bit)) !== 0) for (const k of keys) out[k] = all[k];
  }
  return out as Mb1Info;
}

/**
 * Encodes a `multiboot_info`: 88 bytes, or 116 with the framebuffer bit.
 * Fields whose flag is clear are written as 0 (a field given without its
 * flag is dropped).
 */
export function encodeMb1Info(info: Mb1Info, into?: Uint8Array, offset = 0): Uint8Array {
  const size = mb1InfoSize(info.flags);
  const record: Record<string, unknown> = {};
  const given = info as Record<string, unknown>;
  for (const key of MULTIBOOT_INFO.order) {
    const f = MULTIBOOT_INFO.fields[key as keyof typeof MULTIBOOT_INFO.fields];
    record[key] = f.kind === 'u64' ? 0n : f.kind === 'bytes' ? new Uint8Array(f.length) : 0;
  }
  record.flags = info.flags;
  for (const [bit, keys] of Object.entries(MB1_INFO_FIELDS_BY_FLAG)) {
    if ((info.flags & Number(bit)) !== 0) for (const k of keys) if (given[k] !== undefined) record[k] = given[k];
  }
  const full = encodeLayout(MULTIBOOT_INFO, record as Mb1InfoFields);
  const out = into ?? new Uint8Array(offset + size);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + size <= out.length)) {
    throw new BootprotoError({ code: 'TRUNCATED', format: 'multiboot1', structure: 'multiboot_info', offset, reason: `${size} bytes do not fit` });
  }
  out.set(full.subarray(0, size), offset);
  return out;
}

/** `boot_device` split into its bytes: the BIOS drive and three partition levels (0xff: unused). */
export interface Mb1BootDevice {
  /** BIOS drive number (0x00 first floppy, 0x80 first hard disk): the most significant byte. */
  drive: number;
  /** Top-level partition (0xff: none). */
  part1: number;
  /** Sub-partition (0xff: none). */
  part2: number;
  /** Sub-sub-partition (0xff: none): the least significant byte. */
  part3: number;
}

/** Splits `boot_device` into drive and partitions (section 3.3: drive is the most significant byte). */
export function splitBootDevice(value: number): Mb1BootDevice {
  return { drive: (value >>> 24) & 0xff, part1: (value >>> 16) & 0xff, part2: (value >>> 8) & 0xff, part3: value & 0xff };
}

/** Joins drive and partitions into `boot_device`. */
export function joinBootDevice(d: Mb1BootDevice): number {
  return (((d.drive & 0xff) << 24) | ((d.part1 & 0xff) << 16) | ((d.part2 & 0xff) << 8) | (d.part3 & 0xff)) >>> 0;
}

/** Decodes one `multiboot_mod_list`. */
export function decodeMb1Module(bytes: Uint8Array, offset = 0): Mb1ModList {
  return decodeLayout(MULTIBOOT_MOD_LIST, bytes, offset);
}
/** Encodes one `multiboot_mod_list`. */
export function encodeMb1Module(entry: Mb1ModList, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(MULTIBOOT_MOD_LIST, entry, into, offset);
}
/** Decodes one `multiboot_mmap_entry` (24 bytes; a larger `size` is not read here). */
export function decodeMb1MmapEntry(bytes: Uint8Array, offset = 0): Mb1MmapEntry {
  return decodeLayout(MULTIBOOT_MMAP_ENTRY, bytes, offset);
}
/** Encodes one `multiboot_mmap_entry` (24 bytes). */
export function encodeMb1MmapEntry(entry: Mb1MmapEntry, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(MULTIBOOT_MMAP_ENTRY, entry, into, offset);
}
/** Decodes a `multiboot_apm_info`. */
export function decodeMb1Apm(bytes: Uint8Array, offset = 0): Mb1ApmInfo {
  return decodeLayout(MULTIBOOT_APM_INFO, bytes, offset);
}
/** Encodes a `multiboot_apm_info`. */
export function encodeMb1Apm(apm: Mb1ApmInfo, into?: Uint8Array, offset = 0): Uint8Array {
  return encodeLayout(MULTIBOOT_APM_INFO, apm, into, offset);
}
