/**
 * The `setup_data` chain (boot.rst, `setup_data` field; `uapi/asm/setup_data.h`):
 * a singly linked list of typed nodes in guest-physical memory, headed by
 * `setup_header.setup_data`, followed here through a {@link PhysicalMemory}
 * with a bound on nodes and lengths and loop detection. Known payloads are
 * decoded; `SETUP_INDIRECT` nodes are resolved to their target.
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
  type Decoded,
  type PhysAddr,
  type PhysicalMemory,
} from '../core/index.js';
import {
  SETUP_APPLE_PROPERTIES,
  SETUP_CC_BLOB,
  SETUP_DTB,
  SETUP_E820_EXT,
  SETUP_EFI,
  SETUP_IMA,
  SETUP_INDIRECT,
  SETUP_JAILHOUSE,
  SETUP_KEXEC_KHO,
  SETUP_PCI,
  SETUP_RNG_SEED,
  SETUP_TYPES,
  setupTypeName,
} from './constants.js';
import { BOOT_E820_ENTRY, type BootE820Entry } from './boot-params.js';

/** `struct setup_data`'s header (16 bytes; `data[]` follows). */
export const SETUP_DATA = defineLayout({
  name: 'setup_data',
  format: 'linux',
  size: 16,
  fields: {
    /** Physical address of the next node; 0 ends the list. */
    next: u64(0),
    /** `SETUP_*`. */
    type: u32(8, { values: SETUP_TYPES }),
    /** Length of `data[]`. */
    len: u32(12),
  },
});

/** `struct setup_indirect` (24 bytes, protocol 2.15). */
export const SETUP_INDIRECT_LAYOUT = defineLayout({
  name: 'setup_indirect',
  format: 'linux',
  size: 24,
  fields: {
    /** `SETUP_INDIRECT | SETUP_*`. */
    type: u32(0),
    /** Must be 0. */
    reserved: u32(4),
    /** Length of the data at `addr`. */
    len: u64(8),
    /** Physical address of the data. */
    addr: u64(16),
  },
});

/** `struct jailhouse_setup_data` (packed, 284 bytes: `hdr`, `v1`, `v2`); keys are the members' names, spec names keep the sub-structure. */
export const JAILHOUSE_SETUP_DATA = defineLayout({
  name: 'jailhouse_setup_data',
  format: 'linux',
  size: 284,
  fields: {
    /** Structure version. */
    version: u16(0, { spec: 'hdr.version' }),
    /** Oldest version this one is compatible with. */
    compatibleVersion: u16(2, { spec: 'hdr.compatible_version' }),
    /** ACPI PM timer port. */
    pmTimerAddress: u16(4, { spec: 'v1.pm_timer_address' }),
    /** CPUs in `cpu_ids`. */
    numCpus: u16(6, { spec: 'v1.num_cpus' }),
    /** PCI MMCONFIG base. */
    pciMmconfigBase: u64(8, { spec: 'v1.pci_mmconfig_base' }),
    /** TSC frequency. */
    tscKhz: u32(16, { spec: 'v1.tsc_khz' }),
    /** APIC timer frequency. */
    apicKhz: u32(20, { spec: 'v1.apic_khz' }),
    /** Nonzero: a standard IOAPIC. */
    standardIoapic: u8(24, { spec: 'v1.standard_ioapic' }),
    /** APIC ids. */
    cpuIds: bytes(25, 255, { spec: 'v1.cpu_ids' }),
    /** Version 2 flags. */
    flags: u32(280, { spec: 'v2.flags' }),
  },
});

/** `struct ima_setup_data` (packed, 16 bytes). */
export const IMA_SETUP_DATA = defineLayout({
  name: 'ima_setup_data',
  format: 'linux',
  size: 16,
  fields: {
    /** Physical address of the IMA buffer. */
    addr: u64(0),
    /** Its size. */
    size: u64(8),
  },
});

