// Multiboot 2 benchmark cases (declarations only; bench/run.mjs times them):
// a large information block (10,000 module tags with strings of varied
// length, a 512-entry memory map and the usual small tags) walked with the
// zero-allocation cursor (and its memory-map table view) and decoded whole,
// against a hand-written DataView loop doing the same work; then the same
// two on an information block passed in (two copies, in turn) with the
// cursor or DataView made for each walk, as a kernel or VMM reading the
// block it is handed would (a cursor and a block held in module constants
// let V8 fold their fields into the compiled loop); last, GRUB's own
// 832-byte block (samples/, 20 tags) walked 64 times a call, as a loader or
// test reads real blocks: the walk is a short call made often, compiled with
// its type feedback, where one 10,005-tag walk is a single long loop that V8
// may compile on stack before it has any.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function setup({ load, sink, root }) {
const m = await load('multiboot');
const bytes = m.encodeMb2Info({
  tags: m.mb2TagsFromSpec({
    cmdline: 'console=ttyS0 loglevel=7',
    bootLoaderName: 'GRUB 2.06',
    modules: Array.from({ length: 10_000 }, (_, i) => ({ start: 0x1000000 + i * 0x1000, end: 0x1000000 + i * 0x1000 + 1 + (i % 4000), string: `mod${i}`.padEnd(3 + (i % 17), 'x') })),
    basicMeminfo: { memLower: 639, memUpper: 2096000 },
    mmap: Array.from({ length: 512 }, (_, i) => ({ addr: BigInt(i) << 24n, len: 1n << 24n, type: 1 + (i % 5) })),
    acpiNew: new Uint8Array(36),
  }),
});
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const cursor = new m.Mb2TagCursor(bytes);
let TAGS = 0;
cursor.reset();
while (cursor.next()) TAGS++;

// What every case computes: total module bytes, RAM bytes of the memory map, number of tags.
function plainDataView() {
  const total = dv.getUint32(0, true);
  let mods = 0, ram = 0, n = 0;
  for (let o = 8; o + 8 <= total; ) {
    const type = dv.getUint32(o, true);
    const size = dv.getUint32(o + 4, true);
    if (type === 0 || size < 8) break;
    n++;
    if (type === 3) mods += dv.getUint32(o + 12, true) - dv.getUint32(o + 8, true);
    else if (type === 6) {
      const es = dv.getUint32(o + 8, true);
      for (let e = o + 16; e + es <= o + size; e += es) {
        if (dv.getUint32(e + 16, true) === 1) ram += dv.getUint32(e + 12, true) * 0x100000000 + dv.getUint32(e + 8, true);
      }
    }
    o = (o + size + 7) & ~7;
  }
  sink[0] = mods + ram + n;
}
function cursorWalk() {
  let mods = 0, ram = 0, n = 0;
  cursor.reset();
  while (cursor.next()) {
    n++;
    if (cursor.type === 3) mods += cursor.u32(12) - cursor.u32(8);
    else if (cursor.type === 6) {
      const t = cursor.mmap();
      for (let i = 0; i < t.count; i++) {
        const e = t.get(i);
        if (e.type === 1) ram += e.len;
      }
    }
  }
  sink[0] = mods + ram + n;
}
function decodeWhole() {
  const info = m.decodeMb2Info(bytes);
  let mods = 0, ram = 0n, n = 0;
  for (const t of info.tags) {
    n++;
    if (t.kind === 'module') mods += t.modEnd - t.modStart;
    else if (t.kind === 'mmap') for (const e of t.entries) if (e.type === 1) ram += e.len;
  }
  sink[0] = mods + Number(ram) + n;
}

const copies = [bytes, bytes.slice()];
let turn = 0;
function plainOf(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = dv.getUint32(0, true);
  let mods = 0, ram = 0, n = 0;
  for (let o = 8; o + 8 <= total; ) {
    const type = dv.getUint32(o, true);
    const size = dv.getUint32(o + 4, true);
    if (type === 0 || size < 8) break;
    n++;
    if (type === 3) mods += dv.getUint32(o + 12, true) - dv.getUint32(o + 8, true);
    else if (type === 6) {
      const es = dv.getUint32(o + 8, true);
      for (let e = o + 16; e + es <= o + size; e += es) {
        if (dv.getUint32(e + 16, true) === 1) ram += dv.getUint32(e + 12, true) * 0x100000000 + dv.getUint32(e + 8, true);
      }
    }
    o = (o + size + 7) & ~7;
  }
  sink[0] = mods + ram + n;
}
function cursorOf(bytes) {
  walkOf(new m.Mb2TagCursor(bytes));
}
function walkOf(c) {
  let mods = 0, ram = 0, n = 0;
  while (c.next()) {
    n++;
    if (c.type === 3) mods += c.u32(12) - c.u32(8);
    else if (c.type === 6) {
      const t = c.mmap();
      for (let i = 0; i < t.count; i++) {
        const e = t.get(i);
        if (e.type === 1) ram += e.len;
      }
    }
  }
  sink[0] = mods + ram + n;
}

const grub = new Uint8Array(readFileSync(join(root, 'samples/multiboot/grub-mb2-128M/info.bin')));
const grubCopies = [grub, grub.slice()];
let GRUB_TAGS = 0;
for (const c = new m.Mb2TagCursor(grub); c.next(); ) GRUB_TAGS++;
const WALKS = 64;
function grubPlain() {
  for (let k = 0; k < WALKS; k++) plainOf(grubCopies[k & 1]);
}
function grubCursor() {
  for (let k = 0; k < WALKS; k++) cursorOf(grubCopies[k & 1]);
}
const keptCursor = new m.Mb2TagCursor(grub);
function grubKeptCursor() {
  for (let k = 0; k < WALKS; k++) walkOf(keptCursor.point(grubCopies[k & 1]));
}

const g = { group: 'mb2 tags', unit: 'tag', items: TAGS };
const r = { group: "mb2 tags, GRUB's block", unit: 'tag', items: GRUB_TAGS * WALKS };
const f = { group: 'mb2 tags, block passed in', unit: 'tag', items: TAGS };
return {
  info: `Multiboot 2 information of ${bytes.length} bytes, ${TAGS} tags (10,000 modules, a 512-entry mmap)`,
  cases: [
    { ...g, name: 'mb2 tags: plain DataView loop', kind: 'plain', fn: plainDataView },
    { ...g, name: 'mb2 tags: Mb2TagCursor walk (+ mmap view)', kind: 'ours', fn: cursorWalk },
    { ...g, name: 'mb2 tags: decodeMb2Info + objects', kind: 'ours', fn: decodeWhole },
    { ...f, name: 'mb2 tags, block passed in: plain DataView loop', kind: 'plain', fn: () => plainOf(copies[turn++ & 1]) },
    { ...f, name: 'mb2 tags, block passed in: new Mb2TagCursor per walk', kind: 'ours', fn: () => cursorOf(copies[turn++ & 1]) },
    { ...r, name: "mb2 tags, GRUB's block: plain DataView loop", kind: 'plain', fn: grubPlain },
    { ...r, name: "mb2 tags, GRUB's block: new Mb2TagCursor per walk", kind: 'ours', fn: grubCursor },
    { ...r, name: "mb2 tags, GRUB's block: one cursor kept, cursor.point", kind: 'ours', fn: grubKeptCursor },
  ],
  targets: [
    { name: 'MB2 tag cursor walk ≤1.5× DataView, 0 B/tag', case: 'mb2 tags: Mb2TagCursor walk (+ mmap view)', maxRatio: 1.5, maxBytes: 0 },
  ],
};
}
