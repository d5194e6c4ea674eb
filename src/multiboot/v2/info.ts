/**
 * The Multiboot 2 boot information (Multiboot2 Specification 2.0, section
 * 3.6 "Boot information format": the fixed part, the tag structure, and the
 * tags of types 0–21), as GRUB's `include/multiboot2.h` declares and GRUB
 * writes them. Where the specification's text and GRUB differ, GRUB wins and
 * `docs/multiboot.md` says so: the ELF-sections tag has u32 `num`, `entsize`
 * and `shndx` (the text shows u16); the framebuffer tag's `reserved` is a u16
 * so the colour information starts at offset 32 (the text shows a u8), and
 * an indexed palette's count is a u16 (the text shows a u32).
 *
 * @module
 */
import { BootprotoError, decodeLayout, defineLayout, encodeLayout, bytes, u16, u32, u64, u8, type Decoded } from '../../core/index.js';
import { decodeMemoryMap, type EfiMemoryMap } from '../../efi-memmap/index.js';

/** `MULTIBOOT2_TAG_TYPE_END`. */
export const MULTIBOOT2_TAG_TYPE_END = 0;
/** `MULTIBOOT2_TAG_TYPE_CMDLINE`. */
export const MULTIBOOT2_TAG_TYPE_CMDLINE = 1;
/** `MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME`. */
export const MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME = 2;
/** `MULTIBOOT2_TAG_TYPE_MODULE`. */
export const MULTIBOOT2_TAG_TYPE_MODULE = 3;
/** `MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO`. */
export const MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO = 4;
/** `MULTIBOOT2_TAG_TYPE_BOOTDEV`. */
export const MULTIBOOT2_TAG_TYPE_BOOTDEV = 5;
/** `MULTIBOOT2_TAG_TYPE_MMAP`. */
export const MULTIBOOT2_TAG_TYPE_MMAP = 6;
/** `MULTIBOOT2_TAG_TYPE_VBE`. */
export const MULTIBOOT2_TAG_TYPE_VBE = 7;
/** `MULTIBOOT2_TAG_TYPE_FRAMEBUFFER`. */
export const MULTIBOOT2_TAG_TYPE_FRAMEBUFFER = 8;
/** `MULTIBOOT2_TAG_TYPE_ELF_SECTIONS`. */
export const MULTIBOOT2_TAG_TYPE_ELF_SECTIONS = 9;
/** `MULTIBOOT2_TAG_TYPE_APM`. */
export const MULTIBOOT2_TAG_TYPE_APM = 10;
/** `MULTIBOOT2_TAG_TYPE_EFI32`. */
export const MULTIBOOT2_TAG_TYPE_EFI32 = 11;
/** `MULTIBOOT2_TAG_TYPE_EFI64`. */
export const MULTIBOOT2_TAG_TYPE_EFI64 = 12;
/** `MULTIBOOT2_TAG_TYPE_SMBIOS`. */
export const MULTIBOOT2_TAG_TYPE_SMBIOS = 13;
/** `MULTIBOOT2_TAG_TYPE_ACPI_OLD`. */
export const MULTIBOOT2_TAG_TYPE_ACPI_OLD = 14;
/** `MULTIBOOT2_TAG_TYPE_ACPI_NEW`. */
export const MULTIBOOT2_TAG_TYPE_ACPI_NEW = 15;
/** `MULTIBOOT2_TAG_TYPE_NETWORK`. */
export const MULTIBOOT2_TAG_TYPE_NETWORK = 16;
/** `MULTIBOOT2_TAG_TYPE_EFI_MMAP`. */
export const MULTIBOOT2_TAG_TYPE_EFI_MMAP = 17;
/** `MULTIBOOT2_TAG_TYPE_EFI_BS`. */
export const MULTIBOOT2_TAG_TYPE_EFI_BS = 18;
/** `MULTIBOOT2_TAG_TYPE_EFI32_IH`. */
export const MULTIBOOT2_TAG_TYPE_EFI32_IH = 19;
/** `MULTIBOOT2_TAG_TYPE_EFI64_IH`. */
export const MULTIBOOT2_TAG_TYPE_EFI64_IH = 20;
/** `MULTIBOOT2_TAG_TYPE_LOAD_BASE_ADDR`. */
export const MULTIBOOT2_TAG_TYPE_LOAD_BASE_ADDR = 21;

/** Information tag types by value. */
export const MULTIBOOT2_TAG_TYPES: Readonly<Record<number, string>> = {
  0: 'MULTIBOOT2_TAG_TYPE_END',
  1: 'MULTIBOOT2_TAG_TYPE_CMDLINE',
  2: 'MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME',
  3: 'MULTIBOOT2_TAG_TYPE_MODULE',
  4: 'MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO',
  5: 'MULTIBOOT2_TAG_TYPE_BOOTDEV',
  6: 'MULTIBOOT2_TAG_TYPE_MMAP',
  7: 'MULTIBOOT2_TAG_TYPE_VBE',
  8: 'MULTIBOOT2_TAG_TYPE_FRAMEBUFFER',
  9: 'MULTIBOOT2_TAG_TYPE_ELF_SECTIONS',
  10: 'MULTIBOOT2_TAG_TYPE_APM',
  11: 'MULTIBOOT2_TAG_TYPE_EFI32',
  12: 'MULTIBOOT2_TAG_TYPE_EFI64',
  13: 'MULTIBOOT2_TAG_TYPE_SMBIOS',
  14: 'MULTIBOOT2_TAG_TYPE_ACPI_OLD',
  15: 'MULTIBOOT2_TAG_TYPE_ACPI_NEW',
  16: 'MULTIBOOT2_TAG_TYPE_NETWORK',
  17: 'MULTIBOOT2_TAG_TYPE_EFI_MMAP',
  18: 'MULTIBOOT2_TAG_TYPE_EFI_BS',
  19: 'MULTIBOOT2_TAG_TYPE_EFI32_IH',
  20: 'MULTIBOOT2_TAG_TYPE_EFI64_IH',
  21: 'MULTIBOOT2_TAG_TYPE_LOAD_BASE_ADDR',
};