/** `struct kho_data` (packed, 32 bytes). */
export const KHO_DATA = defineLayout({
  name: 'kho_data',
  format: 'linux',
  size: 32,
  fields: {
    /** Physical address of the KHO device tree. */
    fdtAddr: u64(0),
    /** Its size. */
    fdtSize: u64(8),
    /** Physical address of the scratch areas. */
    scratchAddr: u64(16),
    /** Their size. */
    scratchSize: u64(24),
  },
});

/** `struct efi_setup_data` (the kexec ABI, 96 bytes; `arch/x86/include/asm/setup_data.h`). */
export const EFI_SETUP_DATA = defineLayout({
  name: 'efi_setup_data',
  format: 'linux',
  size: 96,
  fields: {
    /** Firmware vendor string address. */
    fwVendor: u64(0),
    /** Unused (formerly the runtime services address). */
    unused: u64(8, { spec: '__unused' }),
    /** Configuration table address. */
    tables: u64(16),
    /** SMBIOS table address. */
    smbios: u64(24),
    /** Reserved. */
    reserved: bytes(32, 64),
  },
});

/**
 * The payload of `struct pci_setup_rom` after its `setup_data` header, as a
 * 64-bit kernel lays it out (`unsigned long` is 8 bytes; `romdata[]` follows at 48).
 */
export const PCI_SETUP_ROM = defineLayout({
  name: 'pci_setup_rom',
  format: 'linux',
  size: 48,
  fields: {
    /** PCI vendor id. */
    vendor: u16(0),
    /** PCI device id. */
    devid: u16(2),
    /** Padding the compiler inserts. */
    pad: bytes(4, 4, { spec: '(padding)' }),
    /** Length of `romdata`. */
    pcilen: u64(8),
    /** PCI segment. */
    segment: u64(16),
    /** PCI bus. */
    bus: u64(24),
    /** PCI device. */
    device: u64(32),
    /** PCI function. */
    function: u64(40),
  },
});

/** The payload of `struct cc_setup_data` after its `setup_data` header (4 bytes). */
export const CC_SETUP_DATA = defineLayout({
  name: 'cc_setup_data',
  format: 'linux',
  size: 4,
  fields: {
    /** Physical address of the confidential computing blob. */
    ccBlobAddress: u32(0),
  },
});

/**
 * A decoded `setup_data` header.
 *
 * @useDeclaredType
 */
export type SetupDataHeader = Decoded<typeof SETUP_DATA.fields>;
/**
 * A decoded `setup_indirect`.
 *
 * @useDeclaredType
 */
export type SetupIndirect = Decoded<typeof SETUP_INDIRECT_LAYOUT.fields>;
/**
 * A decoded `jailhouse_setup_data`.
 *
 * @useDeclaredType
 */
export type JailhouseSetupData = Decoded<typeof JAILHOUSE_SETUP_DATA.fields>;
/**
 * A decoded `ima_setup_data`.
 *
 * @useDeclaredType
 */
export type ImaSetupData = Decoded<typeof IMA_SETUP_DATA.fields>;
/**
 * A decoded `kho_data`.
 *
 * @useDeclaredType
 */
export type KhoData = Decoded<typeof KHO_DATA.fields>;
/**
 * A decoded `efi_setup_data`.
 *
 * @useDeclaredType
 */
export type EfiSetupData = Decoded<typeof EFI_SETUP_DATA.fields>;
/**
 * A decoded `pci_setup_rom` payload.
 *
 * @useDeclaredType
 */
export type PciSetupRom = Decoded<typeof PCI_SETUP_ROM.fields>;

