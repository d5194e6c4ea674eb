/**
 * Validation of a kernel's setup header, a zero page, and a zero page in
 * guest memory with everything it points to: every problem found, never an
 * exception. The rules and their codes are listed in `docs/linux-bootparams.md`
 * ("Validation").
 *
 * @module
 */
import {
  BootprotoError,
  problemFromError,
  readPhysCString,
  type PhysAddr,
  type PhysicalMemory,
  type Problem,
  type Severity,
  ProblemCollector,
} from '../core/index.js';
import {
  BOOT_FLAG_MAGIC,
  CMDLINE_SIZE_BEFORE_2_06,
  E820_MAX_ENTRIES_ZEROPAGE,
  E820_TYPES,
  EDDMAXNR,
  EDD_MBR_SIG_MAX,
  EFI32_LOADER_SIGNATURE,
  EFI64_LOADER_SIGNATURE,
  HDRS_MAGIC,
  LOADFLAGS,
  SETUP_E820_EXT,
  SETUP_INDIRECT,
  SETUP_HEADER_OFFSET,
  SETUP_NONE,
  XLF_CAN_BE_LOADED_ABOVE_4G,
  XLOADFLAGS,
} from './constants.js';
import { BOOT_E820_ENTRY, BOOT_PARAMS, bootParamsAddresses, decodeBootParams, type BootE820Entry } from './boot-params.js';
import {
  SETUP_HEADER,
  decodeSetupHeaderFull,
  effectiveProtocol,
  effectiveSetupSects,
  hasField,
  setupHeaderEnd,
  type SetupHeaderFull,
} from './setup-header.js';
import { walkSetupData, type SetupDataLimits, type SetupDataNode } from './setup-data.js';

const KNOWN_LOADFLAGS = Object.values(LOADFLAGS).reduce((a, b) => a | b, 0);
const KNOWN_XLOADFLAGS = Object.values(XLOADFLAGS).reduce((a, b) => a | b, 0);
const U64_END = 1n << 64n;
const FOUR_G = 1n << 32n;

/** This module's problems. */
class Collector extends ProblemCollector {
  constructor() {
    super('linux');
  }
}

/** The highest protocol version this module knows (2.15). */
export const LATEST_PROTOCOL = 0x20f;

const hdrOff = (key: keyof typeof SETUP_HEADER.fields): number => SETUP_HEADER_OFFSET + SETUP_HEADER.fields[key].offset;

