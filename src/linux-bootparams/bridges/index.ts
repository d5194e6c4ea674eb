/**
 * Bridges into the zero page: PVH `hvm_start_info`, Multiboot 1 and
 * Multiboot 2 information turned into the `boot_params` a Linux kernel reads.
 *
 * @module
 */
export * from './assemble.js';
export * from './from-pvh.js';
export * from './from-multiboot.js';
