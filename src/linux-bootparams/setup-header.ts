/**
 * `struct setup_header` (boot.rst, "The Real-Mode Kernel Header"): 123 bytes
 * at offset 0x1F1 of a kernel image and of `boot_params`, protocols 2.00 to
 * 2.15. Offsets in the layout are from the start of the structure (file
 * offset minus 0x1F1); {@link SETUP_HEADER_SINCE} gives the protocol version
 * that added each field.
 *
 * @module
 */
import {
  BootprotoError,
  decodeLayout,
  defineLayout,
  encodeLayout,
  specName,
  u16,
  u32,
  u64,
  u8,
  viewLayout,
  type Decoded,
  type View,
} from '../core/index.js';
import {
  BOOT_FLAG_MAGIC,
  HDRS_MAGIC,
  LOADFLAGS,
  SETUP_HEADER_OFFSET,
  SETUP_SECTS_DEFAULT,
  X86_SUBARCHS,
  XLOADFLAGS,
} from './constants.js';

/** `struct setup_header` (packed, 123 bytes as of protocol 2.15). */
export const SETUP_HEADER = defineLayout({
  name: 'setup_header',
  format: 'linux',
  size: 123,
  fields: {
    /** Size of the setup code in 512-byte sectors, boot sector excluded; 0 means 4. */
    setupSects: u8(0x00),
    /** Nonzero: mount the root read-only (deprecated; use `ro`/`rw`). */
    rootFlags: u16(0x01),
    /** Size of the protected-mode code in 16-byte paragraphs (4 bytes wide from 2.04; 2 before). */
    syssize: u32(0x03),
    /** Obsolete (bootsect.S only). */
    ramSize: u16(0x07),
    /** Video mode: 0xFFFF normal, 0xFFFE ext, 0xFFFD ask, or a mode number (`vga=`). */
    vidMode: u16(0x09),
    /** Default root device number (deprecated; use `root=`). */
    rootDev: u16(0x0b),
    /** 0xAA55. */
    bootFlag: u16(0x0d, { values: { [BOOT_FLAG_MAGIC]: 'BOOT_FLAG' } }),
    /** A short jump (0xEB, offset) at 0x200; 0x202 + its offset byte is the end of the header. */
    jump: u16(0x0f),
    /** `"HdrS"` (0x53726448): absent in pre-2.00 kernels. */
    header: u32(0x11, { values: { [HDRS_MAGIC]: 'HdrS' } }),
    /** Protocol version, `(major << 8) | minor`. */
    version: u16(0x15),
    /** Boot loader hook run before entering protected mode. */
    realmodeSwtch: u32(0x17),
    /** The load-low segment (0x1000); obsolete. */
    startSysSeg: u16(0x1b),
    /** Offset of the NUL-terminated kernel version string, less 0x200; 0 if none. */
    kernelVersion: u16(0x1d),
    /** The loader's id (0xTV); 0xFF when it has none; set by the loader. */
    typeOfLoader: u8(0x1f),
    /** `LOADED_HIGH`, `KASLR_FLAG`, `QUIET_FLAG`, `KEEP_SEGMENTS`, `CAN_USE_HEAP`. */
    loadflags: u8(0x20, { flags: LOADFLAGS }),
    /** Bytes moved with the real-mode code to 0x90000 (protocols 2.00 and 2.01 only). */
    setupMoveSize: u16(0x21),
    /** Protected-mode entry: the load address of the kernel, or a loader hook. */
    code32Start: u32(0x23),
    /** Low 32 bits of the initrd address (set by the loader; 0 if none). */
    ramdiskImage: u32(0x27),
    /** Low 32 bits of the initrd size (set by the loader; 0 if none). */
    ramdiskSize: u32(0x2b),
    /** Obsolete. */
    bootsectKludge: u32(0x2f),
    /** End of the setup stack/heap from the start of the real-mode code, less 0x200. */
    heapEndPtr: u16(0x33),
    /** Loader version bits above the 4 in `type_of_loader`. */
    extLoaderVer: u8(0x35),
    /** Loader id minus 0x10, when `type_of_loader` is 0xE_. */
    extLoaderType: u8(0x36),
    /** Low 32 bits of the command line address. */
    cmdLinePtr: u32(0x37),
    /** Highest address the initrd may occupy (its last byte). */
    initrdAddrMax: u32(0x3b),
    /** Alignment a relocatable kernel needs (2.10+: prefers; a loader may lower it). */
    kernelAlignment: u32(0x3f),
    /** Nonzero: the protected-mode part may be loaded at any `kernel_alignment` boundary. */
    relocatableKernel: u8(0x43),
    /** Minimum alignment as a power of two (2.10+). */
    minAlignment: u8(0x44),
    /** `XLF_KERNEL_64`, `XLF_CAN_BE_LOADED_ABOVE_4G`, `XLF_EFI_HANDOVER_32/64`, `XLF_EFI_KEXEC`, `XLF_5LEVEL`, `XLF_5LEVEL_ENABLED`. */
    xloadflags: u16(0x45, { flags: XLOADFLAGS }),
    /** Longest command line, NUL excluded (255 before 2.06). */
    cmdlineSize: u32(0x47),
    /** Paravirtualised subarchitecture (`X86_SUBARCH_*`; 0 is a PC). */
    hardwareSubarch: u32(0x4b, { values: X86_SUBARCHS }),
    /** Subarchitecture-specific pointer. */
    hardwareSubarchData: u64(0x4f),
    /** Offset of the (compressed) payload from the start of the protected-mode part. */
    payloadOffset: u32(0x57),
    /** Length of the payload. */
    payloadLength: u32(0x5b),
    /** Physical address of the first `setup_data` node; 0 ends the list. */
    setupData: u64(0x5f),
    /** Preferred load address of the protected-mode part. */
    prefAddress: u64(0x67),
    /** Contiguous memory the kernel needs from its runtime start before it reads the memory map. */
    initSize: u32(0x6f),
    /** EFI handover entry, from the start of the protected-mode part (+0x200 for 64-bit). */
    handoverOffset: u32(0x73),
    /** `kernel_info`, from the start of the protected-mode part. */
    kernelInfoOffset: u32(0x77),
  },
});

