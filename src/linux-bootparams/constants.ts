/**
 * Constants of the x86 Linux boot protocol: magic numbers, the `loadflags`
 * and `xloadflags` bits, `setup_data` types, e820 types, boot loader ids and
 * hardware subarchitectures. Names and values are those of
 * `arch/x86/include/uapi/asm/bootparam.h`, `uapi/asm/setup_data.h`,
 * `asm/e820/types.h` and `Documentation/arch/x86/boot.rst`.
 *
 * @module
 */

/** `"HdrS"` (0x53726448), the setup header's magic at file offset 0x202. */
export const HDRS_MAGIC = 0x53726448;
/** `boot_flag`: 0xAA55 at 0x1FE, the oldest thing resembling a magic number. */
export const BOOT_FLAG_MAGIC = 0xaa55;
/** `"LToP"` (0x506f544c), the `kernel_info` header. */
export const KERNEL_INFO_MAGIC = 0x506f544c;
/** Byte offset of `struct setup_header` in a kernel image and in `boot_params` (0x1F1). */
export const SETUP_HEADER_OFFSET = 0x1f1;
/** The size of a "sector" in the boot protocol, whatever the medium (512). */
export const SECTOR_SIZE = 512;
/** `setup_sects` 0 means this many sectors (boot.rst, note 1). */
export const SETUP_SECTS_DEFAULT = 4;
/** `E820_MAX_ENTRIES_ZEROPAGE`: slots of `boot_params.e820_table` (128). */
export const E820_MAX_ENTRIES_ZEROPAGE = 128;
/** `EDDMAXNR`: slots of `boot_params.eddbuf` (6). */
export const EDDMAXNR = 6;
/** `EDD_MBR_SIG_MAX`: slots of `boot_params.edd_mbr_sig_buffer` (16). */
export const EDD_MBR_SIG_MAX = 16;
/** `EFI32_LOADER_SIGNATURE`: `"EL32"` read as a little-endian u32. */
export const EFI32_LOADER_SIGNATURE = 0x32334c45;
/** `EFI64_LOADER_SIGNATURE`: `"EL64"` read as a little-endian u32. */
export const EFI64_LOADER_SIGNATURE = 0x34364c45;
/** The command-line bound before protocol 2.06 introduced `cmdline_size` (255 characters). */
export const CMDLINE_SIZE_BEFORE_2_06 = 255;
/** `initrd_addr_max` assumed for protocols 2.02 and older (0x37FFFFFF). */
export const INITRD_ADDR_MAX_BEFORE_2_03 = 0x37ffffff;

// loadflags ------------------------------------------------------------------

/** `LOADED_HIGH` (bit 0, read): the protected-mode code is loaded at 0x100000 (a bzImage). */
export const LOADED_HIGH = 1 << 0;
/** `KASLR_FLAG` (bit 1, kernel internal): KASLR was enabled by the decompressor. */
export const KASLR_FLAG = 1 << 1;
/** `QUIET_FLAG` (bit 5, write): suppress early messages. */
export const QUIET_FLAG = 1 << 5;
/** `KEEP_SEGMENTS` (bit 6, obsolete, protocol 2.07+). */
export const KEEP_SEGMENTS = 1 << 6;
/** `CAN_USE_HEAP` (bit 7, write): `heap_end_ptr` is valid. */
export const CAN_USE_HEAP = 1 << 7;

/** The `loadflags` bits by name. */
export const LOADFLAGS: Readonly<Record<string, number>> = { LOADED_HIGH, KASLR_FLAG, QUIET_FLAG, KEEP_SEGMENTS, CAN_USE_HEAP };

// xloadflags -----------------------------------------------------------------

