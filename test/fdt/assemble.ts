/**
 * Hand-assembled devicetree blobs for the corrupt-blob tests (shared by the
 * hermetic tests and the libfdt cross-check of the tools tier).
 */
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_NOP, FDT_PROP } from '../../src/fdt/index.js';

type Piece = number | string | Uint8Array;

/** Assembles a version 17 blob: header, empty reservation map, structure words/bytes (padded to 4), strings. */
export function assemble(struct: Piece[], strings: string, opts: { structPad?: number; version?: number } = {}): Uint8Array {
  const parts: number[] = [];
  for (const p of struct) {
    if (typeof p === 'number') parts.push((p >>> 24) & 255, (p >>> 16) & 255, (p >>> 8) & 255, p & 255);
    else {
      const b = typeof p === 'string' ? new TextEncoder().encode(`${p}\0`) : p;
      parts.push(...b);
      while (parts.length % 4) parts.push(0);
    }
  }
  const str = new TextEncoder().encode(strings);
  const offStruct = 40 + 16 + (opts.structPad ?? 0);
  const offStrings = offStruct + parts.length;
  const total = offStrings + str.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  [0xd00dfeed, total, offStruct, offStrings, 40, opts.version ?? 17, 16, 0, str.length, parts.length].forEach((v, i) => dv.setUint32(i * 4, v));
  out.set(parts, offStruct);
  out.set(str, offStrings);
  return out;
}

const B = FDT_BEGIN_NODE;
const E = FDT_END_NODE;
const P = FDT_PROP;
const N = FDT_NOP;
const END = FDT_END;
const STR = 'a\0bb\0';

/** A small good blob: a root with property `a` = <1> and a subnode `child` with an empty `bb`. */
export const good = assemble([B, '', P, 4, 0, 1, B, 'child', P, 0, 2, E, E, END], STR);

/** Blobs that fdt_check_full rejects: what, bytes, our error code, the blob offset of the fault. */
export const CORRUPT_CASES: [string, Uint8Array, string, number][] = [
  ['an unknown token', assemble([B, '', 7, E, END], STR), 'BAD_VALUE', 56 + 8],
  ['FDT_END inside a node', assemble([B, '', END], STR), 'BAD_VALUE', 56 + 8],
  ['FDT_END_NODE with nothing open', assemble([B, '', E, E, END], STR), 'BAD_VALUE', 56 + 12],
  ['a second root', assemble([B, '', E, B, '', E, END], STR), 'BAD_VALUE', 56 + 12],
  ['a named root', assemble([B, 'root', E, END], STR), 'BAD_VALUE', 56 + 4],
  ['NOP after the root', assemble([B, '', E, N, END], STR), 'BAD_VALUE', 56 + 12],
  ['a property after the root', assemble([B, '', E, P, 0, 0, END], STR), 'BAD_VALUE', 56 + 12],
  ['nameoff past the strings block', assemble([B, '', P, 0, 5, E, END], STR), 'OUT_OF_BOUNDS', 56 + 8 + 8],
  ['an unterminated property name', assemble([B, '', P, 0, 0, E, END], 'abc'), 'UNTERMINATED', 56 + 28],
  ['a value past the block', assemble([B, '', P, 100, 0, E, END], STR), 'TRUNCATED', 56 + 8 + 4],
  ['no FDT_END', assemble([B, '', E], STR), 'TRUNCATED', 56 + 12],
  ['a node name past the block', assemble([B, '', B, new Uint8Array([0x61, 0x62, 0x63, 0x64])], ''), 'UNTERMINATED', 56 + 12],
];

/** Blobs that fdt_check_full accepts though the specification does not. */
export const TOLERATED_CASES: [string, Uint8Array][] = [
  ['a property before the root', assemble([P, 0, 0, B, '', E, END], STR)],
  ['FDT_NOP before and inside the root', assemble([N, B, '', N, E, END], STR)],
  ['duplicate property names', assemble([B, '', P, 0, 0, P, 0, 0, E, END], STR)],
  ['a slash in a node name', assemble([B, '', B, 'a/b', E, E, END], STR)],
  ['a structure block at an odd offset', assemble([B, '', P, 4, 0, 1, E, END], STR, { structPad: 1 })],
  ['no node at all', assemble([END], STR)],
  ['a property after a subnode', assemble([B, '', B, 'x', E, P, 0, 0, E, END], STR)],
];