/** `MULTIBOOT2_MEMORY_*` types by value. */
export const MULTIBOOT2_MEMORY_TYPES: Readonly<Record<number, string>> = {
  1: 'MULTIBOOT2_MEMORY_AVAILABLE',
  2: 'MULTIBOOT2_MEMORY_RESERVED',
  3: 'MULTIBOOT2_MEMORY_ACPI_RECLAIMABLE',
  4: 'MULTIBOOT2_MEMORY_NVS',
  5: 'MULTIBOOT2_MEMORY_BADRAM',
};
/** `MULTIBOOT2_MEMORY_AVAILABLE`. */
export const MULTIBOOT2_MEMORY_AVAILABLE = 1;

/** `MULTIBOOT2_FRAMEBUFFER_TYPE_INDEXED`. */
export const MULTIBOOT2_FRAMEBUFFER_TYPE_INDEXED = 0;
/** `MULTIBOOT2_FRAMEBUFFER_TYPE_RGB`. */
export const MULTIBOOT2_FRAMEBUFFER_TYPE_RGB = 1;
/** `MULTIBOOT2_FRAMEBUFFER_TYPE_EGA_TEXT`. */
export const MULTIBOOT2_FRAMEBUFFER_TYPE_EGA_TEXT = 2;

/** The fixed part of the information (8 bytes; tags follow at offset 8). */
export const MULTIBOOT2_INFO = defineLayout({
  name: 'multiboot2_info',
  format: 'multiboot2',
  size: 8,
  fields: {
    /** Bytes of the whole information, this field and the end tag included. */
    totalSize: u32(0),
    /** 0; ignored by the kernel. */
    reserved: u32(4),
  },
});

/** `struct multiboot2_tag` (8 bytes): the head of every information tag. */
export const MULTIBOOT2_TAG = defineLayout({
  name: 'multiboot2_tag',
  format: 'multiboot2',
  size: 8,
  fields: {
    /** `MULTIBOOT2_TAG_TYPE_*`. */
    type: u32(0, { values: MULTIBOOT2_TAG_TYPES }),
    /** Bytes of the tag, head included, padding excluded. */
    size: u32(4),
  },
});

/** `struct multiboot2_tag_module` without its string (16 bytes). */
export const MULTIBOOT2_TAG_MODULE = defineLayout({
  name: 'multiboot2_tag_module',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 3. */
    type: u32(0),
    /** 16 + the string's bytes with its NUL. */
    size: u32(4),
    /** Physical address of the module's first byte. */
    modStart: u32(8),
    /** Physical end address of the module (exclusive, as GRUB writes it). */
    modEnd: u32(12),
  },
});

/** `struct multiboot2_tag_basic_meminfo` (16 bytes). */
export const MULTIBOOT2_TAG_BASIC_MEMINFO = defineLayout({
  name: 'multiboot2_tag_basic_meminfo',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 4. */
    type: u32(0),
    /** 16. */
    size: u32(4),
    /** KiB of lower memory. */
    memLower: u32(8),
    /** KiB of upper memory from 1 MiB. */
    memUpper: u32(12),
  },
});

/** `struct multiboot2_tag_bootdev` (20 bytes). */
export const MULTIBOOT2_TAG_BOOTDEV = defineLayout({
  name: 'multiboot2_tag_bootdev',
  format: 'multiboot2',
  size: 20,
  fields: {
    /** 5. */
    type: u32(0),
    /** 20. */
    size: u32(4),
    /** BIOS drive number. */
    biosdev: u32(8),
    /** Top-level partition (0xffffffff: none); the specification calls it `partition`. */
    slice: u32(12),
    /** Sub-partition (0xffffffff: none); the specification calls it `sub_partition`. */
    part: u32(16),
  },
});

/** The head of `struct multiboot2_tag_mmap` (16 bytes; entries follow). */
export const MULTIBOOT2_TAG_MMAP = defineLayout({
  name: 'multiboot2_tag_mmap',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 6. */
    type: u32(0),
    /** 16 + the entries. */
    size: u32(4),
    /** Bytes from one entry to the next (24 today, a multiple of 8). */
    entrySize: u32(8),
    /** 0. */
    entryVersion: u32(12),
  },
});

/** `struct multiboot2_mmap_entry` (24 bytes). */
export const MULTIBOOT2_MMAP_ENTRY = defineLayout({
  name: 'multiboot2_mmap_entry',
  format: 'multiboot2',
  size: 24,
  fields: {
    /** First physical address (`base_addr` in the text). */
    addr: u64(0),
    /** Bytes (`length` in the text). */
    len: u64(8),
    /** `MULTIBOOT2_MEMORY_*`. */
    type: u32(16, { values: MULTIBOOT2_MEMORY_TYPES }),
    /** 0 (`reserved` in the text). */
    zero: u32(20),
  },
});