/** The keys of `setup_header`. */
export type SetupHeaderKey = keyof SetupHeaderFull;

/**
 * The protocol version (`(major << 8) | minor`) that added each field
 * (boot.rst's header table). Fields marked ALL are given 0 (present in every
 * kernel, "HdrS" or not). `syssize` is 4 bytes from 2.04 on and 2 before;
 * `init_size` is listed with `pref_address` (2.10), `handover_offset` from 2.11.
 */
export const SETUP_HEADER_SINCE: Readonly<Record<SetupHeaderKey, number>> = {
  setupSects: 0,
  rootFlags: 0,
  syssize: 0,
  ramSize: 0,
  vidMode: 0,
  rootDev: 0,
  bootFlag: 0,
  jump: 0x200,
  header: 0x200,
  version: 0x200,
  realmodeSwtch: 0x200,
  startSysSeg: 0x200,
  kernelVersion: 0x200,
  typeOfLoader: 0x200,
  loadflags: 0x200,
  setupMoveSize: 0x200,
  code32Start: 0x200,
  ramdiskImage: 0x200,
  ramdiskSize: 0x200,
  bootsectKludge: 0x200,
  heapEndPtr: 0x201,
  extLoaderVer: 0x202,
  extLoaderType: 0x202,
  cmdLinePtr: 0x202,
  initrdAddrMax: 0x203,
  kernelAlignment: 0x205,
  relocatableKernel: 0x205,
  minAlignment: 0x20a,
  xloadflags: 0x20c,
  cmdlineSize: 0x206,
  hardwareSubarch: 0x207,
  hardwareSubarchData: 0x207,
  payloadOffset: 0x208,
  payloadLength: 0x208,
  setupData: 0x209,
  prefAddress: 0x20a,
  initSize: 0x20a,
  handoverOffset: 0x20b,
  kernelInfoOffset: 0x20f,
};

/**
 * Who writes each field (boot.rst, "Details of Header Fields"): `read`
 * (kernel to loader), `write` (loader fills it), `modify` (loader may change
 * it), `internal` (kernel internal or obsolete).
 */
