/**
 * PVH → zero page: the `boot_params` Linux's PVH entry builds from
 * `hvm_start_info` (`arch/x86/platform/pvh/enlighten.c`,
 * `xen_prepare_pvh` and `init_pvh_bootparams`), as a pure function, with the
 * bounds the kernel's stub does not check.
 *
 * @module
 */
import type { Problem } from '../../core/index.js';
import type { PvhHandoff } from '../../pvh/index.js';
import type { BuiltZeroPage } from '../loader.js';
import { assembleZeroPage, bridgeProblem, withIsaHole, type BridgePlacement } from './assemble.js';

/** The protocol version Linux's PVH entry stamps into `hdr.version`: 2.12, the first with the Xen entry point. */
export const PVH_BOOT_PROTOCOL_VERSION = 0x020c;
/** `type_of_loader` Linux's PVH entry writes under Xen: id 0x9 ("Xen"), version 0. */
export const PVH_TYPE_OF_LOADER_XEN = 0x90;
/** `type_of_loader` Linux's PVH entry writes under any other VMM: id 0xB ("Qemu"), version 0. */
export const PVH_TYPE_OF_LOADER_OTHER = 0xb0;

/** Options of {@link bootParamsFromPvh}. */
export interface PvhToBootParamsOptions extends BridgePlacement {
  /**
   * Whether Xen is underneath (Linux asks CPUID for Xen's leaves): sets
   * `type_of_loader` to 0x90 instead of 0xB0. Default false.
   */
  xen?: boolean;
  /**
   * Write the RSDP address into `acpi_rsdp_addr` (default true). Linux's
   * PVH code leaves the member 0 and answers ACPI's question through
   * `x86_init.acpi.get_root_pointer` instead; a zero page handed to another
   * entry point needs the member.
   */
  acpiRsdpAddr?: boolean;
}

/**
 * Builds the zero page Linux's PVH entry builds from a decoded handoff:
 * - every member 0, then the memory map copied entry by entry into
 *   `e820_table` (types as they are: the PVH types are the e820 types);
 * - the legacy hole [0xA0000, 0x100000) appended as E820_TYPE_RESERVED;
 * - `hdr.cmd_line_ptr` = `cmdline_paddr` (and `ext_cmd_line_ptr` its high half);
 * - the first module as the initrd (`ramdisk_image`, `ramdisk_size`, with
 *   their `ext_` halves);
 * - `hdr.version` = 0x020C, `hdr.type_of_loader` = 0x90 under Xen, else 0xB0;
 * - `acpi_rsdp_addr` = `rsdp_paddr` (see {@link PvhToBootParamsOptions.acpiRsdpAddr}).
 *
 * Where Linux would go wrong this does not: more than 128 entries go into a
 * `SETUP_E820_EXT` node (Linux stores the count in the u8 `e820_entries` and
 * writes past `e820_table`), and the hole is appended even when the table is
 * full (Linux then drops it with a warning). A version 0 handoff has no
 * memory map, which Linux accepts only under Xen (it asks the hypervisor):
 * reported as `NO_MEMMAP`.
 */
export function bootParamsFromPvh(handoff: PvhHandoff, options: PvhToBootParamsOptions = {}): BuiltZeroPage {
  const problems: Problem[] = [];
  const info = handoff.startInfo;
  if (handoff.memmap.length === 0) {
    problems.push(
      bridgeProblem(
        options.xen ? 'warning' : 'error',
        'NO_MEMMAP',
        'e820_table',
        options.xen
          ? 'the handoff has no memory map: under Xen, Linux asks the hypervisor for it (XENMEM_memory_map); the zero page holds only the legacy hole'
          : 'the handoff has no memory map, and outside Xen Linux stops (BUG) when it has none',
      ),
    );
  }
  const e820 = withIsaHole(handoff.memmap.map((e) => ({ addr: e.addr, size: e.size, type: e.type })));
  const first = handoff.modules[0];
  return assembleZeroPage(
    {
      e820,
      ...(info.cmdlinePaddr === 0n ? {} : { cmdLinePtr: info.cmdlinePaddr }),
      ...(first === undefined ? {} : { ramdisk: { image: first.paddr, size: first.size } }),
      ...(options.acpiRsdpAddr === false || info.rsdpPaddr === 0n ? {} : { acpiRsdpAddr: info.rsdpPaddr }),
      version: PVH_BOOT_PROTOCOL_VERSION,
      typeOfLoader: options.xen ? PVH_TYPE_OF_LOADER_XEN : PVH_TYPE_OF_LOADER_OTHER,
    },
    options,
    problems,
  );
}
