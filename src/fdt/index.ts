/**
 * The flattened devicetree (DTB): the header of versions 2 to 17, the
 * memory reservation map, a zero-allocation cursor over the structure block,
 * look-ups with libfdt's results (paths, aliases, phandles, `compatible`,
 * `reg`/`ranges`, `/chosen`, `/memory`), a tree of plain objects decoded,
 * edited and encoded as dtc lays blobs out, DTS source output, and
 * validation.
 *
 * Specification: the Devicetree Specification v0.4, chapter 5 "Flattened
 * Devicetree (DTB) Format" (§5.2 header, §5.3 memory reservation block, §5.4
 * structure block, §5.5 strings block, §5.6 alignment), chapter 2
 * "The Devicetree" (§2.2.1 node names, §2.2.4 property names and values,
 * §2.3 standard properties), §3.4 `/memory`, §3.6 `/chosen`, chapter 6
 * (DTS). Where the specification is silent, libfdt 1.6.1 (Debian's) and dtc
 * decide. See `docs/fdt.md`.
 *
 * @example
 * ```ts
 * import { openFdt, decodeFdt, encodeFdt, toDts, validateFdt } from 'bootproto/fdt';
 *
 * const fdt = openFdt(dtb);
 * const uart = fdt.pathOffset('serial0') ?? fdt.pathOffset('/pl011');
 * console.log(fdt.chosen()?.bootargs, fdt.memory());
 *
 * const tree = decodeFdt(dtb);      // plain objects
 * const again = encodeFdt(tree);    // dtc's layout: byte for byte for dtc's blobs
 * console.log(toDts(tree), validateFdt(dtb));
 * ```
 *
 * @module bootproto/fdt
 */
export * from './header.js';
export * from './blob.js';
export * from './cursor.js';
export * from './values.js';
export * from './fdt.js';
export * from './tree.js';
export * from './dts.js';
export * from './validate.js';
export * from './overlay.js';
export * from './outline.js';
export * from './inplace.js';
