#!/usr/bin/env node
// Turns a serial dump of one of our test guests (the BOOTPROTO-*-DUMP text
// format: "ebx", then "region LABEL PADDR LENGTH" blocks of hex lines) into
// one binary file per region, and prints the `--at`/`--load` arguments that
// `bootproto inspect` takes for them. This is how samples/ was made.
//
//   node scripts/serial-to-regions.mjs DUMP.txt OUTDIR [PATH-PREFIX]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dumpFile, outDir, prefix = outDir] = process.argv.slice(2);
if (!dumpFile || !outDir) {
  console.error('usage: serial-to-regions.mjs DUMP.txt OUTDIR [PATH-PREFIX]');
  process.exit(2);
}
const text = readFileSync(dumpFile, 'latin1');
const start = text.search(/BOOTPROTO-[A-Z0-9]+-DUMP v1/);
if (start < 0) throw new Error(`${dumpFile}: no dump header`);
const lines = text.slice(start).split('\n').map((l) => l.replace(/\r$/, ''));
let ebx;
const regions = [];
for (const line of lines.slice(1)) {
  if (line === 'end') break;
  const words = line.split(' ');
  if (words[0] === 'ebx') ebx = words[1];
  else if (words[0] === 'region') regions.push({ label: words[1], paddr: words[2], length: parseInt(words[3], 16), hex: '' });
  else if (/^[0-9a-f]+$/.test(line) && regions.length > 0) regions[regions.length - 1].hex += line;
}
mkdirSync(outDir, { recursive: true });
const args = ['--at', `0x${ebx}`];
for (const r of regions) {
  const bytes = Buffer.from(r.hex, 'hex');
  if (bytes.length !== r.length) throw new Error(`region ${r.label}: ${bytes.length} bytes, header says ${r.length}`);
  writeFileSync(join(outDir, `${r.label}.bin`), bytes);
  args.push('--load', `${prefix}/${r.label}.bin@0x${r.paddr}`);
}
console.log(JSON.stringify(args));