/** `struct multiboot2_tag_vbe` (784 bytes). */
export const MULTIBOOT2_TAG_VBE = defineLayout({
  name: 'multiboot2_tag_vbe',
  format: 'multiboot2',
  size: 784,
  fields: {
    /** 7. */
    type: u32(0),
    /** 784. */
    size: u32(4),
    /** Current VBE mode. */
    vbeMode: u16(8),
    /** Protected mode interface segment. */
    vbeInterfaceSeg: u16(10),
    /** Protected mode interface offset. */
    vbeInterfaceOff: u16(12),
    /** Protected mode interface length. */
    vbeInterfaceLen: u16(14),
    /** VBE function 00h's VbeInfoBlock. */
    vbeControlInfo: bytes(16, 512),
    /** VBE function 01h's ModeInfoBlock. */
    vbeModeInfo: bytes(528, 256),
  },
});

/** `struct multiboot2_tag_framebuffer_common` (32 bytes; colour information follows). */
export const MULTIBOOT2_TAG_FRAMEBUFFER_COMMON = defineLayout({
  name: 'multiboot2_tag_framebuffer_common',
  format: 'multiboot2',
  size: 32,
  fields: {
    /** 8. */
    type: u32(0),
    /** 32 + the colour information. */
    size: u32(4),
    /** Physical address of the framebuffer. */
    framebufferAddr: u64(8),
    /** Bytes per line. */
    framebufferPitch: u32(16),
    /** Width in pixels (characters for EGA text). */
    framebufferWidth: u32(20),
    /** Height in pixels (characters for EGA text). */
    framebufferHeight: u32(24),
    /** Bits per pixel. */
    framebufferBpp: u8(28),
    /** `MULTIBOOT2_FRAMEBUFFER_TYPE_*`. */
    framebufferType: u8(29, { values: { 0: 'MULTIBOOT2_FRAMEBUFFER_TYPE_INDEXED', 1: 'MULTIBOOT2_FRAMEBUFFER_TYPE_RGB', 2: 'MULTIBOOT2_FRAMEBUFFER_TYPE_EGA_TEXT' } }),
    /** 0 (a u16 in GRUB's header). */
    reserved: u16(30),
  },
});

/** The RGB colour information of a framebuffer tag (6 bytes at offset 32). */
export const MULTIBOOT2_FRAMEBUFFER_RGB = defineLayout({
  name: 'multiboot2_framebuffer_rgb',
  format: 'multiboot2',
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

/** The head of `struct multiboot2_tag_elf_sections` (20 bytes; section headers follow). */
export const MULTIBOOT2_TAG_ELF_SECTIONS = defineLayout({
  name: 'multiboot2_tag_elf_sections',
  format: 'multiboot2',
  size: 20,
  fields: {
    /** 9. */
    type: u32(0),
    /** 20 + the section headers. */
    size: u32(4),
    /** Number of section headers (u32 as GRUB writes it). */
    num: u32(8),
    /** Bytes per section header (u32). */
    entsize: u32(12),
    /** Index of the section name string table (u32). */
    shndx: u32(16),
  },
});

/** `struct multiboot2_tag_apm` (28 bytes). */
export const MULTIBOOT2_TAG_APM = defineLayout({
  name: 'multiboot2_tag_apm',
  format: 'multiboot2',
  size: 28,
  fields: {
    /** 10. */
    type: u32(0),
    /** 28. */
    size: u32(4),
    /** APM version. */
    version: u16(8),
    /** 32-bit code segment. */
    cseg: u16(10),
    /** Entry point offset. */
    offset: u32(12),
    /** 16-bit code segment. */
    cseg16: u16(16, { spec: 'cseg_16' }),
    /** 16-bit data segment. */
    dseg: u16(18),
    /** APM flags. */
    flags: u16(20),
    /** 32-bit code segment length. */
    csegLen: u16(22),
    /** 16-bit code segment length. */
    cseg16Len: u16(24, { spec: 'cseg_16_len' }),
    /** 16-bit data segment length. */
    dsegLen: u16(26),
  },
});

/** `struct multiboot2_tag_efi64` (16 bytes; also the EFI64 image handle tag). The pointer is at offset 8. */
export const MULTIBOOT2_TAG_EFI64 = defineLayout({
  name: 'multiboot2_tag_efi64',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 12 or 20. */
    type: u32(0),
    /** 16. */
    size: u32(4),
    /** The EFI system table or image handle. */
    pointer: u64(8),
  },
});

/** `struct multiboot2_tag_smbios` without its tables (16 bytes). */
export const MULTIBOOT2_TAG_SMBIOS = defineLayout({
  name: 'multiboot2_tag_smbios',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 13. */
    type: u32(0),
    /** 16 + the tables. */
    size: u32(4),
    /** SMBIOS major version. */
    major: u8(8),
    /** SMBIOS minor version. */
    minor: u8(9),
    /** 0. */
    reserved: bytes(10, 6),
  },
});

/** The head of `struct multiboot2_tag_efi_mmap` (16 bytes; the EFI memory map follows). */
export const MULTIBOOT2_TAG_EFI_MMAP = defineLayout({
  name: 'multiboot2_tag_efi_mmap',
  format: 'multiboot2',
  size: 16,
  fields: {
    /** 17. */
    type: u32(0),
    /** 16 + the map. */
    size: u32(4),
    /** `DescriptorSize` as `GetMemoryMap()` returned it. */
    descrSize: u32(8),
    /** `DescriptorVersion`. */
    descrVers: u32(12),
  },
});

/**
 * A decoded `multiboot2_mmap_entry`.
 *
 * @interface
 */
export type Mb2MmapEntry = Decoded<typeof MULTIBOOT2_MMAP_ENTRY.fields> & {
  /** Bytes of the entry beyond the 24 known ones, when `entry_size` is larger. */
  extra?: Uint8Array;
};

/**
 * Decoded RGB colour information.
 *
 * @interface
 */
export type Mb2FramebufferRgb = Decoded<typeof MULTIBOOT2_FRAMEBUFFER_RGB.fields>;

