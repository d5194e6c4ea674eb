/**
 * `struct boot_params`, the 4096-byte "zero page"
 * (`arch/x86/include/uapi/asm/bootparam.h`, `Documentation/arch/x86/zero-page.rst`),
 * and the structures it embeds: `screen_info` (`uapi/linux/screen_info.h`),
 * `apm_bios_info` (`uapi/linux/apm_bios.h`), `ist_info` (`asm/ist.h`),
 * `sys_desc_table`, `olpc_ofw_header`, `edid_info` (`video/edid.h`),
 * `efi_info`, `boot_e820_entry` and `edd_info`/`edd_device_params`
 * (`uapi/linux/edd.h`).
 *
 * @module
 */
import {
  BootprotoError,
  bytes,
  decodeLayout,
  defineLayout,
  encodeLayout,
  u16,
  u32,
  u64,
  u8,
  viewLayout,
  viewTable,
  type Decoded,
  type Field,
  type Fields,
  type Layout,
  type TableView,
  type View,
} from '../core/index.js';
import {
  E820_MAX_ENTRIES_ZEROPAGE,
  E820_TYPES,
  EDDMAXNR,
  EDD_MBR_SIG_MAX,
  EFI32_LOADER_SIGNATURE,
  EFI64_LOADER_SIGNATURE,
} from './constants.js';
import { SETUP_HEADER, type SetupHeaderFull } from './setup-header.js';

/** `struct screen_info` (packed, 64 bytes). */
export const SCREEN_INFO = defineLayout({
  name: 'screen_info',
  format: 'linux',
  size: 0x40,
  fields: {
    /** Cursor column. */
    origX: u8(0x00),
    /** Cursor row. */
    origY: u8(0x01),
    /** Extended memory in KiB (INT 15h AH=88h). */
    extMemK: u16(0x02),
    /** Active video page. */
    origVideoPage: u16(0x04),
    /** BIOS video mode. */
    origVideoMode: u8(0x06),
    /** Text columns. */
    origVideoCols: u8(0x07),
    /** `VIDEO_FLAGS_*`. */
    flags: u8(0x08),
    /** Unused. */
    unused2: u8(0x09),
    /** EGA BX value. */
    origVideoEgaBx: u16(0x0a),
    /** Unused. */
    unused3: u16(0x0c),
    /** Text lines. */
    origVideoLines: u8(0x0e),
    /** Video type (`VIDEO_TYPE_*`). */
    origVideoIsVga: u8(0x0f, { spec: 'orig_video_isVGA' }),
    /** Font height. */
    origVideoPoints: u16(0x10),
    /** Frame buffer width. */
    lfbWidth: u16(0x12),
    /** Frame buffer height. */
    lfbHeight: u16(0x14),
    /** Bits per pixel. */
    lfbDepth: u16(0x16),
    /** Low 32 bits of the frame buffer address. */
    lfbBase: u32(0x18),
    /** Frame buffer size. */
    lfbSize: u32(0x1c),
    /** Old command line magic (0xA33F). */
    clMagic: u16(0x20),
    /** Old command line offset. */
    clOffset: u16(0x22),
    /** Bytes per line. */
    lfbLinelength: u16(0x24),
    /** Red mask size. */
    redSize: u8(0x26),
    /** Red position. */
    redPos: u8(0x27),
    /** Green mask size. */
    greenSize: u8(0x28),
    /** Green position. */
    greenPos: u8(0x29),
    /** Blue mask size. */
    blueSize: u8(0x2a),
    /** Blue position. */
    bluePos: u8(0x2b),
    /** Reserved mask size. */
    rsvdSize: u8(0x2c),
    /** Reserved position. */
    rsvdPos: u8(0x2d),
    /** VESA protected-mode segment. */
    vesapmSeg: u16(0x2e),
    /** VESA protected-mode offset. */
    vesapmOff: u16(0x30),
    /** Video pages. */
    pages: u16(0x32),
    /** VESA mode attributes. */
    vesaAttributes: u16(0x34),
    /** `VIDEO_CAPABILITY_*`. */
    capabilities: u32(0x36),
    /** High 32 bits of the frame buffer address. */
    extLfbBase: u32(0x3a),
    /** Reserved. */
    reserved: bytes(0x3e, 2, { spec: '_reserved' }),
  },
});

