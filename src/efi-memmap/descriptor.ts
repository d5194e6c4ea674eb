/**
 * `EFI_MEMORY_DESCRIPTOR` (UEFI specification, Boot Services, Memory
 * Allocation Services, `EFI_BOOT_SERVICES.GetMemoryMap()`), its memory types
 * (`EFI_MEMORY_TYPE`, defined with `AllocatePages()`) and its attribute bits.
 *
 * Offsets and values were checked against the UEFI reference headers of
 * EDK II (`MdePkg/Include/Uefi/UefiSpec.h`, `UefiMultiPhase.h`) and the EFI
 * 1.10 specification's GetMemoryMap() page: `Type` is a UINT32 at 0, four
 * bytes of padding follow (the next field is 64-bit and naturally aligned),
 * then `PhysicalStart`, `VirtualStart`, `NumberOfPages` and `Attribute`
 * (UINT64 each) at 8, 16, 24 and 32: 40 bytes. Firmware may hand out larger
 * descriptors (`DescriptorSize`, commonly 48): the extra bytes follow these 40.
 *
 * @module
 */
import { BootprotoError, defineLayout, encodeLayout, u32, u64, viewLayout, type Decoded, type View } from '../core/index.js';

// ---------------------------------------------------------------------------
// Memory types (EFI_MEMORY_TYPE)

/** `EfiReservedMemoryType` (0): not usable. */
export const EfiReservedMemoryType = 0;
/** `EfiLoaderCode` (1): code of a loaded UEFI application (OS loaders included). */
export const EfiLoaderCode = 1;
/** `EfiLoaderData` (2): data of a loaded UEFI application; the default pool type of applications. */
export const EfiLoaderData = 2;
/** `EfiBootServicesCode` (3): code of a boot services driver. */
export const EfiBootServicesCode = 3;
/** `EfiBootServicesData` (4): data of a boot services driver. */
export const EfiBootServicesData = 4;
/** `EfiRuntimeServicesCode` (5): code of a runtime services driver; kept after ExitBootServices(). */
export const EfiRuntimeServicesCode = 5;
/** `EfiRuntimeServicesData` (6): data of a runtime services driver; kept after ExitBootServices(). */
export const EfiRuntimeServicesData = 6;
/** `EfiConventionalMemory` (7): free memory. */
export const EfiConventionalMemory = 7;
/** `EfiUnusableMemory` (8): memory in which errors have been detected. */
export const EfiUnusableMemory = 8;
/** `EfiACPIReclaimMemory` (9): ACPI tables; usable once the OS has read them. */
export const EfiACPIReclaimMemory = 9;
/** `EfiACPIMemoryNVS` (10): reserved for the firmware's ACPI use. */
export const EfiACPIMemoryNVS = 10;
/** `EfiMemoryMappedIO` (11): memory-mapped I/O that runtime services use. */
export const EfiMemoryMappedIO = 11;
/** `EfiMemoryMappedIOPortSpace` (12): memory-mapped I/O port space. */
export const EfiMemoryMappedIOPortSpace = 12;
/** `EfiPalCode` (13): firmware code that is part of the processor (Itanium PAL). */
export const EfiPalCode = 13;
/** `EfiPersistentMemory` (14): conventional memory that is also byte-addressable non-volatile. */
export const EfiPersistentMemory = 14;
/** `EfiUnacceptedMemoryType` (15): memory not yet accepted by the isolation architecture (TDX, SEV-SNP). */
export const EfiUnacceptedMemoryType = 15;
/** `EfiMaxMemoryType` (16): the first value that is not a standard type. */
export const EfiMaxMemoryType = 16;

/** `MEMORY_TYPE_OEM_RESERVED_MIN`: first type value reserved for OEMs. */
export const MEMORY_TYPE_OEM_RESERVED_MIN = 0x70000000;
/** `MEMORY_TYPE_OEM_RESERVED_MAX`: last type value reserved for OEMs. */
export const MEMORY_TYPE_OEM_RESERVED_MAX = 0x7fffffff;
/** `MEMORY_TYPE_OS_RESERVED_MIN`: first type value reserved for OS loaders. */
export const MEMORY_TYPE_OS_RESERVED_MIN = 0x80000000;
/** `MEMORY_TYPE_OS_RESERVED_MAX`: last type value reserved for OS loaders. */
export const MEMORY_TYPE_OS_RESERVED_MAX = 0xffffffff;