/** One palette colour. */
export interface Mb2Color {
  /** Red. */
  red: number;
  /** Green. */
  green: number;
  /** Blue. */
  blue: number;
}

/** What every decoded tag has. */
export interface Mb2TagBase {
  /** `MULTIBOOT2_TAG_TYPE_*`. */
  type: number;
  /** The tag's `size` (head included, padding excluded). */
  size: number;
  /** Bytes inside `size` after what the type defines (after a string's NUL, after the last entry …); absent when none. */
  tail?: Uint8Array;
  /** The padding after `size` up to the next 8-byte boundary, when it is not all zero (GRUB leaves garbage there). */
  padding?: Uint8Array;
}

/** Tags 1 (`cmdline`) and 2 (`boot-loader-name`): a NUL-terminated UTF-8 string. */
export interface Mb2StringTag extends Mb2TagBase {
  /** Which string. */
  kind: 'cmdline' | 'boot-loader-name';
  /** The string (invalid UTF-8 becomes U+FFFD). */
  string: string;
}

/** Tag 3: one module. */
export interface Mb2ModuleTag extends Mb2TagBase {
  /** `module`. */
  kind: 'module';
  /** Physical address of the module's first byte. */
  modStart: number;
  /** Physical end address (exclusive, as GRUB writes it). */
  modEnd: number;
  /** The module's string (the rest of GRUB's `module2` line). */
  string: string;
}

/** Tag 4: lower and upper memory in KiB. */
export interface Mb2BasicMeminfoTag extends Mb2TagBase {
  /** `basic-meminfo`. */
  kind: 'basic-meminfo';
  /** KiB of lower memory (at most 640). */
  memLower: number;
  /** KiB of upper memory from 1 MiB up to the first hole. */
  memUpper: number;
}

/** Tag 5: the BIOS boot device. */
export interface Mb2BootdevTag extends Mb2TagBase {
  /** `bootdev`. */
  kind: 'bootdev';
  /** BIOS drive number (0x80 first hard disk, 0xe0 a CD with GRUB). */
  biosdev: number;
  /** Top-level partition; 0xffffffff when unused. */
  slice: number;
  /** Sub-partition; 0xffffffff when unused. */
  part: number;
}

/** Tag 6: the memory map, entries `entry_size` bytes apart. */
export interface Mb2MmapTag extends Mb2TagBase {
  /** `mmap`. */
  kind: 'mmap';
  /** Bytes from one entry to the next (at least 24). */
  entrySize: number;
  /** 0. */
  entryVersion: number;
  /** The whole entries that fit the tag. */
  entries: Mb2MmapEntry[];
}

/** Tag 7: VBE information. */
export interface Mb2VbeTag extends Mb2TagBase {
  /** `vbe`. */
  kind: 'vbe';
  /** Current VBE mode. */
  vbeMode: number;
  /** Protected mode interface segment. */
  vbeInterfaceSeg: number;
  /** Protected mode interface offset. */
  vbeInterfaceOff: number;
  /** Protected mode interface length. */
  vbeInterfaceLen: number;
  /** The 512-byte VbeInfoBlock (function 00h). */
  vbeControlInfo: Uint8Array;
  /** The 256-byte ModeInfoBlock (function 01h). */
  vbeModeInfo: Uint8Array;
}

/** Tag 8: framebuffer information and its colour information. */
export interface Mb2FramebufferTag extends Mb2TagBase {
  /** `framebuffer`. */
  kind: 'framebuffer';
  /** Physical address of the framebuffer. */
  framebufferAddr: bigint;
  /** Bytes per line. */
  framebufferPitch: number;
  /** Width in pixels (characters for EGA text). */
  framebufferWidth: number;
  /** Height in pixels (characters for EGA text). */
  framebufferHeight: number;
  /** Bits per pixel. */
  framebufferBpp: number;
  /** `MULTIBOOT2_FRAMEBUFFER_TYPE_*`. */
  framebufferType: number;
  /** The u16 at offset 30 (0). */
  reserved: number;
  /** Indexed: the palette (its count is a u16 at offset 32, the colours from 34). */
  palette?: Mb2Color[];
  /** RGB: field positions and mask sizes. */
  rgb?: Mb2FramebufferRgb;
}

/** Tag 9: the kernel's ELF section headers. */
export interface Mb2ElfSectionsTag extends Mb2TagBase {
  /** `elf-sections`. */
  kind: 'elf-sections';
  /** Number of section headers (u32). */
  num: number;
  /** Bytes per section header (u32). */
  entsize: number;
  /** Index of the section name string table (u32). */
  shndx: number;
  /** The section headers: every byte after the 20-byte head. */
  sections: Uint8Array;
}

/** Tag 10: the APM table. */
export interface Mb2ApmTag extends Mb2TagBase {
  /** `apm`. */
  kind: 'apm';
  /** APM version. */
  version: number;
  /** 32-bit code segment. */
  cseg: number;
  /** Entry point offset. */
  offset: number;
  /** 16-bit code segment. */
  cseg16: number;
  /** 16-bit data segment. */
  dseg: number;
  /** APM flags. */
  flags: number;
  /** 32-bit code segment length. */
  csegLen: number;
  /** 16-bit code segment length. */
  cseg16Len: number;
  /** 16-bit data segment length. */
  dsegLen: number;
}

/** Tags 11 (`efi32`, system table) and 19 (`efi32-ih`, image handle): a 32-bit pointer. */
export interface Mb2Efi32Tag extends Mb2TagBase {
  /** Which pointer (trust the tag type). */
  kind: 'efi32' | 'efi32-ih';
  /** The pointer. */
  pointer: number;
}

