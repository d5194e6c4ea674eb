/**
 * The command line's devicetree handler: the header, the reservation map
 * and an outline of the tree with offsets; `bootproto dts` prints source.
 */
import { BootprotoError, hasErrors, hex } from '../core/index.js';
import { decodeFdt, decodeFdtHeader, fdtHeaderLayout, fdtOutlineLines, validateFdt } from '../fdt/index.js';
import { renderStruct, type Lines } from './render.js';
import type { Inspection, StructHandler } from './types.js';

/** `--as fdt` (and a detected DTB). */
export const fdtBlob: StructHandler = {
  name: 'fdt',
  summary: 'a flattened devicetree blob (DTB): header, reservations, tree',
  fromBytes(bytes, offset) {
    const blob = offset === 0 ? bytes : bytes.subarray(offset);
    const problems = validateFdt(blob);
    try {
      const header = decodeFdtHeader(blob);
      const tree = decodeFdt(blob);
      const lines: Lines = [];
      renderStruct(lines, '', 'fdt_header', fdtHeaderLayout(header.version), header);
      lines.push(`memory reservations: ${tree.reservations.length}`);
      for (const r of tree.reservations) lines.push(`  ${hex(r.address)} + ${hex(r.size)}`);
      lines.push('structure block:');
      for (const l of fdtOutlineLines(blob)) lines.push(`  ${l}`);
      return { json: { format: 'fdt', header, tree, problems }, lines, problems };
    } catch (e) {
      if (!(e instanceof BootprotoError) || !hasErrors(problems)) throw e;
      return { json: { format: 'fdt', header: null, tree: null, problems }, lines: ['fdt: not decodable (see problems)'], problems, incomplete: true };
    }
  },
};