/** `XLF_KERNEL_64`: the kernel has the legacy 64-bit entry point at 0x200. */
export const XLF_KERNEL_64 = 1 << 0;
/** `XLF_CAN_BE_LOADED_ABOVE_4G`: kernel, boot_params, command line and ramdisk may lie above 4 GiB. */
export const XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
/** `XLF_EFI_HANDOVER_32`: the 32-bit EFI handover entry at `handover_offset`. */
export const XLF_EFI_HANDOVER_32 = 1 << 2;
/** `XLF_EFI_HANDOVER_64`: the 64-bit EFI handover entry at `handover_offset + 0x200`. */
export const XLF_EFI_HANDOVER_64 = 1 << 3;
/** `XLF_EFI_KEXEC`: kexec EFI boot with EFI runtime support. */
export const XLF_EFI_KEXEC = 1 << 4;
/** `XLF_5LEVEL`: the kernel supports 5-level paging. */
export const XLF_5LEVEL = 1 << 5;
/** `XLF_5LEVEL_ENABLED`: 5-level paging is enabled in this kernel. */
export const XLF_5LEVEL_ENABLED = 1 << 6;

/** The `xloadflags` bits by name. */
export const XLOADFLAGS: Readonly<Record<string, number>> = {
  XLF_KERNEL_64,
  XLF_CAN_BE_LOADED_ABOVE_4G,
  XLF_EFI_HANDOVER_32,
  XLF_EFI_HANDOVER_64,
  XLF_EFI_KEXEC,
  XLF_5LEVEL,
  XLF_5LEVEL_ENABLED,
};

// ram_size (obsolete) --------------------------------------------------------

/** `RAMDISK_IMAGE_START_MASK` of the obsolete `ram_size`. */
export const RAMDISK_IMAGE_START_MASK = 0x07ff;
/** `RAMDISK_PROMPT_FLAG` of the obsolete `ram_size`. */
export const RAMDISK_PROMPT_FLAG = 0x8000;
/** `RAMDISK_LOAD_FLAG` of the obsolete `ram_size`. */
export const RAMDISK_LOAD_FLAG = 0x4000;

// setup_data types -----------------------------------------------------------

/** `SETUP_NONE`. */
export const SETUP_NONE = 0;
/** `SETUP_E820_EXT`: e820 entries beyond the zero page's 128. */
export const SETUP_E820_EXT = 1;
/** `SETUP_DTB`: a flattened device tree blob. */
export const SETUP_DTB = 2;
/** `SETUP_PCI`: a PCI option ROM image (`struct pci_setup_rom`). */
export const SETUP_PCI = 3;
/** `SETUP_EFI`: EFI runtime addresses kept across kexec (`struct efi_setup_data`). */
export const SETUP_EFI = 4;
/** `SETUP_APPLE_PROPERTIES`: Apple device properties. */
export const SETUP_APPLE_PROPERTIES = 5;
/** `SETUP_JAILHOUSE`: Jailhouse platform information (`struct jailhouse_setup_data`). */
export const SETUP_JAILHOUSE = 6;
/** `SETUP_CC_BLOB`: the confidential computing blob's address (`struct cc_setup_data`). */
export const SETUP_CC_BLOB = 7;
/** `SETUP_IMA`: the IMA measurement buffer kept across kexec (`struct ima_setup_data`). */
export const SETUP_IMA = 8;
/** `SETUP_RNG_SEED`: random seed bytes. */
export const SETUP_RNG_SEED = 9;
/** `SETUP_KEXEC_KHO`: kexec handover metadata (`struct kho_data`). */
export const SETUP_KEXEC_KHO = 10;
/** `SETUP_ENUM_MAX`: the highest plain type this module knows (`SETUP_KEXEC_KHO`). */
export const SETUP_ENUM_MAX = SETUP_KEXEC_KHO;
/** `SETUP_INDIRECT` (bit 31): the node's data is a `struct setup_indirect` (protocol 2.15). */
export const SETUP_INDIRECT = 0x80000000;
/** `SETUP_TYPE_MAX`: `SETUP_ENUM_MAX | SETUP_INDIRECT`. */
export const SETUP_TYPE_MAX = (SETUP_ENUM_MAX | SETUP_INDIRECT) >>> 0;

/** The `setup_data` types by value. */
export const SETUP_TYPES: Readonly<Record<number, string>> = {
  0: 'SETUP_NONE',
  1: 'SETUP_E820_EXT',
  2: 'SETUP_DTB',
  3: 'SETUP_PCI',
  4: 'SETUP_EFI',
  5: 'SETUP_APPLE_PROPERTIES',
  6: 'SETUP_JAILHOUSE',
  7: 'SETUP_CC_BLOB',
  8: 'SETUP_IMA',
  9: 'SETUP_RNG_SEED',
  10: 'SETUP_KEXEC_KHO',
  [SETUP_INDIRECT]: 'SETUP_INDIRECT',
};

