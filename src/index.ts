/**
 * bootproto: read, write and validate the structures that boot protocols hand
 * between firmware, boot loader, hypervisor and kernel.
 *
 * The binary layer (errors, problems, physical memory, layouts, JSON) is
 * exported at the top level; each protocol module is exported as a namespace
 * here and as its own subpath (`bootproto/pvh`, …).
 *
 * @module bootproto
 */
export * from './core/index.js';
export { detectFormat, type DetectedFormat } from './detect.js';
export * as pvh from './pvh/index.js';
export * as multiboot from './multiboot/index.js';
export * as linuxBootparams from './linux-bootparams/index.js';
export * as pecoff from './pecoff/index.js';
export * as efiMemmap from './efi-memmap/index.js';
export * as fdt from './fdt/index.js';