/** Tags 12 (`efi64`, system table) and 20 (`efi64-ih`, image handle): a 64-bit pointer. */
export interface Mb2Efi64Tag extends Mb2TagBase {
  /** Which pointer (trust the tag type). */
  kind: 'efi64' | 'efi64-ih';
  /** The pointer. */
  pointer: bigint;
}

/** Tag 13: a copy of the SMBIOS tables. */
export interface Mb2SmbiosTag extends Mb2TagBase {
  /** `smbios`. */
  kind: 'smbios';
  /** SMBIOS major version. */
  major: number;
  /** SMBIOS minor version. */
  minor: number;
  /** 6 reserved bytes (0). */
  reserved: Uint8Array;
  /** The tables. */
  tables: Uint8Array;
}

/** Tags 14 (`acpi-old`, ACPI 1.0) and 15 (`acpi-new`, ACPI 2.0+): a copy of the RSDP. */
export interface Mb2AcpiTag extends Mb2TagBase {
  /** Which RSDP. */
  kind: 'acpi-old' | 'acpi-new';
  /** The RSDP's bytes. */
  rsdp: Uint8Array;
}

/** Tag 16: a DHCP ACK (one tag per network card). */
export interface Mb2NetworkTag extends Mb2TagBase {
  /** `network`. */
  kind: 'network';
  /** The DHCP ACK packet. */
  dhcpack: Uint8Array;
}

/** Tag 17: the EFI memory map, raw (decode it with {@link mb2EfiMemoryMap}). */
export interface Mb2EfiMmapTag extends Mb2TagBase {
  /** `efi-mmap`. */
  kind: 'efi-mmap';
  /** `DescriptorSize`. */
  descrSize: number;
  /** `DescriptorVersion`. */
  descrVers: number;
  /** The map's bytes. */
  efiMmap: Uint8Array;
}

/** Tags 0 (`end`) and 18 (`efi-bs`, boot services not terminated): no payload. */
export interface Mb2EmptyTag extends Mb2TagBase {
  /** Which. */
  kind: 'end' | 'efi-bs';
}

/** Tag 21: the image's load base address (a relocatable image). */
export interface Mb2LoadBaseAddrTag extends Mb2TagBase {
  /** `load-base-addr`. */
  kind: 'load-base-addr';
  /** Physical address the image was loaded at. */
  loadBaseAddr: number;
}

/** A tag of a type this module does not know: its payload kept raw. */
export interface Mb2UnknownTag extends Mb2TagBase {
  /** `unknown`. */
  kind: 'unknown';
  /** The bytes after the 8-byte head, within `size`. */
  data: Uint8Array;
}

/** A decoded information tag, by `kind`; tags of an unknown type keep their payload raw. */
export type Mb2Tag =
  | Mb2StringTag
  | Mb2ModuleTag
  | Mb2BasicMeminfoTag
  | Mb2BootdevTag
  | Mb2MmapTag
  | Mb2VbeTag
  | Mb2FramebufferTag
  | Mb2ElfSectionsTag
  | Mb2ApmTag
  | Mb2Efi32Tag
  | Mb2Efi64Tag
  | Mb2SmbiosTag
  | Mb2AcpiTag
  | Mb2NetworkTag
  | Mb2EfiMmapTag
  | Mb2EmptyTag
  | Mb2LoadBaseAddrTag
  | Mb2UnknownTag;

/** The `kind` of each tag type. */
export const MB2_TAG_KINDS: Readonly<Record<number, Mb2Tag['kind']>> = {
  0: 'end',
  1: 'cmdline',
  2: 'boot-loader-name',
  3: 'module',
  4: 'basic-meminfo',
  5: 'bootdev',
  6: 'mmap',
  7: 'vbe',
  8: 'framebuffer',
  9: 'elf-sections',
  10: 'apm',
  11: 'efi32',
  12: 'efi64',
  13: 'smbios',
  14: 'acpi-old',
  15: 'acpi-new',
  16: 'network',
  17: 'efi-mmap',
  18: 'efi-bs',
  19: 'efi32-ih',
  20: 'efi64-ih',
  21: 'load-base-addr',
};

/** The type number of each `kind`. */
export const MB2_TAG_TYPE_OF: Readonly<Record<Exclude<Mb2Tag['kind'], 'unknown'>, number>> = Object.fromEntries(
  Object.entries(MB2_TAG_KINDS).map(([t, k]) => [k, Number(t)]),
) as Record<Exclude<Mb2Tag['kind'], 'unknown'>, number>;

/** The smallest `size` each tag type needs to be read. */
export const MB2_TAG_MIN_SIZES: Readonly<Record<number, number>> = {
  0: 8,
  1: 9,
  2: 9,
  3: 17,
  4: 16,
  5: 20,
  6: 16,
  7: 784,
  8: 32,
  9: 20,
  10: 28,
  11: 12,
  12: 16,
  13: 16,
  14: 8,
  15: 8,
  16: 8,
  17: 16,
  18: 8,
  19: 12,
  20: 16,
  21: 12,
};

/** Sizes the specification fixes. */
export const MB2_TAG_FIXED_SIZES: Readonly<Record<number, number>> = { 0: 8, 4: 16, 5: 20, 7: 784, 10: 28, 11: 12, 12: 16, 18: 8, 19: 12, 20: 16, 21: 12 };

/**
 * A decoded information structure.
 */
export interface Mb2Info {
  /** `total_size`. */
  totalSize: number;
  /** `reserved` (0). */
  reserved: number;
  /** The tags, in order, without the end tag. */
  tags: Mb2Tag[];
  /** Whether an end tag closed the list within `total_size`. */
  ended: boolean;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();
const align8 = (n: number): number => (n + 7) & ~7;

function fail(code: 'TRUNCATED' | 'BAD_VALUE' | 'UNTERMINATED' | 'LIMIT', structure: string, field: string | undefined, offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: 'multiboot2', structure, ...(field === undefined ? {} : { field }), offset, reason });
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