/** The decoded payload of a known `setup_data` type. */
export type SetupDataPayload =
  | {
      /** The type. */
      kind: 'SETUP_E820_EXT';
      /** The entries (`len / 20` of them). */
      entries: BootE820Entry[];
      /** Bytes after the last whole entry (0 in a well-formed node). */
      trailingBytes: number;
    }
  | {
      /** The type. */
      kind: 'SETUP_DTB';
      /** The device tree blob, raw (decode it with the fdt module). */
      dtb: Uint8Array;
      /** The data starts with the FDT magic 0xd00dfeed. */
      fdtMagic: boolean;
    }
  | {
      /** The type. */
      kind: 'SETUP_PCI';
      /** The ROM's PCI identity. */
      rom: PciSetupRom;
      /** The option ROM image. */
      romdata: Uint8Array;
    }
  | {
      /** The type. */
      kind: 'SETUP_EFI';
      /** The kexec EFI addresses. */
      efi: EfiSetupData;
    }
  | {
      /** The type. */
      kind: 'SETUP_APPLE_PROPERTIES';
      /** The properties, raw. */
      properties: Uint8Array;
    }
  | {
      /** The type. */
      kind: 'SETUP_JAILHOUSE';
      /** The platform information (`flags` only in version 2's 284 bytes). */
      jailhouse: Partial<JailhouseSetupData>;
    }
  | {
      /** The type. */
      kind: 'SETUP_CC_BLOB';
      /** Physical address of the confidential computing blob. */
      ccBlobAddress: number;
    }
  | {
      /** The type. */
      kind: 'SETUP_IMA';
      /** Where the IMA buffer is. */
      ima: ImaSetupData;
    }
  | {
      /** The type. */
      kind: 'SETUP_RNG_SEED';
      /** The seed bytes. */
      seed: Uint8Array;
    }
  | {
      /** The type. */
      kind: 'SETUP_KEXEC_KHO';
      /** Where the kexec handover data is. */
      kho: KhoData;
    };

/** The target of a `SETUP_INDIRECT` node. */
export interface SetupIndirectTarget extends SetupIndirect {
  /** The name of `type` (`SETUP_INDIRECT|SETUP_E820_EXT`). */
  typeName: string;
  /** The `len` bytes at `addr`. */
  data: Uint8Array;
  /** The payload decoded by the type without the `SETUP_INDIRECT` bit, when known. */
  payload?: SetupDataPayload;
}

/** One node of the chain. */
export interface SetupDataNode {
  /** Physical address of the node's header. */
  paddr: bigint;
  /** `next`: the next node's address, 0 at the end. */
  next: bigint;
  /** `type`. */
  type: number;
  /** `SETUP_DTB`, …, or the type in hex. */
  typeName: string;
  /** `len`: the length of `data[]`. */
  len: number;
  /** The `len` bytes of `data[]` (a subarray of memory where the memory allows). */
  data: Uint8Array;
  /** The payload decoded, for the known types. */
  payload?: SetupDataPayload;
  /** For a `SETUP_INDIRECT` node: the indirect descriptor and its target. */
  indirect?: SetupIndirectTarget;
}

/** Bounds of a walk. */
export interface SetupDataLimits {
  /** Most nodes followed (default 1024). */
  maxNodes: number;
  /** Largest `len` (or indirect `len`) accepted (default 256 MiB). */
  maxLen: number;
}

/** The default bounds of {@link walkSetupData}. */
export const SETUP_DATA_LIMITS: Readonly<SetupDataLimits> = { maxNodes: 1024, maxLen: 256 << 20 };

function sdError(code: 'LOOP' | 'LIMIT' | 'TRUNCATED' | 'BAD_VALUE', paddr: bigint, field: string, reason: string, structure = 'setup_data'): BootprotoError {
  return new BootprotoError({ code, format: 'linux', structure, field, offset: 0, paddr, reason });
}

/**
 * Decodes the payload of a `setup_data` (or indirect) node of `type` from its
 * data bytes. Returns undefined for unknown types; throws `TRUNCATED` when
 * the data is shorter than the type's structure.
 */