export const SETUP_HEADER_ACCESS: Readonly<Record<SetupHeaderKey, 'read' | 'write' | 'modify' | 'internal'>> = {
  setupSects: 'read',
  rootFlags: 'modify',
  syssize: 'read',
  ramSize: 'internal',
  vidMode: 'modify',
  rootDev: 'modify',
  bootFlag: 'read',
  jump: 'read',
  header: 'read',
  version: 'read',
  realmodeSwtch: 'modify',
  startSysSeg: 'read',
  kernelVersion: 'read',
  typeOfLoader: 'write',
  loadflags: 'modify',
  setupMoveSize: 'modify',
  code32Start: 'modify',
  ramdiskImage: 'write',
  ramdiskSize: 'write',
  bootsectKludge: 'internal',
  heapEndPtr: 'write',
  extLoaderVer: 'write',
  extLoaderType: 'write',
  cmdLinePtr: 'write',
  initrdAddrMax: 'read',
  kernelAlignment: 'modify',
  relocatableKernel: 'read',
  minAlignment: 'read',
  xloadflags: 'read',
  cmdlineSize: 'read',
  hardwareSubarch: 'write',
  hardwareSubarchData: 'write',
  payloadOffset: 'read',
  payloadLength: 'read',
  setupData: 'write',
  prefAddress: 'read',
  initSize: 'read',
  handoverOffset: 'read',
  kernelInfoOffset: 'read',
};

/**
 * A decoded setup header with every field (as in `boot_params.hdr`).
 *
 * @useDeclaredType
 */
export type SetupHeaderFull = Decoded<typeof SETUP_HEADER.fields>;

/** The setup header fields every kernel has, "HdrS" or not. */
export type SetupHeaderBaseKey = 'setupSects' | 'rootFlags' | 'syssize' | 'ramSize' | 'vidMode' | 'rootDev' | 'bootFlag';

/**
 * A decoded setup header: the fields every kernel has are always there; a
 * field the kernel's protocol version (or header length) does not reach is
 * absent.
 */
export type SetupHeader = Pick<SetupHeaderFull, SetupHeaderBaseKey> & Partial<Omit<SetupHeaderFull, SetupHeaderBaseKey>>;

/** The protocol version as text: 0x020f → `"2.15"`. */
export function protocolText(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}

/** The effective number of setup sectors: `setup_sects`, or 4 when it is 0. */
export function effectiveSetupSects(setupSects: number): number {
  return setupSects === 0 ? SETUP_SECTS_DEFAULT : setupSects;
}

/**
 * The protocol version that decides which fields exist: 2.14 was burnt by a
 * wrong commit and is read as 2.13 (boot.rst: "ASSUME SAME AS 2.13").
 */
export function effectiveProtocol(version: number): number {
  return version === 0x20e ? 0x20d : version;
}

/**
 * The end of the setup header, as a file offset, from the jump at 0x200:
 * `0x202 + byte[0x201]` (boot.rst, "32-bit Boot Protocol"). Returns
 * undefined when the byte at 0x200 is not a short jump (0xEB).
 */
export function setupHeaderEnd(bytes: Uint8Array, base = 0): number | undefined {
  if (bytes.length < base + 0x202 || bytes[base + 0x200] !== 0xeb) return undefined;
  return 0x202 + (bytes[base + 0x201] as number);
}

/**
 * True when `key` exists in a header of protocol `version` whose jump says it
 * ends at file offset `end` (both conditions: the version added it and it lies
 * within the header's length).
 */
export function hasField(key: SetupHeaderKey, version: number, end: number): boolean {
  const f = SETUP_HEADER.fields[key];
  return SETUP_HEADER_SINCE[key] <= effectiveProtocol(version) && SETUP_HEADER_OFFSET + f.offset + f.length <= end;
}

function err(code: 'TRUNCATED' | 'BAD_MAGIC' | 'UNSUPPORTED_VERSION', field: string | undefined, offset: number, reason: string): BootprotoError {
  return new BootprotoError({ code, format: 'linux', structure: 'setup_header', ...(field === undefined ? {} : { field }), offset, reason });
}

/**
 * Decodes the setup header of a kernel image (or of a captured header) whose
 * byte 0 is at `base` in `bytes` (the header itself starts at `base + 0x1F1`).
 * Requires `"HdrS"` (protocol 2.00 or later; an older kernel throws
 * `UNSUPPORTED_VERSION`) and a short jump at 0x200. Returns only the fields
 * the version has and the jump's length covers. `bytes` may stop at the
 * header's end.
 */