/** The standard memory types by value, with their UEFI names. */
export const EFI_MEMORY_TYPES: Readonly<Record<number, string>> = {
  0: 'EfiReservedMemoryType',
  1: 'EfiLoaderCode',
  2: 'EfiLoaderData',
  3: 'EfiBootServicesCode',
  4: 'EfiBootServicesData',
  5: 'EfiRuntimeServicesCode',
  6: 'EfiRuntimeServicesData',
  7: 'EfiConventionalMemory',
  8: 'EfiUnusableMemory',
  9: 'EfiACPIReclaimMemory',
  10: 'EfiACPIMemoryNVS',
  11: 'EfiMemoryMappedIO',
  12: 'EfiMemoryMappedIOPortSpace',
  13: 'EfiPalCode',
  14: 'EfiPersistentMemory',
  15: 'EfiUnacceptedMemoryType',
};

/**
 * Which range of the type space a value falls in: `standard` (0 to
 * `EfiMaxMemoryType` − 1), `oem` (0x70000000–0x7FFFFFFF), `os`
 * (0x80000000–0xFFFFFFFF), or `invalid` (everything else, which the
 * specification forbids).
 */
export type EfiMemoryTypeRange = 'standard' | 'oem' | 'os' | 'invalid';

/** The range of the type space `type` falls in (see {@link EfiMemoryTypeRange}). */
export function memoryTypeRange(type: number): EfiMemoryTypeRange {
  if (type >= 0 && type < EfiMaxMemoryType) return 'standard';
  if (type >= MEMORY_TYPE_OEM_RESERVED_MIN && type <= MEMORY_TYPE_OEM_RESERVED_MAX) return 'oem';
  if (type >= MEMORY_TYPE_OS_RESERVED_MIN && type <= MEMORY_TYPE_OS_RESERVED_MAX) return 'os';
  return 'invalid';
}

/**
 * The name of a memory type: the UEFI name for a standard type
 * (`EfiConventionalMemory`), else `OEM 0x70000001`, `OS 0x80000000` or
 * `invalid 0x10`.
 */
export function memoryTypeName(type: number): string {
  const name = EFI_MEMORY_TYPES[type];
  if (name !== undefined) return name;
  const hex = `0x${(type >>> 0).toString(16)}`;
  const range = memoryTypeRange(type);
  return range === 'oem' ? `OEM ${hex}` : range === 'os' ? `OS ${hex}` : `invalid ${hex}`;
}

// ---------------------------------------------------------------------------
// Attributes (64-bit: bigint constants, and bit numbers for the hot path)