/** `struct apm_bios_info` (20 bytes). */
export const APM_BIOS_INFO = defineLayout({
  name: 'apm_bios_info',
  format: 'linux',
  size: 20,
  fields: {
    /** APM version. */
    version: u16(0),
    /** 32-bit code segment. */
    cseg: u16(2),
    /** Entry offset. */
    offset: u32(4),
    /** 16-bit code segment. */
    cseg16: u16(8, { spec: 'cseg_16' }),
    /** Data segment. */
    dseg: u16(10),
    /** APM flags. */
    flags: u16(12),
    /** 32-bit code segment length. */
    csegLen: u16(14),
    /** 16-bit code segment length. */
    cseg16Len: u16(16, { spec: 'cseg_16_len' }),
    /** Data segment length. */
    dsegLen: u16(18),
  },
});

/** `struct ist_info` (Intel SpeedStep, 16 bytes). */
export const IST_INFO = defineLayout({
  name: 'ist_info',
  format: 'linux',
  size: 16,
  fields: {
    /** IST signature. */
    signature: u32(0),
    /** IST command. */
    command: u32(4),
    /** IST event. */
    event: u32(8),
    /** Performance level. */
    perfLevel: u32(12),
  },
});

/** `struct sys_desc_table` (obsolete, 16 bytes). */
export const SYS_DESC_TABLE = defineLayout({
  name: 'sys_desc_table',
  format: 'linux',
  size: 16,
  fields: {
    /** Table length. */
    length: u16(0),
    /** Table bytes. */
    table: bytes(2, 14),
  },
});

/** `struct olpc_ofw_header` (packed, 16 bytes). */
export const OLPC_OFW_HEADER = defineLayout({
  name: 'olpc_ofw_header',
  format: 'linux',
  size: 16,
  fields: {
    /** OpenFirmware signature. */
    ofwMagic: u32(0),
    /** OpenFirmware version. */
    ofwVersion: u32(4),
    /** Callback into OpenFirmware. */
    cifHandler: u32(8),
    /** IRQ descriptor table. */
    irqDescTable: u32(12),
  },
});

/** `struct efi_info` (32 bytes): the `_hi` halves extend `efi_systab` and `efi_memmap` to 64 bits. */
export const EFI_INFO = defineLayout({
  name: 'efi_info',
  format: 'linux',
  size: 32,
  fields: {
    /** `"EL32"` or `"EL64"`: the firmware the loader ran on. */
    efiLoaderSignature: u32(0, { values: { [EFI32_LOADER_SIGNATURE]: 'EL32', [EFI64_LOADER_SIGNATURE]: 'EL64' } }),
    /** Low 32 bits of the EFI system table address. */
    efiSystab: u32(4),
    /** Size of one memory descriptor. */
    efiMemdescSize: u32(8),
    /** Memory descriptor version. */
    efiMemdescVersion: u32(12),
    /** Low 32 bits of the EFI memory map address. */
    efiMemmap: u32(16),
    /** EFI memory map size in bytes. */
    efiMemmapSize: u32(20),
    /** High 32 bits of `efi_systab`. */
    efiSystabHi: u32(24),
    /** High 32 bits of `efi_memmap`. */
    efiMemmapHi: u32(28),
  },
});

/** `struct boot_e820_entry` (packed, 20 bytes). */
export const BOOT_E820_ENTRY = defineLayout({
  name: 'boot_e820_entry',
  format: 'linux',
  size: 20,
  fields: {
    /** Start of the range. */
    addr: u64(0),
    /** Length of the range. */
    size: u64(8),
    /** `E820_TYPE_*`. */
    type: u32(16, { values: E820_TYPES }),
  },
});