export function decodeSetupPayload(type: number, data: Uint8Array, paddr = 0n): SetupDataPayload | undefined {
  const need = (n: number, structure: string): void => {
    if (data.length < n) throw sdError('TRUNCATED', paddr, 'len', `${structure} needs ${n} bytes, len is ${data.length}`, structure);
  };
  switch (type) {
    case SETUP_E820_EXT: {
      const n = Math.floor(data.length / BOOT_E820_ENTRY.size);
      const entries: BootE820Entry[] = [];
      for (let i = 0; i < n; i++) entries.push(decodeLayout(BOOT_E820_ENTRY, data, i * BOOT_E820_ENTRY.size));
      return { kind: 'SETUP_E820_EXT', entries, trailingBytes: data.length - n * BOOT_E820_ENTRY.size };
    }
    case SETUP_DTB:
      return { kind: 'SETUP_DTB', dtb: data, fdtMagic: data.length >= 4 && data[0] === 0xd0 && data[1] === 0x0d && data[2] === 0xfe && data[3] === 0xed };
    case SETUP_PCI:
      need(PCI_SETUP_ROM.size, 'pci_setup_rom');
      return { kind: 'SETUP_PCI', rom: decodeLayout(PCI_SETUP_ROM, data), romdata: data.subarray(PCI_SETUP_ROM.size) };
    case SETUP_EFI:
      need(EFI_SETUP_DATA.size, 'efi_setup_data');
      return { kind: 'SETUP_EFI', efi: decodeLayout(EFI_SETUP_DATA, data) };
    case SETUP_APPLE_PROPERTIES:
      return { kind: 'SETUP_APPLE_PROPERTIES', properties: data };
    case SETUP_JAILHOUSE: {
      // v1 ends at 280; v2 adds flags. Decode what the length covers (at least the v1 part).
      need(280, 'jailhouse_setup_data');
      const full = new Uint8Array(JAILHOUSE_SETUP_DATA.size);
      full.set(data.subarray(0, JAILHOUSE_SETUP_DATA.size));
      const j: Partial<JailhouseSetupData> = decodeLayout(JAILHOUSE_SETUP_DATA, full);
      if (data.length < JAILHOUSE_SETUP_DATA.size) delete j.flags;
      return { kind: 'SETUP_JAILHOUSE', jailhouse: j };
    }
    case SETUP_CC_BLOB:
      need(CC_SETUP_DATA.size, 'cc_setup_data');
      return { kind: 'SETUP_CC_BLOB', ccBlobAddress: decodeLayout(CC_SETUP_DATA, data).ccBlobAddress };
    case SETUP_IMA:
      need(IMA_SETUP_DATA.size, 'ima_setup_data');
      return { kind: 'SETUP_IMA', ima: decodeLayout(IMA_SETUP_DATA, data) };
    case SETUP_RNG_SEED:
      return { kind: 'SETUP_RNG_SEED', seed: data };
    case SETUP_KEXEC_KHO:
      need(KHO_DATA.size, 'kho_data');
      return { kind: 'SETUP_KEXEC_KHO', kho: decodeLayout(KHO_DATA, data) };
    default:
      return undefined;
  }
}

const U64_END = 1n << 64n;

/**
 * Follows the `setup_data` chain from `head` (the value of
 * `setup_header.setup_data`; 0 is an empty chain) through `memory`. Throws
 * `UNMAPPED` for a node or target outside memory, `LOOP` when a node is
 * reached twice, `LIMIT` beyond {@link SetupDataLimits}, `TRUNCATED` for a
 * known payload shorter than its structure. `SETUP_INDIRECT` targets are read
 * but never followed further (a target cannot itself be `SETUP_INDIRECT`).
 */