/** `EFI_MEMORY_UC`: uncacheable. */
export const EFI_MEMORY_UC = 0x1n;
/** `EFI_MEMORY_WC`: write-combining. */
export const EFI_MEMORY_WC = 0x2n;
/** `EFI_MEMORY_WT`: write-through. */
export const EFI_MEMORY_WT = 0x4n;
/** `EFI_MEMORY_WB`: write-back. */
export const EFI_MEMORY_WB = 0x8n;
/** `EFI_MEMORY_UCE`: uncacheable, exported, supports "fetch and add". */
export const EFI_MEMORY_UCE = 0x10n;
/** `EFI_MEMORY_WP`: write-protected (since UEFI 2.5 a cacheability attribute; use RO for protection). */
export const EFI_MEMORY_WP = 0x1000n;
/** `EFI_MEMORY_RP`: read-protected. */
export const EFI_MEMORY_RP = 0x2000n;
/** `EFI_MEMORY_XP`: execute-protected. */
export const EFI_MEMORY_XP = 0x4000n;
/** `EFI_MEMORY_NV`: byte-addressable non-volatile. */
export const EFI_MEMORY_NV = 0x8000n;
/** `EFI_MEMORY_MORE_RELIABLE`: more reliable than other memory of the system. */
export const EFI_MEMORY_MORE_RELIABLE = 0x10000n;
/** `EFI_MEMORY_RO`: read-only (write-protected by hardware). */
export const EFI_MEMORY_RO = 0x20000n;
/** `EFI_MEMORY_SP`: specific-purpose memory (UEFI 2.8). */
export const EFI_MEMORY_SP = 0x40000n;
/** `EFI_MEMORY_CPU_CRYPTO`: can be protected by the CPU's memory encryption. */
export const EFI_MEMORY_CPU_CRYPTO = 0x80000n;
/** `EFI_MEMORY_HOT_PLUGGABLE`: present and hot-removable (recent; in EDK II's UefiSpec.h since 2025). */
export const EFI_MEMORY_HOT_PLUGGABLE = 0x100000n;
/** `EFI_MEMORY_ISA_VALID`: the `EFI_MEMORY_ISA_MASK` bits hold ISA-specific cacheability attributes. */
export const EFI_MEMORY_ISA_VALID = 0x4000000000000000n;
/** `EFI_MEMORY_ISA_MASK`: bits 44–59, ISA-specific cacheability attributes. */
export const EFI_MEMORY_ISA_MASK = 0x0ffff00000000000n;
/** `EFI_MEMORY_RUNTIME`: bit 63; the OS must map the range for runtime services. */
export const EFI_MEMORY_RUNTIME = 0x8000000000000000n;

/** `EFI_MEMORY_DESCRIPTOR_VERSION`: the only descriptor version defined (1). */
export const EFI_MEMORY_DESCRIPTOR_VERSION = 1;
/** `EFI_PAGE_SIZE`: a page of the memory map is 4 KiB. */
export const EFI_PAGE_SIZE = 4096;
/** `EFI_PAGE_SHIFT`: log2 of {@link EFI_PAGE_SIZE}. */
export const EFI_PAGE_SHIFT = 12;

/**
 * Every single-bit attribute by name, with its bit number (0–63), in bit
 * order. The hot path tests bits by number ({@link attributeHasBit});
 * `EFI_MEMORY_ISA_MASK` is a field, not a bit, and is not listed.
 */
export const EFI_MEMORY_ATTRIBUTE_BITS: Readonly<Record<string, number>> = {
  EFI_MEMORY_UC: 0,
  EFI_MEMORY_WC: 1,
  EFI_MEMORY_WT: 2,
  EFI_MEMORY_WB: 3,
  EFI_MEMORY_UCE: 4,
  EFI_MEMORY_WP: 12,
  EFI_MEMORY_RP: 13,
  EFI_MEMORY_XP: 14,
  EFI_MEMORY_NV: 15,
  EFI_MEMORY_MORE_RELIABLE: 16,
  EFI_MEMORY_RO: 17,
  EFI_MEMORY_SP: 18,
  EFI_MEMORY_CPU_CRYPTO: 19,
  EFI_MEMORY_HOT_PLUGGABLE: 20,
  EFI_MEMORY_ISA_VALID: 62,
  EFI_MEMORY_RUNTIME: 63,
};

/** Every attribute bit and field the specification defines (`ISA_MASK` included). */
export const EFI_MEMORY_KNOWN_ATTRIBUTES: bigint =
  Object.values(EFI_MEMORY_ATTRIBUTE_BITS).reduce((a, bit) => a | (1n << BigInt(bit)), 0n) | EFI_MEMORY_ISA_MASK;

/**
 * Whether bit `bit` (0–63) is set in an attribute given as its two 32-bit
 * halves (what a view's `attributeLo`/`attributeHi` return). No allocation.
 */
export function attributeHasBit(lo: number, hi: number, bit: number): boolean {
  return bit < 32 ? ((lo >>> bit) & 1) === 1 : ((hi >>> (bit - 32)) & 1) === 1;
}

const ATTRIBUTE_NAME_BY_BIT: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(EFI_MEMORY_ATTRIBUTE_BITS).map(([name, bit]) => [bit, name]),
);

/**
 * The names of the attribute bits set in `attribute`, in bit order; the ISA
 * field as `EFI_MEMORY_ISA_MASK(0x…)` (the field's value shifted down) when
 * not zero, and unknown bits as `bit N`.
 */
