/**
 * Conformance of a PVH loader's handoff: what the loader left in memory,
 * checked against the rules of the PVH boot ABI, each problem naming the
 * rule it comes from.
 *
 * @module
 */
import { BootprotoError, toPhysAddr, type PhysAddr, type PhysicalMemory, type Problem, type Severity } from '../core/index.js';
import { decodeHandoff } from './handoff.js';
import { findPvhEntry } from './note.js';
import { validateHandoff, type ValidateHandoffOptions } from './validate.js';

const START_INFO_H = "Xen public/arch-x86/hvm/start_info.h, struct hvm_start_info";
const MODLIST_H = "Xen public/arch-x86/hvm/start_info.h, struct hvm_modlist_entry";
const MEMMAP_H = "Xen public/arch-x86/hvm/start_info.h, struct hvm_memmap_table_entry";
const PANDOC = 'Xen docs/misc/pvh.pandoc, "Initial state"';
const LINUX_PVH = 'Linux arch/x86/platform/pvh/enlighten.c, init_pvh_bootparams';

/** The rule each of `validateHandoff`'s codes comes from, by structure where it matters. */
const RULES: Readonly<Record<string, string>> = {
  BAD_MAGIC: `${START_INFO_H}: magic is XEN_HVM_START_MAGIC_VALUE`,
  VERSION_NEWER: `${START_INFO_H}: version (current 1; newer ones stay backwards-compatible)`,
  UNKNOWN_FLAGS: `${START_INFO_H}: flags holds SIF_xxx bits (public/xen.h)`,
  RESERVED_NONZERO: `${START_INFO_H}: reserved fields are 0`,
  UNMAPPED: `${START_INFO_H}: every address that is not 0 is the physical address of what it names`,
  TRUNCATED: `${START_INFO_H}: every address that is not 0 is the physical address of what it names`,
  UNTERMINATED: `${START_INFO_H}: cmdline_paddr is a zero-terminated ASCII string`,
  NOT_UTF8: `${START_INFO_H}: cmdline_paddr is a zero-terminated ASCII string`,
  MISSING_ADDRESS: `${START_INFO_H}: a 0 address means "not present", so a count needs its list`,
  ZERO_ADDRESS: `${START_INFO_H}: nothing is loaded at physical address 0`,
  EMPTY_MODULE: `${MODLIST_H}: paddr and size of the module`,
  OVERLAP: `${START_INFO_H}: the structures and modules are distinct objects in guest memory`,
  RANGE_OVERFLOW: `${MEMMAP_H}: addr + size within the 64-bit physical address space`,
  UNKNOWN_TYPE: `${MEMMAP_H}: type is one of XEN_HVM_MEMMAP_TYPE_*`,
  EMPTY_RANGE: `${MEMMAP_H}: size of the range`,
  MEMMAP_UNSORTED: `${MEMMAP_H}: an e820-style map, sorted by address`,
  MEMMAP_OVERLAP: `${MEMMAP_H}: an e820-style map, ranges do not overlap`,
  BAD_RSDP: `${START_INFO_H}: rsdp_paddr is the ACPI RSDP's physical address (ACPI 6.5 §5.2.5.3, signature "RSD PTR ")`,
  LIMIT: 'bootproto PvhLimits: counts bounded so that a lying count cannot exhaust the reader',
};

/** Options of {@link checkPvhHandoff}. */
export interface CheckPvhHandoffOptions extends ValidateHandoffOptions {
  /** The kernel image (ELF) the loader booted: its PVH entry note is checked too. */
  image?: Uint8Array;
  /**
   * Check the rules a Linux kernel's PVH entry adds (default false): a memory
   * map outside Xen, at most 127 entries so the legacy hole fits and the
   * table does not overflow, the command line and initrd below 4 GiB.
   */
  linux?: boolean;
  /** With `linux`: Xen is underneath (Linux may then ask the hypervisor for the map). */
  xen?: boolean;
}

function add(list: Problem[], severity: Severity, code: string, structure: string, field: string | undefined, offset: number, message: string, rule: string, paddr?: bigint): void {
  const p: Problem = { severity, code, format: 'pvh', structure, offset, message, rule };
  if (field !== undefined) p.field = field;
  if (paddr !== undefined) p.paddr = paddr;
  list.push(p);
}

const FOUR_G = 1n << 32n;

/**
 * Checks what a PVH loader (a VMM) left in memory for the guest whose
 * `%ebx` is `startInfoPaddr`: every problem `validateHandoff` finds, each
 * given the rule it breaks, plus the rules it does not check — `%ebx` is a
 * 32-bit register (pvh.pandoc), the kernel image carries the
 * `XEN_ELFNOTE_PHYS32_ENTRY` note (with `image`), and, with `linux`, what
 * Linux's PVH entry needs (its `head.S` and `enlighten.c`). Never throws on bad input.
 */
