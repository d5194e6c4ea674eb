/**
 * Xen PVH: the `hvm_start_info` a PVH guest is handed in `%ebx` (versions 0
 * and 1), its module list, memory map and command lines, and the
 * `XEN_ELFNOTE_PHYS32_ENTRY` note that marks a PVH kernel.
 *
 * Specification: Xen's `xen/include/public/arch-x86/hvm/start_info.h`
 * (layouts), `xen/include/public/elfnote.h` (the note) and
 * `docs/misc/pvh.pandoc` (the entry state). See `docs/pvh.md`.
 *
 * @example
 * ```ts
 * import { createPhysicalMemory } from 'bootproto';
 * import { decodeHandoff, validateHandoff } from 'bootproto/pvh';
 *
 * const memory = createPhysicalMemory([{ paddr: 0n, bytes: ramDump }]);
 * const handoff = decodeHandoff(memory, ebx);
 * console.log(handoff.cmdline, handoff.memmap.length);
 * console.log(validateHandoff(memory, ebx)); // [] when all is well
 * ```
 *
 * @module bootproto/pvh
 */
export * from './start-info.js';
export * from './handoff.js';
export * from './validate.js';
export * from './note.js';
export * from './conformance.js';