/** Checks a header's own fields (no pointers followed). `end` is the header's end from its jump. */
function checkHeader(c: Collector, h: SetupHeaderFull, end: number | undefined, structure: string, base: number, paddr?: bigint): void {
  const at = (key: keyof typeof SETUP_HEADER.fields): number => base + hdrOff(key);
  const pa = (key: keyof typeof SETUP_HEADER.fields): bigint | undefined => (paddr === undefined ? undefined : paddr + BigInt(hdrOff(key)));
  if (h.bootFlag !== BOOT_FLAG_MAGIC) {
    // In a zero page a loader built, boot_flag is a copy nobody reads (GRUB leaves it 0): a warning there.
    const inZeroPage = structure !== 'setup_header';
    c.add(inZeroPage ? 'warning' : 'error', 'BAD_MAGIC', structure, 'boot_flag', at('bootFlag'), `boot_flag is 0x${h.bootFlag.toString(16)}, not 0xaa55`, pa('bootFlag'));
  }
  if (h.header !== HDRS_MAGIC) {
    c.add('error', 'BAD_MAGIC', structure, 'header', at('header'), `header is 0x${h.header.toString(16)}, not "HdrS": a pre-2.00 kernel, or no header copied`, pa('header'));
    return;
  }
  const v = h.version;
  if (v < 0x200) c.add('error', 'BAD_VERSION', structure, 'version', at('version'), `version 0x${v.toString(16)} is below 2.00 although "HdrS" is present`, pa('version'));
  if (v > LATEST_PROTOCOL) c.add('warning', 'VERSION_NEWER', structure, 'version', at('version'), `protocol ${v >> 8}.${v & 0xff} is newer than 2.15; read as 2.15`, pa('version'));
  if (v === 0x20e) c.add('warning', 'VERSION_2_14', structure, 'version', at('version'), 'protocol 2.14 was burnt by a wrong commit; read as 2.13', pa('version'));
  if (end === undefined) c.add('error', 'BAD_JUMP', structure, 'jump', at('jump'), `the jump at 0x200 is not a short jump (0xeb): the header length is unknown`, pa('jump'));
  else {
    // The header must be long enough for the fields of its version.
    let need = 0x208;
    for (const key of SETUP_HEADER.order as (keyof typeof SETUP_HEADER.fields)[]) {
      if (hasField(key, v, 0x1000)) need = Math.max(need, hdrOff(key) + SETUP_HEADER.fields[key].length);
    }
    if (end < need) c.add('warning', 'SHORT_HEADER', structure, 'jump', at('jump'), `the jump ends the header at 0x${end.toString(16)}, protocol ${v >> 8}.${v & 0xff} has fields up to 0x${need.toString(16)}`, pa('jump'));
    if (end > SETUP_HEADER_OFFSET + 144) c.add('error', 'LONG_HEADER', structure, 'jump', at('jump'), `the jump ends the header at 0x${end.toString(16)}, past the 144 bytes boot_params has room for`, pa('jump'));
  }
  const sects = effectiveSetupSects(h.setupSects);
  if ((sects + 1) * 512 > 0x8000) c.add('error', 'SETUP_SECTS', structure, 'setup_sects', at('setupSects'), `setup_sects ${h.setupSects}: the real-mode code would exceed 32 KiB`, pa('setupSects'));
  if (h.kernelVersion !== 0 && h.kernelVersion + 0x200 >= (sects + 1) * 512) {
    c.add('error', 'KERNEL_VERSION_OUTSIDE', structure, 'kernel_version', at('kernelVersion'), `kernel_version 0x${h.kernelVersion.toString(16)} points past the setup code`, pa('kernelVersion'));
  }
  if ((h.loadflags & ~KNOWN_LOADFLAGS) !== 0) c.add('warning', 'UNKNOWN_FLAGS', structure, 'loadflags', at('loadflags'), `unknown loadflags bits 0x${(h.loadflags & ~KNOWN_LOADFLAGS).toString(16)}`, pa('loadflags'));
  const ev = effectiveProtocol(v);
  if (ev >= 0x20c && (h.xloadflags & ~KNOWN_XLOADFLAGS) !== 0) {
    c.add('warning', 'UNKNOWN_FLAGS', structure, 'xloadflags', at('xloadflags'), `unknown xloadflags bits 0x${(h.xloadflags & ~KNOWN_XLOADFLAGS).toString(16)}`, pa('xloadflags'));
  }
  if (ev >= 0x205 && h.relocatableKernel !== 0) {
    const a = h.kernelAlignment;
    if (a === 0 || (a & (a - 1)) !== 0) c.add('error', 'BAD_ALIGNMENT', structure, 'kernel_alignment', at('kernelAlignment'), `kernel_alignment 0x${a.toString(16)} is not a power of two`, pa('kernelAlignment'));
    if (ev >= 0x20a && h.minAlignment !== 0 && (h.minAlignment > 31 || 2 ** h.minAlignment > a)) {
      c.add('warning', 'MIN_ALIGNMENT', structure, 'min_alignment', at('minAlignment'), `min_alignment 2^${h.minAlignment} exceeds kernel_alignment 0x${a.toString(16)}`, pa('minAlignment'));
    }
  }
  if (ev >= 0x206 && h.cmdlineSize === 0) c.add('warning', 'CMDLINE_SIZE_ZERO', structure, 'cmdline_size', at('cmdlineSize'), 'cmdline_size is 0: no command line fits', pa('cmdlineSize'));
}

/**
 * Validates the setup header of a kernel image (byte 0 at `base`): magics,
 * jump and length, version, `setup_sects`, `kernel_version`, flags,
 * alignment. Never throws.
 */