export function checkPvhHandoff(memory: PhysicalMemory, startInfoPaddr: PhysAddr, options: CheckPvhHandoffOptions = {}): Problem[] {
  const out: Problem[] = validateHandoff(memory, startInfoPaddr, options).map((p) => ({ ...p, rule: p.rule ?? RULES[p.code] ?? START_INFO_H }));
  let base: bigint | undefined;
  try {
    base = toPhysAddr(startInfoPaddr, { format: 'pvh', structure: 'hvm_start_info' });
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
  if (base !== undefined && base >= FOUR_G) {
    add(out, 'error', 'START_INFO_ABOVE_4G', 'hvm_start_info', undefined, 0, `the start_info at 0x${base.toString(16)} cannot be named by the 32-bit %ebx`, `${PANDOC}: %ebx holds the start_info's physical address at a 32-bit entry`, base);
  }
  if (options.image !== undefined) {
    try {
      if (findPvhEntry(options.image) === undefined) {
        add(out, 'error', 'NO_PVH_NOTE', 'elf_note', undefined, 0, 'the kernel image has no XEN_ELFNOTE_PHYS32_ENTRY note: a loader must not boot it through PVH', 'Xen public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY (18): the 32-bit physical entry point of a PVH kernel');
      }
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      add(out, 'error', 'BAD_IMAGE', 'elf_note', e.field, e.offset, `the kernel image cannot be read: ${e.reason}`, 'Xen public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY (18)');
    }
  }
  if (options.linux && base !== undefined) {
    let h;
    try {
      h = decodeHandoff(memory, base, options);
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
    }
    try {
      memory.read(base, 56, { format: 'pvh', structure: 'hvm_start_info' });
    } catch (e) {
      if (!(e instanceof BootprotoError)) throw e;
      add(out, 'error', 'LINUX_START_INFO_SHORT', 'hvm_start_info', undefined, 0, 'fewer than 56 bytes are readable at %ebx: Linux copies a whole version 1 start_info whatever the version says', 'Linux arch/x86/platform/pvh/head.S, pvh_start_xen: copies pvh_start_info_sz (sizeof(struct hvm_start_info), 56) bytes from %ebx', base);
    }
    if (h !== undefined) {
      const n = h.memmap.length;
      if (n === 0 && !options.xen) {
        add(out, 'error', 'LINUX_NO_MEMMAP', 'hvm_start_info', 'memmap_entries', 48, 'no memory map: outside Xen, Linux stops (BUG) at boot', `${LINUX_PVH}: version 0 or no entries is accepted only under Xen`, base + 48n);
      }
      if (n > 255) {
        add(out, 'error', 'LINUX_E820_COUNT_TRUNCATED', 'hvm_start_info', 'memmap_entries', 48, `${n} entries: Linux stores the count in the u8 e820_entries (${n & 0xff}) and copies past the 128-entry e820_table`, `${LINUX_PVH}: memmap_entries copied into the u8 boot_params.e820_entries without a bound`, base + 48n);
      } else if (n > 128) {
        add(out, 'error', 'LINUX_E820_OVERFLOW', 'hvm_start_info', 'memmap_entries', 48, `${n} entries: Linux copies them all into the 128-entry e820_table and overruns it`, `${LINUX_PVH}: the map is copied into boot_params.e820_table (E820_MAX_ENTRIES_ZEROPAGE = 128) without a bound`, base + 48n);
      } else if (n >= 127) {
        add(out, 'warning', 'LINUX_NO_ISA_HOLE', 'hvm_start_info', 'memmap_entries', 48, `${n} entries: no room left for the legacy hole [0xA0000, 0x100000), which Linux then does not reserve`, `${LINUX_PVH}: the ISA range is appended only while fewer than 127 entries are used`, base + 48n);
      }
      if (h.startInfo.cmdlinePaddr >= FOUR_G) {
        add(out, 'error', 'LINUX_CMDLINE_ABOVE_4G', 'hvm_start_info', 'cmdline_paddr', 24, 'the command line is above 4 GiB: Linux keeps only the low 32 bits (hdr.cmd_line_ptr)', `${LINUX_PVH}: cmdline_paddr is stored in the 32-bit hdr.cmd_line_ptr`, base + 24n);
      }
      const m = h.modules[0];
      if (m !== undefined && (m.paddr >= FOUR_G || m.size >= FOUR_G)) {
        add(out, 'error', 'LINUX_INITRD_ABOVE_4G', 'hvm_modlist_entry', 'paddr', 0, 'the first module lies (or reaches) above 4 GiB: Linux keeps only the low 32 bits of its address and size', `${LINUX_PVH}: the first module becomes the initrd through the 32-bit hdr.ramdisk_image and hdr.ramdisk_size`, h.startInfo.modlistPaddr);
      }
    }
  }
  return out;
}
