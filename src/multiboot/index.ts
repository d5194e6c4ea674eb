/**
 * Multiboot 1 and Multiboot 2: OS image headers, the boot information a
 * loader hands the kernel, a builder that lays it out as a loader does, and
 * validation.
 *
 * Specifications: the Multiboot Specification version 0.6.96 (section 3.1
 * "OS image format", 3.2 "Machine state", 3.3 "Boot information format")
 * and the Multiboot2 Specification version 2.0 (section 3.1 "OS image
 * format" with its header tags, 3.6 "Boot information format" with its
 * tags), checked against GRUB's `include/multiboot.h` and
 * `include/multiboot2.h`, which is what GRUB actually writes where the two
 * differ. See `docs/multiboot.md`.
 *
 * @example
 * ```ts
 * import { createPhysicalMemory } from 'bootproto';
 * import { decodeMb1Handoff, validateMb1Handoff, findMb1Header } from 'bootproto/multiboot';
 *
 * const memory = createPhysicalMemory([{ paddr: 0n, bytes: ramDump }]);
 * const handoff = decodeMb1Handoff(memory, ebx);
 * console.log(handoff.cmdline, handoff.modules, handoff.mmap);
 * console.log(validateMb1Handoff(memory, ebx)); // [] when all is well
 * console.log(findMb1Header(kernelImage)?.header.flags);
 * ```
 *
 * @module bootproto/multiboot
 */
export * from './v1/index.js';
export * from './v2/index.js';
export * from './conformance.js';
