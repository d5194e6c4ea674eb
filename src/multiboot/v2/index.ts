/**
 * Multiboot 2 (Multiboot2 Specification version 2.0): the OS image header
 * and its tags (section 3.1), the boot information and its tags (section
 * 3.6), a zero-allocation tag cursor, validation and a loader's builder.
 *
 * @module
 */
export * from './header.js';
export * from './info.js';
export * from './cursor.js';
export * from './handoff.js';