function withTail<T extends Mb2TagBase>(tag: T, bytes: Uint8Array, from: number, to: number): T {
  if (to > from) tag.tail = bytes.slice(from, to);
  return tag;
}

/** Reads a NUL-terminated string from `o` up to `end`; returns the text and where the NUL is. */
function tagString(bytes: Uint8Array, o: number, end: number, structure: string): { text: string; nul: number } {
  const nul = bytes.subarray(o, end).indexOf(0);
  if (nul < 0) throw fail('UNTERMINATED', structure, 'string', o, 'no NUL within the tag');
  return { text: utf8.decode(bytes.subarray(o, o + nul)), nul: o + nul };
}

/**
 * Decodes the tag at `o` in `bytes` whose `size` has been checked to fit.
 * Offsets in errors are relative to `bytes`.
 */
export function decodeMb2Tag(bytes: Uint8Array, o = 0): Mb2Tag {
  if (!(Number.isInteger(o) && o >= 0 && o + 8 <= bytes.length)) throw fail('TRUNCATED', 'multiboot2_tag', undefined, o, 'a tag head needs 8 bytes');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint32(o, true);
  const size = dv.getUint32(o + 4, true);
  if (size < 8) throw fail('BAD_VALUE', 'multiboot2_tag', 'size', o, `tag size ${size} is below 8`);
  if (size > bytes.length - o) throw fail('TRUNCATED', 'multiboot2_tag', 'size', o, `tag of ${size} bytes runs past the ${bytes.length - o} bytes left`);
  const kind = MB2_TAG_KINDS[type];
  const end = o + size;
  if (kind === undefined) return { type, size, kind: 'unknown', data: bytes.slice(o + 8, end) };
  const min = MB2_TAG_MIN_SIZES[type] ?? 8;
  const structure = `multiboot2_tag (${kind})`;
  if (size < min) throw fail('BAD_VALUE', structure, 'size', o, `${kind} tag of ${size} bytes, needs at least ${min}`);
  switch (kind) {
    case 'end':
    case 'efi-bs':
      return withTail({ type, size, kind }, bytes, o + 8, end);
    case 'cmdline':
    case 'boot-loader-name': {
      const s = tagString(bytes, o + 8, end, structure);
      return withTail({ type, size, kind, string: s.text }, bytes, s.nul + 1, end);
    }
    case 'module': {
      const s = tagString(bytes, o + 16, end, structure);
      return withTail({ type, size, kind, modStart: dv.getUint32(o + 8, true), modEnd: dv.getUint32(o + 12, true), string: s.text }, bytes, s.nul + 1, end);
    }
    case 'basic-meminfo':
      return withTail({ type, size, kind, memLower: dv.getUint32(o + 8, true), memUpper: dv.getUint32(o + 12, true) }, bytes, o + 16, end);
    case 'bootdev':
      return withTail({ type, size, kind, biosdev: dv.getUint32(o + 8, true), slice: dv.getUint32(o + 12, true), part: dv.getUint32(o + 16, true) }, bytes, o + 20, end);
    case 'mmap': {
      const entrySize = dv.getUint32(o + 8, true);
      const entryVersion = dv.getUint32(o + 12, true);
      if (entrySize < MULTIBOOT2_MMAP_ENTRY.size) throw fail('BAD_VALUE', structure, 'entry_size', o + 8, `entry_size ${entrySize} is below 24`);
      const entries: Mb2MmapEntry[] = [];
      let p = o + 16;
      for (; p + entrySize <= end; p += entrySize) {
        const e: Mb2MmapEntry = decodeLayout(MULTIBOOT2_MMAP_ENTRY, bytes, p);
        if (entrySize > 24) e.extra = bytes.slice(p + 24, p + entrySize);
        entries.push(e);
      }
      return withTail({ type, size, kind, entrySize, entryVersion, entries }, bytes, p, end);
    }
    case 'vbe': {
      const { type: _t, size: _s, ...v } = decodeLayout(MULTIBOOT2_TAG_VBE, bytes, o);
      return withTail({ type, size, kind, ...v }, bytes, o + 784, end);
    }
    case 'framebuffer': {
      const { type: _t, size: _s, ...c } = decodeLayout(MULTIBOOT2_TAG_FRAMEBUFFER_COMMON, bytes, o);
      const tag: Mb2Tag = { type, size, kind, ...c };
      let used = o + 32;
      if (c.framebufferType === MULTIBOOT2_FRAMEBUFFER_TYPE_INDEXED && size >= 34) {
        const n = dv.getUint16(o + 32, true);
        if (34 + 3 * n > size) throw fail('BAD_VALUE', structure, 'framebuffer_palette_num_colors', o + 32, `${n} colours do not fit a tag of ${size} bytes`);
        const palette: Mb2Color[] = [];
        for (let i = 0; i < n; i++) palette.push({ red: bytes[o + 34 + 3 * i] ?? 0, green: bytes[o + 35 + 3 * i] ?? 0, blue: bytes[o + 36 + 3 * i] ?? 0 });
        tag.palette = palette;
        used = o + 34 + 3 * n;
      } else if (c.framebufferType === MULTIBOOT2_FRAMEBUFFER_TYPE_RGB && size >= 38) {
        tag.rgb = decodeLayout(MULTIBOOT2_FRAMEBUFFER_RGB, bytes, o + 32);
        used = o + 38;
      }
      return withTail(tag, bytes, used, end);
    }
    case 'elf-sections':
      return { type, size, kind, num: dv.getUint32(o + 8, true), entsize: dv.getUint32(o + 12, true), shndx: dv.getUint32(o + 16, true), sections: bytes.slice(o + 20, end) };
    case 'apm': {
      const { type: _t, size: _s, ...a } = decodeLayout(MULTIBOOT2_TAG_APM, bytes, o);
      return withTail({ type, size, kind, ...a }, bytes, o + 28, end);
    }
    case 'efi32':
    case 'efi32-ih':
      return withTail({ type, size, kind, pointer: dv.getUint32(o + 8, true) }, bytes, o + 12, end);
    case 'efi64':
    case 'efi64-ih':
      return withTail({ type, size, kind, pointer: decodeLayout(MULTIBOOT2_TAG_EFI64, bytes, o).pointer }, bytes, o + 16, end);
    case 'smbios': {
      const s = decodeLayout(MULTIBOOT2_TAG_SMBIOS, bytes, o);
      return { type, size, kind, major: s.major, minor: s.minor, reserved: s.reserved, tables: bytes.slice(o + 16, end) };
    }
    case 'acpi-old':
    case 'acpi-new':
      return { type, size, kind, rsdp: bytes.slice(o + 8, end) };
    case 'network':
      return { type, size, kind, dhcpack: bytes.slice(o + 8, end) };
    case 'efi-mmap':
      return { type, size, kind, descrSize: dv.getUint32(o + 8, true), descrVers: dv.getUint32(o + 12, true), efiMmap: bytes.slice(o + 16, end) };
    case 'load-base-addr':
      return withTail({ type, size, kind, loadBaseAddr: dv.getUint32(o + 8, true) }, bytes, o + 12, end);
    case 'unknown':
      return { type, size, kind, data: bytes.slice(o + 8, end) };
  }
}

