/**
 * Multiboot 1 (Multiboot Specification version 0.6.96): the OS image header
 * (section 3.1), the boot information (section 3.3) and a loader's builder.
 *
 * @module
 */
export * from './header.js';
export * from './info.js';
export * from './handoff.js';
export * from './validate.js';