export function validateSetupHeader(bytes: Uint8Array, base = 0): Problem[] {
  const c = new Collector();
  if (!Number.isInteger(base) || base < 0 || bytes.length - base < SETUP_HEADER_OFFSET + SETUP_HEADER.size) {
    // A short image: check what there is.
    if (bytes.length - base < 0x206 || base < 0) {
      c.add('error', 'TRUNCATED', 'setup_header', undefined, Math.max(0, base), `a setup header needs bytes up to 0x206, ${Math.max(0, bytes.length - base)} given`);
      return c.problems;
    }
  }
  const window = new Uint8Array(SETUP_HEADER_OFFSET + SETUP_HEADER.size);
  window.set(bytes.subarray(base, base + window.length));
  const end = setupHeaderEnd(bytes, base);
  if (end !== undefined && bytes.length - base < end) c.add('error', 'TRUNCATED', 'setup_header', undefined, base + SETUP_HEADER_OFFSET, `the header ends at 0x${end.toString(16)}, the bytes end at 0x${(bytes.length - base).toString(16)}`);
  checkHeader(c, decodeSetupHeaderFull(window), end, 'setup_header', base);
  return c.problems;
}

interface Span {
  label: string;
  start: bigint;
  end: bigint;
  structure: string;
  field: string;
  offset: number;
}

/** Checks e820 entries: known type, not empty, no wrap, sorted, no overlap. */
function checkE820(c: Collector, entries: readonly BootE820Entry[], structure: string, field: string, firstOffset: number, paddrOf?: (i: number) => bigint | undefined): void {
  let prevEnd = -1n;
  let prevStart = -1n;
  const sorted: { start: bigint; end: bigint; i: number }[] = [];
  entries.forEach((e, i) => {
    const off = firstOffset + i * BOOT_E820_ENTRY.size;
    const pa = paddrOf?.(i);
    if (E820_TYPES[e.type] === undefined) c.add('warning', 'UNKNOWN_TYPE', structure, field, off + 16, `entry ${i}: unknown e820 type ${e.type}`, pa);
    if (e.size === 0n) c.add('warning', 'EMPTY_RANGE', structure, field, off + 8, `entry ${i} is empty`, pa);
    if (e.addr + e.size > U64_END) {
      c.add('error', 'RANGE_OVERFLOW', structure, field, off + 8, `entry ${i} wraps past 2^64`, pa);
      return;
    }
    if (e.addr < prevStart) c.add('warning', 'E820_UNSORTED', structure, field, off, `entry ${i} at 0x${e.addr.toString(16)} comes after 0x${prevStart.toString(16)}`, pa);
    prevStart = e.addr;
    prevEnd = e.addr + e.size;
    if (e.size > 0n) sorted.push({ start: e.addr, end: prevEnd, i });
  });
  sorted.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1] as { start: bigint; end: bigint; i: number };
    const b = sorted[k] as { start: bigint; end: bigint; i: number };
    if (b.start < a.end) c.add('error', 'E820_OVERLAP', structure, field, firstOffset + b.i * BOOT_E820_ENTRY.size, `entries ${a.i} and ${b.i} overlap at 0x${b.start.toString(16)}`, paddrOf?.(b.i));
  }
}