/** `struct edd_device_params` (packed, 74 bytes); the interface and device path unions are kept as bytes. */
export const EDD_DEVICE_PARAMS = defineLayout({
  name: 'edd_device_params',
  format: 'linux',
  size: 74,
  fields: {
    /** Size of the buffer the BIOS filled. */
    length: u16(0),
    /** `EDD_INFO_*`. */
    infoFlags: u16(2),
    /** Cylinders. */
    numDefaultCylinders: u32(4),
    /** Heads. */
    numDefaultHeads: u32(8),
    /** Sectors per track. */
    sectorsPerTrack: u32(12),
    /** Total sectors. */
    numberOfSectors: u64(16),
    /** Bytes per sector. */
    bytesPerSector: u16(24),
    /** Pointer to the DPTE (0xFFFFFFFF here). */
    dptePtr: u32(26),
    /** 0xBEDD when the device path is present. */
    key: u16(30),
    /** Device path length (44). */
    devicePathInfoLength: u8(32),
    /** Reserved. */
    reserved2: u8(33),
    /** Reserved. */
    reserved3: u16(34),
    /** `"ISA"` or `"PCI"`. */
    hostBusType: bytes(36, 4),
    /** `"ATA"`, `"SCSI"`, … */
    interfaceType: bytes(40, 8),
    /** Bus-specific path (a union). */
    interfacePath: bytes(48, 8),
    /** Interface-specific path (a union). */
    devicePath: bytes(56, 16),
    /** Reserved. */
    reserved4: u8(72),
    /** Checksum of the device path information. */
    checksum: u8(73),
  },
});

/** `struct edd_info` (packed, 82 bytes): 8 bytes of int 13h results, then `edd_device_params`. */
export const EDD_INFO = defineLayout({
  name: 'edd_info',
  format: 'linux',
  size: 82,
  fields: {
    /** BIOS drive number (0x80 and up). */
    device: u8(0),
    /** EDD version. */
    version: u8(1),
    /** `EDD_EXT_*`. */
    interfaceSupport: u16(2),
    /** Legacy cylinders. */
    legacyMaxCylinder: u16(4),
    /** Legacy heads. */
    legacyMaxHead: u8(6),
    /** Legacy sectors per track. */
    legacySectorsPerTrack: u8(7),
    /** The `edd_device_params` (74 bytes). */
    params: bytes(8, 74),
  },
});

/** `struct boot_params` (packed, 4096 bytes); embedded structures are byte ranges decoded through their own layouts. */
export const BOOT_PARAMS = defineLayout({
  name: 'boot_params',
  format: 'linux',
  size: 4096,
  fields: {
    /** `struct screen_info`. */
    screenInfo: bytes(0x000, SCREEN_INFO.size),
    /** `struct apm_bios_info`. */
    apmBiosInfo: bytes(0x040, APM_BIOS_INFO.size),
    /** Padding. */
    pad2: bytes(0x054, 4, { spec: '_pad2' }),
    /** Physical address of the tboot shared page. */
    tbootAddr: u64(0x058),
    /** `struct ist_info`. */
    istInfo: bytes(0x060, IST_INFO.size),
    /** Physical address of the ACPI RSDP. */
    acpiRsdpAddr: u64(0x070),
    /** Padding. */
    pad3: bytes(0x078, 8, { spec: '_pad3' }),
    /** Obsolete. */
    hd0Info: bytes(0x080, 16, { spec: 'hd0_info' }),
    /** Obsolete. */
    hd1Info: bytes(0x090, 16, { spec: 'hd1_info' }),
    /** `struct sys_desc_table` (obsolete). */
    sysDescTable: bytes(0x0a0, SYS_DESC_TABLE.size),
    /** `struct olpc_ofw_header`. */
    olpcOfwHeader: bytes(0x0b0, OLPC_OFW_HEADER.size),
    /** High 32 bits of `ramdisk_image`. */
    extRamdiskImage: u32(0x0c0),
    /** High 32 bits of `ramdisk_size`. */
    extRamdiskSize: u32(0x0c4),
    /** High 32 bits of `cmd_line_ptr`. */
    extCmdLinePtr: u32(0x0c8),
    /** Padding. */
    pad4: bytes(0x0cc, 112, { spec: '_pad4' }),
    /** Confidential computing blob address (kernel internal; loaders use `SETUP_CC_BLOB`). */
    ccBlobAddress: u32(0x13c),
    /** `struct edid_info` (128 bytes). */
    edidInfo: bytes(0x140, 128),
    /** `struct efi_info`. */
    efiInfo: bytes(0x1c0, EFI_INFO.size),
    /** Memory size in KiB from INT 15h AX=E801h. */
    altMemK: u32(0x1e0),
    /** Scratch field of the setup code. */
    scratch: u32(0x1e4),
    /** Entries used in `e820_table` (at most 128). */
    e820Entries: u8(0x1e8, { spec: 'e820_entries' }),
    /** Entries used in `eddbuf` (at most 6). */
    eddbufEntries: u8(0x1e9),
    /** Entries used in `edd_mbr_sig_buffer` (at most 16). */
    eddMbrSigBufEntries: u8(0x1ea),
    /** Keyboard status (Num Lock). */
    kbdStatus: u8(0x1eb),
    /** Secure boot state of the firmware. */
    secureBoot: u8(0x1ec),
    /** Padding. */
    pad5: bytes(0x1ed, 2, { spec: '_pad5' }),
    /** Nonzero in the image; a loader that copies it in shows it copied too much. */
    sentinel: u8(0x1ef),
    /** Padding. */
    pad6: bytes(0x1f0, 1, { spec: '_pad6' }),
    /** The `struct setup_header`. */
    hdr: bytes(0x1f1, SETUP_HEADER.size),
    /** Padding to 0x290. */
    pad7: bytes(0x26c, 0x290 - 0x26c, { spec: '_pad7' }),
    /** MBR signatures (16 × u32). */
    eddMbrSigBuffer: bytes(0x290, 4 * EDD_MBR_SIG_MAX),
    /** The memory map: 128 × `boot_e820_entry`. */
    e820Table: bytes(0x2d0, BOOT_E820_ENTRY.size * E820_MAX_ENTRIES_ZEROPAGE, { spec: 'e820_table' }),
    /** Padding. */
    pad8: bytes(0xcd0, 48, { spec: '_pad8' }),
    /** 6 × `edd_info`. */
    eddbuf: bytes(0xd00, EDD_INFO.size * EDDMAXNR),
    /** Padding to 4096. */
    pad9: bytes(0xeec, 276, { spec: '_pad9' }),
  },
});