export function walkSetupData(memory: PhysicalMemory, head: PhysAddr, limits: Partial<SetupDataLimits> = {}): SetupDataNode[] {
  const { maxNodes, maxLen } = { ...SETUP_DATA_LIMITS, ...limits };
  const nodes: SetupDataNode[] = [];
  const seen = new Set<bigint>();
  let paddr = BigInt(head);
  while (paddr !== 0n) {
    if (seen.has(paddr)) throw sdError('LOOP', paddr, 'next', `the chain comes back to 0x${paddr.toString(16)} after ${nodes.length} nodes`);
    if (nodes.length >= maxNodes) throw sdError('LIMIT', paddr, 'next', `more than ${maxNodes} nodes`);
    seen.add(paddr);
    const ctx = { format: 'linux' as const, structure: 'setup_data' };
    const h = decodeLayout(SETUP_DATA, memory.read(paddr, SETUP_DATA.size, ctx));
    if (h.len > maxLen) throw sdError('LIMIT', paddr, 'len', `len ${h.len} exceeds the bound ${maxLen}`);
    if (paddr + 16n + BigInt(h.len) > U64_END) throw sdError('BAD_VALUE', paddr, 'len', 'the node runs past 2^64');
    const data = memory.read(paddr + 16n, h.len, { ...ctx, field: 'data' });
    const node: SetupDataNode = { paddr, next: h.next, type: h.type, typeName: setupTypeName(h.type), len: h.len, data };
    if (h.type === SETUP_INDIRECT) {
      if (h.len < SETUP_INDIRECT_LAYOUT.size) throw sdError('TRUNCATED', paddr, 'len', `a SETUP_INDIRECT node needs 24 bytes of data, len is ${h.len}`, 'setup_indirect');
      const ind = decodeLayout(SETUP_INDIRECT_LAYOUT, data);
      if (ind.len > BigInt(maxLen)) throw sdError('LIMIT', paddr + 16n, 'len', `indirect len ${ind.len} exceeds the bound ${maxLen}`, 'setup_indirect');
      if (ind.addr + ind.len > U64_END) throw sdError('BAD_VALUE', paddr + 16n, 'addr', 'the target runs past 2^64', 'setup_indirect');
      const target = memory.read(ind.addr, Number(ind.len), { format: 'linux', structure: 'setup_indirect', field: 'addr' });
      const inner = (ind.type & ~SETUP_INDIRECT) >>> 0;
      const payload = (ind.type & SETUP_INDIRECT) !== 0 && inner !== 0 ? decodeSetupPayload(inner, target, ind.addr) : undefined;
      node.indirect = { ...ind, typeName: setupTypeName(ind.type), data: target, ...(payload === undefined ? {} : { payload }) };
    } else {
      const payload = decodeSetupPayload(h.type, data, paddr + 16n);
      if (payload !== undefined) node.payload = payload;
    }
    nodes.push(node);
    paddr = h.next;
  }
  return nodes;
}

/** A node to lay out: its type and data bytes (the `next` and `len` fields are filled in). */
export interface SetupDataSpec {
  /** `SETUP_*`. */
  type: number;
  /** The node's `data[]`. */
  data: Uint8Array;
}

/**
 * Writes `nodes` as a chain through `memory`, each at its given address,
 * linking each to the next (the last `next` is `tail`, 0 by default) and
 * returns the head address to store in `setup_header.setup_data`.
 */
export function writeSetupData(memory: PhysicalMemory, nodes: readonly (SetupDataSpec & { paddr: bigint })[], tail = 0n): bigint {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as SetupDataSpec & { paddr: bigint };
    const next = i + 1 < nodes.length ? (nodes[i + 1] as { paddr: bigint }).paddr : tail;
    const out = new Uint8Array(SETUP_DATA.size + n.data.length);
    encodeLayout(SETUP_DATA, { next, type: n.type, len: n.data.length }, out);
    out.set(n.data, SETUP_DATA.size);
    memory.write(n.paddr, out, { format: 'linux', structure: 'setup_data' });
  }
  return nodes.length === 0 ? tail : (nodes[0] as { paddr: bigint }).paddr;
}

/** Encodes one node (header and data) into a new buffer. */
export function encodeSetupDataNode(next: bigint, type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(SETUP_DATA.size + data.length);
  encodeLayout(SETUP_DATA, { next, type, len: data.length }, out);
  out.set(data, SETUP_DATA.size);
  return out;
}