/** The bytes of a tag's payload as {@link encodeMb2Tag} writes them (head included, padding excluded). */
function tagBody(tag: Mb2Tag): Uint8Array {
  const parts: Uint8Array[] = [];
  const u32s = (...v: number[]): Uint8Array => {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setUint32(4 * i, x, true));
    return b;
  };
  const cstr = (s: string): Uint8Array => {
    const t = encoder.encode(s);
    const b = new Uint8Array(t.length + 1);
    b.set(t);
    return b;
  };
  switch (tag.kind) {
    case 'end':
    case 'efi-bs':
      break;
    case 'cmdline':
    case 'boot-loader-name':
      parts.push(cstr(tag.string));
      break;
    case 'module':
      parts.push(u32s(tag.modStart, tag.modEnd), cstr(tag.string));
      break;
    case 'basic-meminfo':
      parts.push(u32s(tag.memLower, tag.memUpper));
      break;
    case 'bootdev':
      parts.push(u32s(tag.biosdev, tag.slice, tag.part));
      break;
    case 'mmap':
      parts.push(u32s(tag.entrySize, tag.entryVersion));
      for (const e of tag.entries) {
        const b = new Uint8Array(Math.max(24, tag.entrySize));
        encodeLayout(MULTIBOOT2_MMAP_ENTRY, { addr: e.addr, len: e.len, type: e.type, zero: e.zero }, b);
        if (e.extra !== undefined) b.set(e.extra.subarray(0, b.length - 24), 24);
        parts.push(b);
      }
      break;
    case 'vbe':
      parts.push(encodeLayout(MULTIBOOT2_TAG_VBE, { ...tag, type: tag.type, size: tag.size }).subarray(8));
      break;
    case 'framebuffer': {
      parts.push(encodeLayout(MULTIBOOT2_TAG_FRAMEBUFFER_COMMON, { ...tag, type: tag.type, size: tag.size }).subarray(8));
      if (tag.palette !== undefined) {
        const b = new Uint8Array(2 + 3 * tag.palette.length);
        new DataView(b.buffer).setUint16(0, tag.palette.length, true);
        tag.palette.forEach((c, i) => b.set([c.red, c.green, c.blue], 2 + 3 * i));
        parts.push(b);
      } else if (tag.rgb !== undefined) parts.push(encodeLayout(MULTIBOOT2_FRAMEBUFFER_RGB, tag.rgb));
      break;
    }
    case 'elf-sections':
      parts.push(u32s(tag.num, tag.entsize, tag.shndx), tag.sections);
      break;
    case 'apm':
      parts.push(encodeLayout(MULTIBOOT2_TAG_APM, { ...tag, type: tag.type, size: tag.size }).subarray(8));
      break;
    case 'efi32':
    case 'efi32-ih':
      parts.push(u32s(tag.pointer));
      break;
    case 'efi64':
    case 'efi64-ih':
      parts.push(encodeLayout(MULTIBOOT2_TAG_EFI64, { type: tag.type, size: tag.size, pointer: tag.pointer }).subarray(8));
      break;
    case 'smbios':
      parts.push(new Uint8Array([tag.major, tag.minor]), tag.reserved.subarray(0, 6), new Uint8Array(Math.max(0, 6 - tag.reserved.length)), tag.tables);
      break;
    case 'acpi-old':
    case 'acpi-new':
      parts.push(tag.rsdp);
      break;
    case 'network':
      parts.push(tag.dhcpack);
      break;
    case 'efi-mmap':
      parts.push(u32s(tag.descrSize, tag.descrVers), tag.efiMmap);
      break;
    case 'load-base-addr':
      parts.push(u32s(tag.loadBaseAddr));
      break;
    case 'unknown':
      parts.push(tag.data);
      break;
  }
  if (tag.tail !== undefined) parts.push(tag.tail);
  const len = 8 + parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, tag.type, true);
  dv.setUint32(4, len, true);
  let o = 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The `size` {@link encodeMb2Tag} gives a tag: computed from its contents (its `size` field is not trusted). */