/**
 * A decoded `screen_info`.
 *
 * @useDeclaredType
 */
export type ScreenInfo = Decoded<typeof SCREEN_INFO.fields>;
/**
 * A decoded `apm_bios_info`.
 *
 * @useDeclaredType
 */
export type ApmBiosInfo = Decoded<typeof APM_BIOS_INFO.fields>;
/**
 * A decoded `ist_info`.
 *
 * @useDeclaredType
 */
export type IstInfo = Decoded<typeof IST_INFO.fields>;
/**
 * A decoded `sys_desc_table`.
 *
 * @useDeclaredType
 */
export type SysDescTable = Decoded<typeof SYS_DESC_TABLE.fields>;
/**
 * A decoded `olpc_ofw_header`.
 *
 * @useDeclaredType
 */
export type OlpcOfwHeader = Decoded<typeof OLPC_OFW_HEADER.fields>;
/**
 * A decoded `efi_info`.
 *
 * @useDeclaredType
 */
export type EfiInfo = Decoded<typeof EFI_INFO.fields>;
/**
 * A decoded `boot_e820_entry`.
 *
 * @useDeclaredType
 */
export type BootE820Entry = Decoded<typeof BOOT_E820_ENTRY.fields>;
/**
 * A decoded `edd_device_params`.
 *
 * @useDeclaredType
 */
export type EddDeviceParams = Decoded<typeof EDD_DEVICE_PARAMS.fields>;

/** A decoded `edd_info` with its `edd_device_params`. */
export interface EddInfo extends Omit<Decoded<typeof EDD_INFO.fields>, 'params'> {
  /** The `edd_device_params` that follow the first 8 bytes. */
  params: EddDeviceParams;
}

/**
 * A decoded zero page: scalar members as in the structure, embedded
 * structures decoded, `e820_table` and `eddbuf` holding the entries their
 * counts name (at most 128 and 6), `edd_mbr_sig_buffer` all 16 words, and the
 * padding kept as bytes so that encoding gives the same bytes back.
 */