export function attributeNames(attribute: bigint): string[] {
  const out: string[] = [];
  // Two 32-bit halves tested as numbers: no BigInt per bit.
  const lo = Number(attribute & 0xffffffffn);
  const hi = Number((attribute >> 32n) & 0xffffffffn);
  for (let bit = 0; bit < 64; bit++) {
    const word = bit < 32 ? lo : hi;
    if (((word >>> (bit & 31)) & 1) === 0) continue;
    if (bit >= 44 && bit <= 59) continue;
    out.push(ATTRIBUTE_NAME_BY_BIT[bit] ?? `bit ${bit}`);
  }
  const isa = (attribute & EFI_MEMORY_ISA_MASK) >> 44n;
  if (isa !== 0n) out.push(`EFI_MEMORY_ISA_MASK(0x${isa.toString(16)})`);
  return out;
}

// ---------------------------------------------------------------------------
// The descriptor

/** `EFI_MEMORY_DESCRIPTOR` version 1 (40 bytes; the padding after `Type` is named `Pad`). */
export const EFI_MEMORY_DESCRIPTOR = defineLayout({
  name: 'EFI_MEMORY_DESCRIPTOR',
  format: 'efi-memmap',
  size: 40,
  specCase: 'PascalCase',
  fields: {
    /** `Type`: an `EFI_MEMORY_TYPE` (0–15), or an OEM (0x70000000–0x7FFFFFFF) or OS (0x80000000–0xFFFFFFFF) value. */
    type: u32(0, { values: EFI_MEMORY_TYPES }),
    /** The 4 bytes of padding before `PhysicalStart` (not a field of the specification; normally 0). */
    pad: u32(4),
    /** `PhysicalStart`: the range's first physical address, 4 KiB aligned. */
    physicalStart: u64(8),
    /** `VirtualStart`: its virtual address once `SetVirtualAddressMap()` ran, 4 KiB aligned; usually 0 before. */
    virtualStart: u64(16),
    /** `NumberOfPages`: the range's length in 4 KiB pages; never 0. */
    numberOfPages: u64(24),
    /** `Attribute`: the capabilities of the range, `EFI_MEMORY_*` bits (bit 63 is `EFI_MEMORY_RUNTIME`). */
    attribute: u64(32),
  },
});

/**
 * The descriptor's fields, decoded (64-bit fields as `bigint`).
 *
 * @interface
 */
export type EfiMemoryDescriptorFields = Decoded<typeof EFI_MEMORY_DESCRIPTOR.fields>;

/**
 * A decoded `EFI_MEMORY_DESCRIPTOR`. `trailing` holds the bytes of a
 * descriptor beyond the 40 the specification defines (a map whose
 * `DescriptorSize` is 48 has 8 more), only when any of them is not zero, so
 * that encoding gives back the same bytes; absent means zeros.
 */
export interface EfiMemoryDescriptor extends EfiMemoryDescriptorFields {
  /** The descriptor's bytes after offset 40, when not all zero. */
  trailing?: Uint8Array;
}

/** The size of the version 1 descriptor (40). */
export const EFI_MEMORY_DESCRIPTOR_SIZE = EFI_MEMORY_DESCRIPTOR.size;

function badSize(descriptorSize: number, offset: number): BootprotoError {
  return new BootprotoError({
    code: 'BAD_VALUE',
    format: 'efi-memmap',
    structure: 'EFI_MEMORY_DESCRIPTOR',
    offset,
    reason: `DescriptorSize ${descriptorSize} is not a whole number of at least 40 bytes`,
  });
}

/** Throws `BAD_VALUE` unless `descriptorSize` is an integer of at least 40 (the only sizes one can decode). */
export function checkDescriptorSize(descriptorSize: number, offset = 0): void {
  if (!(Number.isSafeInteger(descriptorSize) && descriptorSize >= EFI_MEMORY_DESCRIPTOR.size)) throw badSize(descriptorSize, offset);
}

/**
 * The fields under a view, as a plain object. Reading through the layout's
 * view (one BigInt per 64-bit field) is several times faster than
 * `decodeLayout`'s whole-struct read and gives the same object (a property
 * test checks it).
 */