/** Checks a zero page's own members (no pointers followed). */
function checkZeroPage(c: Collector, bytes: Uint8Array, base: number, paddr?: bigint): void {
  const bp = decodeBootParams(bytes, base);
  const pa = (off: number): bigint | undefined => (paddr === undefined ? undefined : paddr + BigInt(off));
  const at = (key: keyof typeof BOOT_PARAMS.fields): number => base + BOOT_PARAMS.fields[key].offset;
  if (bp.e820Entries > E820_MAX_ENTRIES_ZEROPAGE) {
    c.add('error', 'E820_ENTRIES_LIMIT', 'boot_params', 'e820_entries', at('e820Entries'), `e820_entries ${bp.e820Entries} exceeds the 128 slots of e820_table (use SETUP_E820_EXT)`, pa(0x1e8));
  }
  if (bp.eddbufEntries > EDDMAXNR) c.add('error', 'LIMIT', 'boot_params', 'eddbuf_entries', at('eddbufEntries'), `eddbuf_entries ${bp.eddbufEntries} exceeds ${EDDMAXNR}`, pa(0x1e9));
  if (bp.eddMbrSigBufEntries > EDD_MBR_SIG_MAX) {
    c.add('error', 'LIMIT', 'boot_params', 'edd_mbr_sig_buf_entries', at('eddMbrSigBufEntries'), `edd_mbr_sig_buf_entries ${bp.eddMbrSigBufEntries} exceeds ${EDD_MBR_SIG_MAX}`, pa(0x1ea));
  }
  if (bp.sentinel !== 0) {
    c.add('warning', 'SENTINEL_SET', 'boot_params', 'sentinel', at('sentinel'), `sentinel is 0x${bp.sentinel.toString(16)}: the loader copied more than the setup header, and the kernel will zero parts of boot_params`, pa(0x1ef));
  }
  const sig = bp.efiInfo.efiLoaderSignature;
  if (sig !== 0 && sig !== EFI32_LOADER_SIGNATURE && sig !== EFI64_LOADER_SIGNATURE) {
    c.add('warning', 'BAD_EFI_SIGNATURE', 'efi_info', 'efi_loader_signature', at('efiInfo'), `efi_loader_signature 0x${sig.toString(16)} is neither "EL32" nor "EL64"`, pa(0x1c0));
  }
  checkHeader(c, bp.hdr, setupHeaderEnd(bytes, base), 'boot_params.hdr', base, paddr);
  const v = effectiveProtocol(bp.hdr.version);
  const above4g = v >= 0x20c && (bp.hdr.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) !== 0;
  if (!above4g) {
    const ext: [keyof typeof BOOT_PARAMS.fields, number, string][] = [
      ['extRamdiskImage', bp.extRamdiskImage, 'ext_ramdisk_image'],
      ['extRamdiskSize', bp.extRamdiskSize, 'ext_ramdisk_size'],
      ['extCmdLinePtr', bp.extCmdLinePtr, 'ext_cmd_line_ptr'],
    ];
    for (const [key, value, name] of ext) {
      if (value !== 0) c.add('error', 'ABOVE_4G', 'boot_params', name, at(key), `${name} is 0x${value.toString(16)} but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G`, pa(BOOT_PARAMS.fields[key].offset));
    }
  }
  checkE820(c, bp.e820Table, 'boot_params', 'e820_table', at('e820Table'), (i) => pa(0x2d0 + i * 20));
}

/** Validates a 4096-byte zero page at `offset` on its own (no pointers followed). Never throws. */
export function validateBootParams(bytes: Uint8Array, offset = 0): Problem[] {
  const c = new Collector();
  if (!Number.isInteger(offset) || offset < 0 || bytes.length - offset < BOOT_PARAMS.size) {
    c.add('error', 'TRUNCATED', 'boot_params', undefined, Math.max(0, offset), `a zero page needs 4096 bytes, ${Math.max(0, bytes.length - offset)} given`);
    return c.problems;
  }
  checkZeroPage(c, bytes, offset);
  return c.problems;
}

/** Options of {@link validateZeroPageInMemory}. */
export interface ValidateZeroPageOptions extends Partial<SetupDataLimits> {
  /** Also check that the initrd's bytes are backed by memory (default false: dumps often leave them out). */
  checkInitrdData?: boolean;
}

/** What {@link validateZeroPageInMemory} found on the way, beside the problems. */
export interface ZeroPageFindings {
  /** Every problem found. */
  problems: Problem[];
  /** The command line at `cmd_line_ptr`, when readable. */
  cmdline?: string;
  /** The `setup_data` nodes, when the chain could be walked. */
  setupData?: SetupDataNode[];
}

/**
 * Validates the zero page at `paddr` in `memory` and what it points to: the
 * command line (NUL-terminated within `cmdline_size` + 1 bytes, 255 before
 * 2.06), the initrd range, the `setup_data` chain (bounded, loop-checked,
 * types within what the kernel knows), `SETUP_E820_EXT` entries, and that
 * none of them overlap. Never throws.
 */