export interface BootParams {
  /** `screen_info` (0x000). */
  screenInfo: ScreenInfo;
  /** `apm_bios_info` (0x040). */
  apmBiosInfo: ApmBiosInfo;
  /** `_pad2` (0x054). */
  pad2: Uint8Array;
  /** `tboot_addr` (0x058). */
  tbootAddr: bigint;
  /** `ist_info` (0x060). */
  istInfo: IstInfo;
  /** `acpi_rsdp_addr` (0x070). */
  acpiRsdpAddr: bigint;
  /** `_pad3` (0x078). */
  pad3: Uint8Array;
  /** `hd0_info` (0x080, obsolete). */
  hd0Info: Uint8Array;
  /** `hd1_info` (0x090, obsolete). */
  hd1Info: Uint8Array;
  /** `sys_desc_table` (0x0a0, obsolete). */
  sysDescTable: SysDescTable;
  /** `olpc_ofw_header` (0x0b0). */
  olpcOfwHeader: OlpcOfwHeader;
  /** `ext_ramdisk_image` (0x0c0): high half of `ramdisk_image`. */
  extRamdiskImage: number;
  /** `ext_ramdisk_size` (0x0c4): high half of `ramdisk_size`. */
  extRamdiskSize: number;
  /** `ext_cmd_line_ptr` (0x0c8): high half of `cmd_line_ptr`. */
  extCmdLinePtr: number;
  /** `_pad4` (0x0cc). */
  pad4: Uint8Array;
  /** `cc_blob_address` (0x13c). */
  ccBlobAddress: number;
  /** `edid_info` (0x140, 128 bytes). */
  edidInfo: Uint8Array;
  /** `efi_info` (0x1c0). */
  efiInfo: EfiInfo;
  /** `alt_mem_k` (0x1e0). */
  altMemK: number;
  /** `scratch` (0x1e4). */
  scratch: number;
  /** The count as stored (a u8: may exceed 128 in a bad zero page; `e820Table` holds at most 128). */
  e820Entries: number;
  /** `eddbuf_entries` (0x1e9). */
  eddbufEntries: number;
  /** `edd_mbr_sig_buf_entries` (0x1ea). */
  eddMbrSigBufEntries: number;
  /** `kbd_status` (0x1eb). */
  kbdStatus: number;
  /** `secure_boot` (0x1ec). */
  secureBoot: number;
  /** `_pad5` (0x1ed). */
  pad5: Uint8Array;
  /** `sentinel` (0x1ef). */
  sentinel: number;
  /** `_pad6` (0x1f0). */
  pad6: Uint8Array;
  /** `hdr` (0x1f1), all 123 bytes. */
  hdr: SetupHeaderFull;
  /** `_pad7` (0x26c). */
  pad7: Uint8Array;
  /** `edd_mbr_sig_buffer` (0x290), all 16 words. */
  eddMbrSigBuffer: number[];
  /** `e820_table` (0x2d0): the first `e820_entries` entries (at most 128). */
  e820Table: BootE820Entry[];
  /** `_pad8` (0xcd0). */
  pad8: Uint8Array;
  /** `eddbuf` (0xd00): the first `eddbuf_entries` entries (at most 6). */
  eddbuf: EddInfo[];
  /** `_pad9` (0xeec). */
  pad9: Uint8Array;
}

/** The zero page's 64-bit values, each recombined from its 32-bit low half (setup header or `efi_info`) and `ext_`/`_hi` half. */
export interface BootParamsAddresses {
  /** `ext_cmd_line_ptr << 32 | hdr.cmd_line_ptr`. */
  cmdLinePtr: bigint;
  /** `ext_ramdisk_image << 32 | hdr.ramdisk_image`. */
  ramdiskImage: bigint;
  /** `ext_ramdisk_size << 32 | hdr.ramdisk_size`. */
  ramdiskSize: bigint;
  /** `efi_systab_hi << 32 | efi_systab`. */
  efiSystab: bigint;
  /** `efi_memmap_hi << 32 | efi_memmap`. */
  efiMemmap: bigint;
}