export function descriptorFromView(v: View<typeof EFI_MEMORY_DESCRIPTOR.fields>): EfiMemoryDescriptor {
  return {
    type: v.type,
    pad: v.pad,
    physicalStart: v.physicalStartBig,
    virtualStart: v.virtualStartBig,
    numberOfPages: v.numberOfPagesBig,
    attribute: v.attributeBig,
  };
}

/**
 * Sets `d.trailing` to a copy of the descriptor's bytes past the 40th, when
 * any is not zero (the caller has checked that they are within `bytes`).
 */
export function addTrailing(d: EfiMemoryDescriptor, bytes: Uint8Array, offset: number, descriptorSize: number): void {
  const start = offset + EFI_MEMORY_DESCRIPTOR.size;
  const end = offset + descriptorSize;
  for (let i = start; i < end; i++) {
    if (bytes[i] !== 0) {
      d.trailing = bytes.slice(start, end);
      return;
    }
  }
}

/**
 * Decodes one descriptor of `descriptorSize` bytes (default 40) at `offset`.
 * Bytes past the 40th become `trailing` when not all zero.
 */
export function decodeMemoryDescriptor(bytes: Uint8Array, offset = 0, descriptorSize = EFI_MEMORY_DESCRIPTOR.size): EfiMemoryDescriptor {
  checkDescriptorSize(descriptorSize, offset);
  const d = descriptorFromView(viewLayout(EFI_MEMORY_DESCRIPTOR, bytes, offset));
  if (descriptorSize > EFI_MEMORY_DESCRIPTOR.size) {
    if (offset + descriptorSize > bytes.length) {
      throw new BootprotoError({
        code: 'TRUNCATED',
        format: 'efi-memmap',
        structure: 'EFI_MEMORY_DESCRIPTOR',
        offset,
        reason: `a ${descriptorSize}-byte descriptor needs ${descriptorSize} bytes, only ${bytes.length - offset} remain`,
      });
    }
    addTrailing(d, bytes, offset, descriptorSize);
  }
  return d;
}

/**
 * Encodes one descriptor into `descriptorSize` bytes (default 40) at
 * `offset` of `into` (or of a new buffer): the 40 defined bytes, then
 * `trailing` (which must fit) and zeros.
 */
export function encodeMemoryDescriptor(
  descriptor: EfiMemoryDescriptor,
  into?: Uint8Array,
  offset = 0,
  descriptorSize = EFI_MEMORY_DESCRIPTOR.size,
): Uint8Array {
  checkDescriptorSize(descriptorSize, offset);
  const out = into ?? new Uint8Array(offset + descriptorSize);
  if (!(Number.isInteger(offset) && offset >= 0 && out.length - offset >= descriptorSize)) {
    throw new BootprotoError({
      code: 'TRUNCATED',
      format: 'efi-memmap',
      structure: 'EFI_MEMORY_DESCRIPTOR',
      offset,
      reason: `no room for a ${descriptorSize}-byte descriptor at offset ${offset} of ${out.length} bytes`,
    });
  }
  const { trailing } = descriptor;
  const room = descriptorSize - EFI_MEMORY_DESCRIPTOR.size;
  if (trailing !== undefined && !(trailing instanceof Uint8Array && trailing.length <= room)) {
    throw new BootprotoError({
      code: 'BAD_VALUE',
      format: 'efi-memmap',
      structure: 'EFI_MEMORY_DESCRIPTOR',
      field: 'trailing',
      offset: offset + EFI_MEMORY_DESCRIPTOR.size,
      reason: `${trailing instanceof Uint8Array ? trailing.length : 'non-byte'} trailing bytes do not fit a ${descriptorSize}-byte descriptor`,
    });
  }
  encodeLayout(EFI_MEMORY_DESCRIPTOR, descriptor, out, offset);
  const tail = out.subarray(offset + EFI_MEMORY_DESCRIPTOR.size, offset + descriptorSize);
  tail.fill(0);
  if (trailing !== undefined) tail.set(trailing);
  return out;
}
