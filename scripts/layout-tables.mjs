#!/usr/bin/env node
// Prints the offset tables of docs/pvh.md as Markdown, from the layout objects
// themselves, so that the docs and the code share one description of each
// structure. Reads the built package: run `npm run build` first.
//
//   node scripts/layout-tables.mjs            # all PVH tables
//
// Paste the output between the `layout-tables` markers of docs/pvh.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('pvh/index.js', dist)))) {
  console.error('dist/pvh/index.js not found: run `npm run build` first');
  process.exit(2);
}
const { specName } = await import(new URL('index.js', dist).href);
const pvh = await import(new URL('pvh/index.js', dist).href);

const hex = (n) => `0x${n.toString(16).padStart(2, '0')}`;

/** Value names (`values`) or bit names (`flags`) of a field, as one table cell. */
function names(field) {
  if (field.values !== undefined) {
    return Object.entries(field.values)
      .map(([value, name]) => `${Number(value) > 9 ? hex(Number(value)) : value} \`${name}\``)
      .join(', ');
  }
  if (field.flags !== undefined) {
    return Object.entries(field.flags)
      .map(([name, mask]) => `${hex(mask)} \`${name}\``)
      .join(', ');
  }
  return '';
}

/**
 * One table: offset, size, spec name and kind of every field of `layout`.
 * With `since`, a column gives the first version that has the field.
 */
function table(layout, since) {
  const head = ['Offset', 'Size', 'Field', 'Type', ...(since ? ['Version'] : []), 'Values'];
  const rows = [head, head.map(() => '---')];
  for (const key of layout.order) {
    const f = layout.fields[key];
    rows.push([
      `${f.offset} (${hex(f.offset)})`,
      String(f.length),
      `\`${specName(key, f)}\``,
      f.kind === 'bytes' ? `u8[${f.length}]` : f.kind,
      ...(since ? [String(since(key))] : []),
      names(f),
    ]);
  }
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const v0 = pvh.HVM_START_INFO_V0;
const v1 = pvh.HVM_START_INFO;
const out = [
  `#### \`${v1.name}\` (version 0: ${v0.size} bytes; version 1: ${v1.size} bytes)`,
  '',
  table(v1, (key) => (key in v0.fields ? 0 : 1)),
  '',
  `#### \`${pvh.HVM_MODLIST_ENTRY.name}\` (${pvh.HVM_MODLIST_ENTRY.size} bytes)`,
  '',
  table(pvh.HVM_MODLIST_ENTRY),
  '',
  `#### \`${pvh.HVM_MEMMAP_TABLE_ENTRY.name}\` (${pvh.HVM_MEMMAP_TABLE_ENTRY.size} bytes)`,
  '',
  table(pvh.HVM_MEMMAP_TABLE_ENTRY),
];
console.log(out.join('\n'));