const join = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** Recombines the split 64-bit values of a decoded zero page. */
export function bootParamsAddresses(bp: BootParams): BootParamsAddresses {
  return {
    cmdLinePtr: join(bp.extCmdLinePtr, bp.hdr.cmdLinePtr),
    ramdiskImage: join(bp.extRamdiskImage, bp.hdr.ramdiskImage),
    ramdiskSize: join(bp.extRamdiskSize, bp.hdr.ramdiskSize),
    efiSystab: join(bp.efiInfo.efiSystabHi, bp.efiInfo.efiSystab),
    efiMemmap: join(bp.efiInfo.efiMemmapHi, bp.efiInfo.efiMemmap),
  };
}

/** A 64-bit value as two 32-bit halves. */
export interface U64Halves {
  /** Bits 0–31. */
  lo: number;
  /** Bits 32–63. */
  hi: number;
}

/** Splits a 64-bit value into its low and high 32-bit halves. */
export function splitU64(value: bigint): U64Halves {
  return { lo: Number(value & 0xffffffffn), hi: Number((value >> 32n) & 0xffffffffn) };
}

/**
 * Decodes a structure through its view: the same object as `decodeLayout`
 * (bigint for 64-bit fields, copies for byte ranges) without typed-binary's
 * per-byte reads, which matters for the zero page's 4 KiB.
 */
function decodeViaView<F extends Fields>(layout: Layout<F>, bytes: Uint8Array, offset: number): Decoded<F> {
  let plan = plans.get(layout);
  if (plan === undefined) {
    plan = layout.order.map((key) => {
      const kind = (layout.fields[key] as Field).kind;
      return { key, getter: kind === 'u64' ? `${key}Big` : key, copy: kind === 'bytes' };
    });
    plans.set(layout, plan);
  }
  const v = viewLayout(layout, bytes, offset) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < plan.length; i++) {
    const step = plan[i] as { key: string; getter: string; copy: boolean };
    const value = v[step.getter];
    out[step.key] = step.copy ? (value as Uint8Array).slice() : value;
  }
  return out as Decoded<F>;
}
const plans = new WeakMap<Layout, { key: string; getter: string; copy: boolean }[]>();

/** Decodes a 4096-byte zero page at `offset`. Never reads past it; `e820_entries` above 128 is capped (see {@link validateBootParams}). */
export function decodeBootParams(bytes: Uint8Array, offset = 0): BootParams {
  const flat = decodeViaView(BOOT_PARAMS, bytes, offset);
  const at = (key: keyof typeof BOOT_PARAMS.fields): number => offset + BOOT_PARAMS.fields[key].offset;
  const e820 = Math.min(flat.e820Entries, E820_MAX_ENTRIES_ZEROPAGE);
  const edd = Math.min(flat.eddbufEntries, EDDMAXNR);
  const sigs = new DataView(flat.eddMbrSigBuffer.buffer, flat.eddMbrSigBuffer.byteOffset, flat.eddMbrSigBuffer.byteLength);
  const eddMbrSigBuffer: number[] = [];
  for (let i = 0; i < EDD_MBR_SIG_MAX; i++) eddMbrSigBuffer.push(sigs.getUint32(i * 4, true));
  const e820Table: BootE820Entry[] = [];
  if (e820 > 0) {
    const t = viewTable(BOOT_E820_ENTRY, bytes, at('e820Table'), e820);
    for (let i = 0; i < e820; i++) {
      const e = t.get(i);
      e820Table.push({ addr: e.addrBig, size: e.sizeBig, type: e.type });
    }
  }
  const eddbuf: EddInfo[] = [];
  for (let i = 0; i < edd; i++) {
    const base = at('eddbuf') + i * EDD_INFO.size;
    const info = decodeViaView(EDD_INFO, bytes, base);
    eddbuf.push({ ...info, params: decodeViaView(EDD_DEVICE_PARAMS, bytes, base + EDD_INFO.fields.params.offset) });
  }
  return {
    screenInfo: decodeViaView(SCREEN_INFO, bytes, at('screenInfo')),
    apmBiosInfo: decodeViaView(APM_BIOS_INFO, bytes, at('apmBiosInfo')),
    pad2: flat.pad2,
    tbootAddr: flat.tbootAddr,
    istInfo: decodeViaView(IST_INFO, bytes, at('istInfo')),
    acpiRsdpAddr: flat.acpiRsdpAddr,
    pad3: flat.pad3,
    hd0Info: flat.hd0Info,
    hd1Info: flat.hd1Info,
    sysDescTable: decodeViaView(SYS_DESC_TABLE, bytes, at('sysDescTable')),
    olpcOfwHeader: decodeViaView(OLPC_OFW_HEADER, bytes, at('olpcOfwHeader')),
    extRamdiskImage: flat.extRamdiskImage,
    extRamdiskSize: flat.extRamdiskSize,
    extCmdLinePtr: flat.extCmdLinePtr,
    pad4: flat.pad4,
    ccBlobAddress: flat.ccBlobAddress,
    edidInfo: flat.edidInfo,
    efiInfo: decodeViaView(EFI_INFO, bytes, at('efiInfo')),
    altMemK: flat.altMemK,
    scratch: flat.scratch,
    e820Entries: flat.e820Entries,
    eddbufEntries: flat.eddbufEntries,
    eddMbrSigBufEntries: flat.eddMbrSigBufEntries,
    kbdStatus: flat.kbdStatus,
    secureBoot: flat.secureBoot,
    pad5: flat.pad5,
    sentinel: flat.sentinel,
    pad6: flat.pad6,
    hdr: decodeViaView(SETUP_HEADER, bytes, at('hdr')),
    pad7: flat.pad7,
    eddMbrSigBuffer,
    e820Table,
    pad8: flat.pad8,
    eddbuf,
    pad9: flat.pad9,
  };
}

