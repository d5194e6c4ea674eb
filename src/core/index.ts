/**
 * The binary layer every bootproto module stands on: layout tables, views,
 * the error model, physical memory, bounded strings and JSON rendering.
 *
 * @module
 */
export * from './errors.js';
export * from './layout.js';
export * from './codec.js';
export * from './memory.js';
export * from './strings.js';
export * from './json.js';
export * from './elf.js';
export * from './source.js';