/** The name of a `setup_data` or `setup_indirect` type (`SETUP_INDIRECT|SETUP_E820_EXT`), or its hex value. */
export function setupTypeName(type: number): string {
  const t = type >>> 0;
  const known = SETUP_TYPES[t];
  if (known !== undefined) return known;
  if (t & SETUP_INDIRECT) {
    const inner = SETUP_TYPES[(t & ~SETUP_INDIRECT) >>> 0];
    if (inner !== undefined) return `SETUP_INDIRECT|${inner}`;
  }
  return `0x${t.toString(16)}`;
}

// e820 -----------------------------------------------------------------------

/** `E820_TYPE_RAM`. */
export const E820_TYPE_RAM = 1;
/** `E820_TYPE_RESERVED`. */
export const E820_TYPE_RESERVED = 2;
/** `E820_TYPE_ACPI`: ACPI reclaimable. */
export const E820_TYPE_ACPI = 3;
/** `E820_TYPE_NVS`: ACPI NVS. */
export const E820_TYPE_NVS = 4;
/** `E820_TYPE_UNUSABLE`. */
export const E820_TYPE_UNUSABLE = 5;
/** `E820_TYPE_PMEM`: persistent memory. */
export const E820_TYPE_PMEM = 7;
/** `E820_TYPE_PRAM`: legacy persistent memory. */
export const E820_TYPE_PRAM = 12;
/** `E820_TYPE_RESERVED_KERN`: kernel-internal (never passed by a loader). */
export const E820_TYPE_RESERVED_KERN = 128;
/** `E820_TYPE_SOFT_RESERVED`: special-purpose memory (EFI_MEMORY_SP). */
export const E820_TYPE_SOFT_RESERVED = 0xefffffff;

/** The e820 types by value. */
export const E820_TYPES: Readonly<Record<number, string>> = {
  1: 'E820_TYPE_RAM',
  2: 'E820_TYPE_RESERVED',
  3: 'E820_TYPE_ACPI',
  4: 'E820_TYPE_NVS',
  5: 'E820_TYPE_UNUSABLE',
  7: 'E820_TYPE_PMEM',
  12: 'E820_TYPE_PRAM',
  128: 'E820_TYPE_RESERVED_KERN',
  [E820_TYPE_SOFT_RESERVED]: 'E820_TYPE_SOFT_RESERVED',
};

// type_of_loader -------------------------------------------------------------

/** The assigned boot loader ids (boot.rst, `type_of_loader`): the high nibble T, or T ≥ 0x10 via `ext_loader_type`. */
export const LOADER_IDS: Readonly<Record<number, string>> = {
  0x0: 'LILO',
  0x1: 'Loadlin',
  0x2: 'bootsect-loader',
  0x3: 'Syslinux',
  0x4: 'Etherboot/gPXE/iPXE',
  0x5: 'ELILO',
  0x7: 'GRUB',
  0x8: 'U-Boot',
  0x9: 'Xen',
  0xa: 'Gujin',
  0xb: 'Qemu',
  0xc: 'Arcturus Networks uCbootloader',
  0xd: 'kexec-tools',
  0xe: 'Extended',
  0xf: 'Special',
  0x10: 'Reserved',
  0x11: 'Minimal Linux Bootloader',
  0x12: 'OVMF UEFI virtualization stack',
  0x13: 'barebox',
};

/** `hardware_subarch` values (`enum x86_hardware_subarch`). */
export const X86_SUBARCHS: Readonly<Record<number, string>> = {
  0: 'X86_SUBARCH_PC',
  1: 'X86_SUBARCH_LGUEST',
  2: 'X86_SUBARCH_XEN',
  3: 'X86_SUBARCH_INTEL_MID',
  4: 'X86_SUBARCH_CE4100',
};

/** Names the bits set in `value` from a flag table; unknown bits come back as one `0x…` entry. */
export function flagNames(value: number, flags: Readonly<Record<string, number>>): string[] {
  const out: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(flags)) {
    if ((value & bit) !== 0) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out;
}
