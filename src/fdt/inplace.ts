/**
 * Edits made inside a blob without moving anything, as libfdt's
 * "write in place" functions make them (`fdt_setprop_inplace`,
 * `fdt_nop_property`, `fdt_nop_node`): what a boot loader does to a tree it
 * must not relocate. Removed tokens become `FDT_NOP` (Devicetree
 * Specification v0.4 §5.4.1); `decodeFdt` → `encodeFdt` packs them away.
 * Offsets are structure-block offsets, as {@link Fdt} gives them.
 *
 * @module
 */
import { BootprotoError } from '../core/index.js';
import { fdtGeometry } from './blob.js';
import { FdtCursor } from './cursor.js';
import { FDT_BEGIN_NODE, FDT_END_NODE, FDT_NOP, FDT_PROP } from './header.js';

function bad(offset: number, reason: string): never {
  throw new BootprotoError({ code: 'BAD_VALUE', format: 'fdt', structure: 'structure block', offset, reason });
}

/** Positions a cursor on the token at `offset`, which must be `want`; returns the cursor. */
function at(bytes: Uint8Array, offset: number, want: number): FdtCursor {
  const c = new FdtCursor(bytes);
  const g = c.geometry;
  if (!(Number.isInteger(offset) && offset >= 0 && offset % 4 === 0 && g.structOffset + offset + 4 <= g.structEnd)) {
    bad(offset, `structure offset ${offset} is not a token`);
  }
  const tag = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(g.structOffset + offset);
  if (tag !== want) bad(g.structOffset + offset, `the token at structure offset ${offset} is 0x${tag.toString(16)}, not 0x${want.toString(16)}`);
  c.seek(offset, 1); // as if inside a node: no root-name rule for the node sought
  return c;
}

function fillNop(bytes: Uint8Array, from: number, to: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = from; p < to; p += 4) dv.setUint32(p, FDT_NOP);
}

/**
 * Replaces the value of the property whose `FDT_PROP` token is at `offset`
 * with `value` of the same length, as `fdt_setprop_inplace` (`BAD_VALUE` when
 * the lengths differ: libfdt's `FDT_ERR_NOSPACE`). Changes `bytes`.
 */
export function setPropertyInPlace(bytes: Uint8Array, offset: number, value: Uint8Array): void {
  const c = at(bytes, offset, FDT_PROP);
  c.next();
  if (c.valueLength !== value.length) bad(c.geometry.structOffset + offset, `the value is ${c.valueLength} bytes, not ${value.length}`);
  bytes.set(value, c.valueStart);
}

/** Overwrites the property whose `FDT_PROP` token is at `offset` with `FDT_NOP` tokens, as `fdt_nop_property`. Changes `bytes`. */
export function nopProperty(bytes: Uint8Array, offset: number): void {
  const c = at(bytes, offset, FDT_PROP);
  c.next();
  const start = c.geometry.structOffset + offset;
  const end = (c.valueStart + c.valueLength - c.geometry.structOffset + 3) & ~3;
  fillNop(bytes, start, c.geometry.structOffset + end);
}

/**
 * Overwrites the node whose `FDT_BEGIN_NODE` token is at `offset`, with all
 * its properties and subnodes, with `FDT_NOP` tokens, as `fdt_nop_node`
 * (not the root: a blob without a root node is no tree). Changes `bytes`.
 */
export function nopNode(bytes: Uint8Array, offset: number): void {
  const c = at(bytes, offset, FDT_BEGIN_NODE);
  const g = fdtGeometry(bytes);
  c.next();
  if (offset === firstNode(bytes)) bad(g.structOffset + offset, 'the root node cannot be removed');
  const depth = c.depth;
  for (;;) {
    const t = c.next();
    if (t === FDT_END_NODE && c.depth === depth - 1) break;
  }
  fillNop(bytes, g.structOffset + offset, g.structOffset + c.offset + 4);
}

function firstNode(bytes: Uint8Array): number {
  const c = new FdtCursor(bytes);
  while (c.next() !== FDT_BEGIN_NODE);
  return c.offset;
}