export function mb2TagSize(tag: Mb2Tag): number {
  return tagBody(tag).length;
}

/**
 * Encodes one tag: the head with a `size` computed from the contents, the
 * payload, then its `padding` (or zeros) up to the next 8-byte boundary.
 */
export function encodeMb2Tag(tag: Mb2Tag): Uint8Array {
  const body = tagBody(tag);
  const out = new Uint8Array(align8(body.length));
  out.set(body);
  if (tag.padding !== undefined) out.set(tag.padding.subarray(0, out.length - body.length), body.length);
  return out;
}

/** The most tags read from one information structure. */
export const MB2_MAX_TAGS = 65536;

/**
 * Decodes a Multiboot 2 information structure at `offset`: `total_size`
 * (`TRUNCATED` if the bytes are shorter; `BAD_VALUE` below 8), then each tag
 * at the next 8-byte boundary until the end tag or `total_size`. A tag that
 * runs past `total_size` throws `TRUNCATED`; padding is read as it is (kept
 * on the tag when not zero). Tags of unknown types are kept raw.
 */
export function decodeMb2Info(bytes: Uint8Array, offset = 0): Mb2Info {
  const fixed = decodeLayout(MULTIBOOT2_INFO, bytes, offset);
  if (fixed.totalSize < 8) throw fail('BAD_VALUE', 'multiboot2_info', 'total_size', offset, `total_size ${fixed.totalSize} is below 8`);
  if (fixed.totalSize > bytes.length - offset) {
    throw fail('TRUNCATED', 'multiboot2_info', 'total_size', offset, `total_size ${fixed.totalSize} runs past the ${bytes.length - offset} bytes given`);
  }
  const window = bytes.subarray(offset, offset + fixed.totalSize);
  const tags: Mb2Tag[] = [];
  let ended = false;
  let o = 8;
  while (o < window.length) {
    if (tags.length >= MB2_MAX_TAGS) throw fail('LIMIT', 'multiboot2_tag', undefined, offset + o, `more than ${MB2_MAX_TAGS} tags`);
    let tag: Mb2Tag;
    try {
      tag = decodeMb2Tag(window, o);
    } catch (e) {
      if (e instanceof BootprotoError) {
        throw new BootprotoError({ code: e.code, format: e.format, structure: e.structure, ...(e.field === undefined ? {} : { field: e.field }), offset: offset + e.offset, reason: e.reason });
      }
      throw e;
    }
    const next = align8(o + tag.size);
    const pad = window.subarray(o + tag.size, Math.min(next, window.length));
    if (!isZero(pad)) tag.padding = pad.slice();
    if (tag.kind === 'end') {
      ended = true;
      break;
    }
    tags.push(tag);
    o = next;
  }
  return { totalSize: fixed.totalSize, reserved: fixed.reserved, tags, ended };
}

/**
 * Encodes an information structure: the fixed part, each tag 8-byte
 * aligned, and an end tag. `total_size` is computed (the given one is not
 * used).
 */
export function encodeMb2Info(info: Pick<Mb2Info, 'tags'> & Partial<Pick<Mb2Info, 'reserved'>>, into?: Uint8Array, offset = 0): Uint8Array {
  const parts = info.tags.filter((t) => t.kind !== 'end').map(encodeMb2Tag);
  const total = 8 + parts.reduce((a, p) => a + p.length, 0) + 8;
  const out = into ?? new Uint8Array(offset + total);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + total <= out.length)) throw fail('TRUNCATED', 'multiboot2_info', undefined, offset, `${total} bytes do not fit`);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(offset, total, true);
  dv.setUint32(offset + 4, info.reserved ?? 0, true);
  let o = offset + 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  dv.setUint32(o, 0, true);
  dv.setUint32(o + 4, 8, true);
  return out;
}

/** Bytes {@link encodeMb2Info} writes. */
export function mb2InfoByteLength(info: Pick<Mb2Info, 'tags'>): number {
  return 16 + info.tags.filter((t) => t.kind !== 'end').reduce((a, t) => a + align8(mb2TagSize(t)), 0);
}

/** The member of {@link Mb2Tag} whose `kind` includes `K` (`Mb2TagOf<'cmdline'>` is {@link Mb2StringTag}). */
export type Mb2TagOf<K extends Mb2Tag['kind']> = Mb2Tag extends infer T ? (T extends Mb2Tag ? (K extends T['kind'] ? T : never) : never) : never;

/** Tags of one kind, in order. */
export function mb2Tags<K extends Mb2Tag['kind']>(info: Pick<Mb2Info, 'tags'>, kind: K): Mb2TagOf<K>[] {
  return info.tags.filter((t): t is Mb2TagOf<K> => t.kind === kind);
}

/** The first tag of one kind, or undefined. */
export function mb2Tag<K extends Mb2Tag['kind']>(info: Pick<Mb2Info, 'tags'>, kind: K): Mb2TagOf<K> | undefined {
  return info.tags.find((t): t is Mb2TagOf<K> => t.kind === kind);
}

/**
 * Decodes the EFI memory map an EFI-mmap tag carries, with the efi-memmap
 * module (descriptors `descr_size` bytes apart). Throws that module's
 * `BootprotoError` (format `efi-memmap`) when the descriptor size is below 40.
 */
export function mb2EfiMemoryMap(tag: Mb2TagOf<'efi-mmap'>): EfiMemoryMap {
  return decodeMemoryMap(tag.efiMmap, { descriptorSize: tag.descrSize, descriptorVersion: tag.descrVers });
}