function tooMany(field: string, offset: number, n: number, max: number): BootprotoError {
  return new BootprotoError({ code: 'LIMIT', format: 'linux', structure: 'boot_params', field, offset, reason: `${n} entries, the zero page holds ${max}` });
}

/**
 * Encodes a zero page into `into` at `offset` (or a new 4096-byte buffer).
 * Writes every member; of `e820_table` and `eddbuf` only the entries given
 * (the other slots keep `into`'s bytes, zeros in a new buffer). The counts
 * are written as given: set `e820Entries` yourself (a builder does).
 */
export function encodeBootParams(bp: BootParams, into?: Uint8Array, offset = 0): Uint8Array {
  const out = into ?? new Uint8Array(offset + BOOT_PARAMS.size);
  if (bp.e820Table.length > E820_MAX_ENTRIES_ZEROPAGE) throw tooMany('e820_table', offset + 0x2d0, bp.e820Table.length, E820_MAX_ENTRIES_ZEROPAGE);
  if (bp.eddbuf.length > EDDMAXNR) throw tooMany('eddbuf', offset + 0xd00, bp.eddbuf.length, EDDMAXNR);
  if (bp.eddMbrSigBuffer.length > EDD_MBR_SIG_MAX) throw tooMany('edd_mbr_sig_buffer', offset + 0x290, bp.eddMbrSigBuffer.length, EDD_MBR_SIG_MAX);
  // Start from the bytes already there, so that unlisted table slots survive.
  const current = decodeLayout(BOOT_PARAMS, out.length - offset >= BOOT_PARAMS.size ? out : new Uint8Array(offset + BOOT_PARAMS.size), offset);
  const sub = <T extends Record<string, unknown>>(layout: Parameters<typeof encodeLayout>[0], value: T): Uint8Array =>
    encodeLayout(layout, value as never);
  const sigs = new Uint8Array(4 * EDD_MBR_SIG_MAX);
  sigs.set(current.eddMbrSigBuffer);
  const sdv = new DataView(sigs.buffer);
  bp.eddMbrSigBuffer.forEach((v, i) => sdv.setUint32(i * 4, v, true));
  const e820 = current.e820Table.slice();
  bp.e820Table.forEach((e, i) => encodeLayout(BOOT_E820_ENTRY, e, e820, i * BOOT_E820_ENTRY.size));
  const edd = current.eddbuf.slice();
  bp.eddbuf.forEach((e, i) => {
    const { params, ...head } = e;
    encodeLayout(EDD_INFO, { ...head, params: encodeLayout(EDD_DEVICE_PARAMS, params) }, edd, i * EDD_INFO.size);
  });
  return encodeLayout(
    BOOT_PARAMS,
    {
      screenInfo: sub(SCREEN_INFO, bp.screenInfo),
      apmBiosInfo: sub(APM_BIOS_INFO, bp.apmBiosInfo),
      pad2: bp.pad2,
      tbootAddr: bp.tbootAddr,
      istInfo: sub(IST_INFO, bp.istInfo),
      acpiRsdpAddr: bp.acpiRsdpAddr,
      pad3: bp.pad3,
      hd0Info: bp.hd0Info,
      hd1Info: bp.hd1Info,
      sysDescTable: sub(SYS_DESC_TABLE, bp.sysDescTable),
      olpcOfwHeader: sub(OLPC_OFW_HEADER, bp.olpcOfwHeader),
      extRamdiskImage: bp.extRamdiskImage,
      extRamdiskSize: bp.extRamdiskSize,
      extCmdLinePtr: bp.extCmdLinePtr,
      pad4: bp.pad4,
      ccBlobAddress: bp.ccBlobAddress,
      edidInfo: bp.edidInfo,
      efiInfo: sub(EFI_INFO, bp.efiInfo),
      altMemK: bp.altMemK,
      scratch: bp.scratch,
      e820Entries: bp.e820Entries,
      eddbufEntries: bp.eddbufEntries,
      eddMbrSigBufEntries: bp.eddMbrSigBufEntries,
      kbdStatus: bp.kbdStatus,
      secureBoot: bp.secureBoot,
      pad5: bp.pad5,
      sentinel: bp.sentinel,
      pad6: bp.pad6,
      hdr: encodeLayout(SETUP_HEADER, bp.hdr),
      pad7: bp.pad7,
      eddMbrSigBuffer: sigs,
      e820Table: e820,
      pad8: bp.pad8,
      eddbuf: edd,
      pad9: bp.pad9,
    },
    out,
    offset,
  );
}