export function validateZeroPageInMemory(memory: PhysicalMemory, paddr: PhysAddr, options: ValidateZeroPageOptions = {}): ZeroPageFindings {
  const c = new Collector();
  const base = BigInt(paddr);
  const findings: ZeroPageFindings = { problems: c.problems };
  const zp = c.attempt(() => memory.read(base, BOOT_PARAMS.size, { format: 'linux', structure: 'boot_params' }));
  if (zp === undefined) return findings;
  checkZeroPage(c, zp, 0, base);
  const bp = decodeBootParams(zp);
  const addr = bootParamsAddresses(bp);
  const v = effectiveProtocol(bp.hdr.version);
  const spans: Span[] = [{ label: 'boot_params', start: base, end: base + 4096n, structure: 'boot_params', field: 'hdr', offset: 0 }];
  if (bp.hdr.header !== HDRS_MAGIC) return findings;

  // Command line.
  if (v >= 0x202) {
    if (addr.cmdLinePtr === 0n) c.add('warning', 'NO_CMDLINE', 'boot_params.hdr', 'cmd_line_ptr', hdrOff('cmdLinePtr'), 'cmd_line_ptr is 0: the kernel will assume a pre-2.02 loader', base + BigInt(hdrOff('cmdLinePtr')));
    else {
      const max = (v >= 0x206 ? bp.hdr.cmdlineSize : CMDLINE_SIZE_BEFORE_2_06) + 1;
      const s = c.attempt(() => readPhysCString(memory, addr.cmdLinePtr, max, { format: 'linux', structure: 'boot_params.hdr', field: 'cmd_line_ptr' }));
      if (s !== undefined) {
        findings.cmdline = s.text;
        if (!s.validUtf8) c.add('warning', 'NOT_UTF8', 'boot_params.hdr', 'cmd_line_ptr', hdrOff('cmdLinePtr'), 'the command line is not valid UTF-8', addr.cmdLinePtr);
        spans.push({ label: 'command line', start: addr.cmdLinePtr, end: addr.cmdLinePtr + BigInt(s.bytes.length + 1), structure: 'boot_params.hdr', field: 'cmd_line_ptr', offset: hdrOff('cmdLinePtr') });
      }
    }
  }

  // Initrd.
  if (addr.ramdiskImage !== 0n || addr.ramdiskSize !== 0n) {
    const end = addr.ramdiskImage + addr.ramdiskSize;
    if (addr.ramdiskSize === 0n) c.add('warning', 'EMPTY_INITRD', 'boot_params.hdr', 'ramdisk_size', hdrOff('ramdiskSize'), 'ramdisk_image is set but ramdisk_size is 0');
    else if (addr.ramdiskImage === 0n) c.add('error', 'MISSING_ADDRESS', 'boot_params.hdr', 'ramdisk_image', hdrOff('ramdiskImage'), 'ramdisk_size is set but ramdisk_image is 0');
    else {
      const max = v >= 0x203 ? BigInt(bp.hdr.initrdAddrMax) : 0x37ffffffn;
      const above4g = v >= 0x20c && (bp.hdr.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) !== 0;
      if (!above4g && end - 1n > max) {
        c.add('error', 'INITRD_ABOVE_MAX', 'boot_params.hdr', 'ramdisk_image', hdrOff('ramdiskImage'), `the initrd ends at 0x${(end - 1n).toString(16)}, above initrd_addr_max 0x${max.toString(16)}`, addr.ramdiskImage);
      }
      if (options.checkInitrdData && (addr.ramdiskSize > 0x7fffffffn || memory.available(addr.ramdiskImage, Number(addr.ramdiskSize)) < Number(addr.ramdiskSize))) {
        c.add('error', 'UNMAPPED', 'boot_params.hdr', 'ramdisk_image', hdrOff('ramdiskImage'), `the initrd's ${addr.ramdiskSize} bytes at 0x${addr.ramdiskImage.toString(16)} are not all in memory`, addr.ramdiskImage);
      }
      spans.push({ label: 'initrd', start: addr.ramdiskImage, end, structure: 'boot_params.hdr', field: 'ramdisk_image', offset: hdrOff('ramdiskImage') });
    }
  }

  // setup_data.
  if (bp.hdr.setupData !== 0n) {
    if (v < 0x209) c.add('error', 'VERSION_GATED', 'boot_params.hdr', 'setup_data', hdrOff('setupData'), `setup_data is set but protocol ${v >> 8}.${v & 0xff} predates it (2.09)`);
    const nodes = c.attempt(() => walkSetupData(memory, bp.hdr.setupData, options));
    if (nodes !== undefined) {
      findings.setupData = nodes;
      for (const n of nodes) {
        const t = n.type >>> 0;
        if (t === SETUP_NONE) c.add('warning', 'SETUP_NONE', 'setup_data', 'type', 8, 'a node of type SETUP_NONE', n.paddr + 8n);
        else if (n.typeName.startsWith('0x')) c.add('warning', 'UNKNOWN_TYPE', 'setup_data', 'type', 8, `unknown setup_data type ${n.typeName}`, n.paddr + 8n);
        if (n.indirect !== undefined) {
          if ((n.indirect.type & SETUP_INDIRECT) === 0 || (n.indirect.type >>> 0) === SETUP_INDIRECT) {
            c.add('error', 'BAD_INDIRECT', 'setup_indirect', 'type', 0, `setup_indirect type ${n.indirect.typeName} must be SETUP_INDIRECT | a SETUP_* type other than SETUP_NONE`, n.paddr + 16n);
          }
          if (n.indirect.reserved !== 0) c.add('warning', 'RESERVED_NONZERO', 'setup_indirect', 'reserved', 4, 'reserved is not 0', n.paddr + 20n);
          if (v < 0x20f) c.add('warning', 'VERSION_GATED', 'setup_indirect', 'type', 0, 'SETUP_INDIRECT needs protocol 2.15', n.paddr + 8n);
          spans.push({ label: `indirect target of node at 0x${n.paddr.toString(16)}`, start: n.indirect.addr, end: n.indirect.addr + n.indirect.len, structure: 'setup_indirect', field: 'addr', offset: 16 });
        }
        const e820 = n.payload?.kind === 'SETUP_E820_EXT' ? n.payload : n.indirect?.payload?.kind === 'SETUP_E820_EXT' ? n.indirect.payload : undefined;
        if (e820 !== undefined) {
          if (e820.trailingBytes !== 0) c.add('warning', 'E820_EXT_LENGTH', 'setup_data', 'len', 12, `len is not a multiple of 20 (${e820.trailingBytes} bytes left over)`, n.paddr + 12n);
          checkE820(c, e820.entries, 'setup_data', 'data', 16, undefined);
        }
        if (n.payload?.kind === 'SETUP_DTB' && !n.payload.fdtMagic) c.add('error', 'BAD_MAGIC', 'setup_data', 'data', 16, 'a SETUP_DTB node whose data does not start with the FDT magic 0xd00dfeed', n.paddr + 16n);
        spans.push({ label: `${n.typeName} node`, start: n.paddr, end: n.paddr + 16n + BigInt(n.len), structure: 'setup_data', field: 'next', offset: 0 });
      }
      if (nodes.some((n) => n.type === SETUP_E820_EXT) && bp.e820Entries < E820_MAX_ENTRIES_ZEROPAGE) {
        c.add('info', 'E820_EXT_EARLY', 'setup_data', 'type', 8, `a SETUP_E820_EXT node while e820_table has ${bp.e820Entries} of 128 entries`, base + 0x1e8n);
      }
    }
  }

  // Overlaps between everything the zero page points to.
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = sorted[j] as Span;
      const b = sorted[i] as Span;
      if (b.start < a.end) c.add('error', 'OVERLAP', b.structure, b.field, b.offset, `${b.label} [0x${b.start.toString(16)}, 0x${b.end.toString(16)}) overlaps ${a.label} [0x${a.start.toString(16)}, 0x${a.end.toString(16)})`, b.start);
    }
  }
  return findings;
}

/** True when `paddr` needs the `ext_` halves (is at or above 4 GiB). */
export function needsExt(paddr: bigint): boolean {
  return paddr >= FOUR_G;
}