export function decodeSetupHeader(bytes: Uint8Array, base = 0): SetupHeader {
  if (!Number.isInteger(base) || base < 0 || bytes.length < base + 0x206) {
    throw err('TRUNCATED', undefined, base, `a setup header needs bytes up to 0x206, ${Math.max(0, bytes.length - base)} given`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + base, 0x206);
  if (dv.getUint32(0x202, true) !== HDRS_MAGIC) {
    throw err('UNSUPPORTED_VERSION', 'header', base + 0x202, `no "HdrS" at 0x202 (0x${dv.getUint32(0x202, true).toString(16)}): a pre-2.00 kernel or not a kernel`);
  }
  const end = setupHeaderEnd(bytes, base);
  if (end === undefined) throw err('BAD_MAGIC', 'jump', base + 0x200, `byte 0x200 is 0x${(bytes[base + 0x200] as number).toString(16)}, not a short jump (0xeb)`);
  if (end < 0x208) throw err('TRUNCATED', 'jump', base + 0x200, `the jump ends the header at 0x${end.toString(16)}, before version`);
  if (bytes.length < base + end) {
    throw err('TRUNCATED', undefined, base + SETUP_HEADER_OFFSET, `the header ends at 0x${end.toString(16)}, only ${bytes.length - base} bytes given`);
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset + base).getUint16(0x206, true);
  const window = new Uint8Array(SETUP_HEADER.size);
  window.set(bytes.subarray(base + SETUP_HEADER_OFFSET, Math.min(bytes.length, base + SETUP_HEADER_OFFSET + SETUP_HEADER.size)));
  const full = decodeLayout(SETUP_HEADER, window) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of SETUP_HEADER.order as SetupHeaderKey[]) {
    if (hasField(key, version, end)) out[key] = full[key];
  }
  return out as SetupHeader;
}

/** Decodes all 123 bytes of a setup header at `offset` as a structure, whatever its version (as `boot_params.hdr`). */
export function decodeSetupHeaderFull(bytes: Uint8Array, offset = SETUP_HEADER_OFFSET): SetupHeaderFull {
  return decodeLayout(SETUP_HEADER, bytes, offset);
}

/**
 * Encodes a setup header into `into` (a kernel image, a zero page, or a new
 * buffer of 0x1F1 + 123 bytes) with byte 0 at `base`. Writes only the fields
 * present in `header`; absent fields keep `into`'s bytes (zeros in a new buffer).
 */
export function encodeSetupHeader(header: SetupHeader, into?: Uint8Array, base = 0): Uint8Array {
  const out = into ?? new Uint8Array(base + SETUP_HEADER_OFFSET + SETUP_HEADER.size);
  const start = base + SETUP_HEADER_OFFSET;
  const current = new Uint8Array(SETUP_HEADER.size);
  const have = Math.max(0, Math.min(SETUP_HEADER.size, out.length - start));
  current.set(out.subarray(start, start + have));
  const merged = { ...decodeLayout(SETUP_HEADER, current), ...(header as Partial<SetupHeaderFull>) };
  const encoded = encodeLayout(SETUP_HEADER, merged);
  let last = 0;
  for (const key of SETUP_HEADER.order as SetupHeaderKey[]) {
    if ((header as Record<string, unknown>)[key] !== undefined) {
      const f = SETUP_HEADER.fields[key];
      last = Math.max(last, f.offset + f.length);
    }
  }
  if (start + last > out.length) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'linux',
      structure: 'setup_header',
      offset: start,
      reason: `the header's fields need ${start + last} bytes, the buffer has ${out.length}`,
    });
  }
  out.set(encoded.subarray(0, last), start);
  return out;
}

/** A zero-allocation view of all 123 bytes of a setup header at `offset` (0x1F1 in an image or zero page). */
export function viewSetupHeader(bytes: Uint8Array, offset = SETUP_HEADER_OFFSET): View<typeof SETUP_HEADER.fields> {
  return viewLayout(SETUP_HEADER, bytes, offset);
}

/** The specification's name of a setup header field (`cmdLinePtr` → `cmd_line_ptr`). */
export function specNameOf(key: SetupHeaderKey): string {
  return specName(key, SETUP_HEADER.fields[key]);
}