/** A zero page with every member zero (what a loader starts from), as a decoded object. */
export function emptyBootParams(): BootParams {
  return decodeBootParams(new Uint8Array(BOOT_PARAMS.size));
}

/** A zero-allocation view of a zero page's scalar members (embedded structures come back as subarrays). */
export function viewBootParams(bytes: Uint8Array, offset = 0): View<typeof BOOT_PARAMS.fields> {
  return viewLayout(BOOT_PARAMS, bytes, offset);
}

/**
 * The zero page's e820 table through one reused view (no allocation per
 * entry). Reads `e820_entries` and throws `LIMIT` if it exceeds 128.
 */
export function viewZeroPageE820(bytes: Uint8Array, offset = 0): TableView<typeof BOOT_E820_ENTRY.fields> {
  if (!Number.isInteger(offset) || offset < 0 || bytes.length - offset < BOOT_PARAMS.size) {
    throw new BootprotoError({ code: 'TRUNCATED', format: 'linux', structure: 'boot_params', offset, reason: `a zero page needs 4096 bytes, ${Math.max(0, bytes.length - offset)} given` });
  }
  const n = bytes[offset + 0x1e8] as number;
  if (n > E820_MAX_ENTRIES_ZEROPAGE) throw tooMany('e820_entries', offset + 0x1e8, n, E820_MAX_ENTRIES_ZEROPAGE);
  return viewTable(BOOT_E820_ENTRY, bytes, offset + 0x2d0, n);
}

/** Views `count` packed `boot_e820_entry` records at `offset` (a zero page's table, or a `SETUP_E820_EXT` payload). */
export function viewE820Table(bytes: Uint8Array, offset: number, count: number): TableView<typeof BOOT_E820_ENTRY.fields> {
  return viewTable(BOOT_E820_ENTRY, bytes, offset, count);
}

/** Decodes one `boot_e820_entry`. */
export function decodeE820Entry(bytes: Uint8Array, offset = 0): BootE820Entry {
  return decodeLayout(BOOT_E820_ENTRY, bytes, offset);
}

/** Encodes e820 entries as packed 20-byte records. */
export function encodeE820Entries(entries: readonly BootE820Entry[], into?: Uint8Array, offset = 0): Uint8Array {
  const out = into ?? new Uint8Array(offset + entries.length * BOOT_E820_ENTRY.size);
  entries.forEach((e, i) => encodeLayout(BOOT_E820_ENTRY, e, out, offset + i * BOOT_E820_ENTRY.size));
  return out;
}
