// Devicetree benchmark cases (declarations only; bench/run.mjs times them).
//
// The blob: a synthetic kernel-like tree of about 1,000 nodes (buses, devices
// with compatible/reg/interrupts/clocks/status/pinctrl strings), written as
// DTS here and compiled by Debian's dtc into a temporary folder, so nothing
// binary is committed. Cases, each in ns per node (per look-up for paths):
//   - cursor walk: FdtCursor over every token, names compared, cells read;
//   - plain JS scan: a hand-written DataView loop over the same tokens (the
//     floor a cursor can reach);
//   - the same two with the blob passed in (two copies, in turn) and the
//     cursor or DataView made for each walk, as a program that opens blobs
//     it is given would: with one cursor and one blob held in module
//     constants (the rows above) V8 folds the cursor's bounds and the
//     DataView into the compiled loop, which flatters both sides;
//   - openFdt (one walk that builds the path index), decodeFdt (plain objects);
//   - path look-ups through the index, against libfdt's fdt_path_offset;
//   - libfdt's own API walk (fdt_next_node, fdt_for_each_property_offset,
//     fdt_getprop_by_offset), when gcc and libfdt-dev are installed: the
//     probe test/tools/fdt/libfdt-probe.c is built into .cache/ (never
//     committed) and times itself (wall clock).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

export default async function setup({ load, sink, root }) {
const { FdtCursor, FDT_BEGIN_NODE, FDT_END, FDT_PROP, openFdt, decodeFdt } = await load('fdt');

function makeDts() {
  const lines = ['/dts-v1/;', '/ {', '\tcompatible = "bench,board", "bench,soc";', '\t#address-cells = <2>;', '\t#size-cells = <2>;'];
  lines.push('\taliases { serial0 = "/soc@0/bus@1000000/uart@1000100"; };');
  lines.push('\tchosen { bootargs = "console=ttyS0 earlycon"; stdout-path = "serial0"; };');
  lines.push('\tmemory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x1 0x0>; };');
  lines.push('\tsoc@0 {', '\t\tcompatible = "simple-bus";', '\t\t#address-cells = <1>;', '\t\t#size-cells = <1>;', '\t\tranges = <0x0 0x0 0x0 0x40000000>;');
  let ph = 1;
  for (let b = 0; b < 30; b++) {
    const base = 0x1000000 * (b + 1);
    lines.push(`\t\tbus@${base.toString(16)} {`, '\t\t\tcompatible = "vendor,bus", "simple-bus";', '\t\t\t#address-cells = <1>;', '\t\t\t#size-cells = <1>;', `\t\t\tranges;`, `\t\t\treg = <0x${base.toString(16)} 0x100000>;`);
    for (let d = 0; d < 32; d++) {
      const a = base + 0x100 * (d + 1);
      lines.push(
        `\t\t\tuart@${a.toString(16)} {`,
        `\t\t\t\tcompatible = "vendor,dev-${d % 7}", "vendor,generic";`,
        `\t\t\t\treg = <0x${a.toString(16)} 0x100>;`,
        `\t\t\t\tinterrupts = <0 ${d} 4>;`,
        `\t\t\t\tclocks = <${ph} 3>;`,
        `\t\t\t\tclock-names = "core", "bus";`,
        `\t\t\t\tpinctrl-names = "default";`,
        `\t\t\t\tstatus = "${d % 3 ? 'okay' : 'disabled'}";`,
        `\t\t\t\tphandle = <${ph++}>;`,
        '\t\t\t};',
      );
    }
    lines.push('\t\t};');
  }
  lines.push('\t};', '};');
  return lines.join('\n');
}

const tmp = mkdtempSync(join(os.tmpdir(), 'bench-fdt-'));
const dtb = join(tmp, 'big.dtb');
writeFileSync(join(tmp, 'big.dts'), makeDts());
execFileSync('timeout', ['60', 'dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', dtb, join(tmp, 'big.dts')]);
const blob = new Uint8Array(readFileSync(dtb));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const fdt = openFdt(blob);
const nodes = fdt.nodeCount;
const cursor = new FdtCursor(blob);

function cursorWalk() {
  cursor.reset();
  let s = 0;
  for (let t = cursor.next(); t !== FDT_END; t = cursor.next()) {
    if (t === FDT_BEGIN_NODE) s += cursor.nameLength;
    else if (t === FDT_PROP) s += cursor.valueLength + (blob[cursor.nameStart] === 0x63 ? 1 : 0);
  }
  sink[0] = s;
}

// The floor: a hand-written scan of the same tokens, without the checks.
const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
const offStruct = dv.getUint32(8);
const offStrings = dv.getUint32(12);
function plainScan() {
  let o = offStruct;
  let s = 0;
  for (;;) {
    const tag = dv.getUint32(o);
    o += 4;
    if (tag === 1) {
      const start = o;
      while (blob[o] !== 0) o++;
      s += o - start;
      o = (o + 4) & ~3;
    } else if (tag === 3) {
      const len = dv.getUint32(o);
      const nameoff = dv.getUint32(o + 4);
      s += len + (blob[offStrings + nameoff] === 0x63 ? 1 : 0);
      o = (o + 8 + len + 3) & ~3;
    } else if (tag === 9) break;
  }
  sink[0] = s;
}

// The same walks on a blob passed in, with a cursor (or DataView) made per walk.
const copies = [blob, blob.slice()];
let turn = 0;
function cursorWalkOf(bytes) {
  const c = new FdtCursor(bytes);
  let s = 0;
  for (let t = c.next(); t !== FDT_END; t = c.next()) {
    if (t === FDT_BEGIN_NODE) s += c.nameLength;
    else if (t === FDT_PROP) s += c.valueLength + (bytes[c.nameStart] === 0x63 ? 1 : 0);
  }
  sink[0] = s;
}
function plainScanOf(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offStruct = dv.getUint32(8);
  const offStrings = dv.getUint32(12);
  let o = offStruct;
  let s = 0;
  for (;;) {
    const tag = dv.getUint32(o);
    o += 4;
    if (tag === 1) {
      const start = o;
      while (bytes[o] !== 0) o++;
      s += o - start;
      o = (o + 4) & ~3;
    } else if (tag === 3) {
      const len = dv.getUint32(o);
      const nameoff = dv.getUint32(o + 4);
      s += len + (bytes[offStrings + nameoff] === 0x63 ? 1 : 0);
      o = (o + 8 + len + 3) & ~3;
    } else if (tag === 9) break;
  }
  sink[0] = s;
}

const paths = fdt.nodes().map((n) => fdt.nodePath(n));
const shortPaths = paths.map((p) => p.replace(/@[0-9a-f]+/g, (m, i) => (i % 2 ? '' : m)));
const lookupPaths = [];
for (let i = 0; i < paths.length; i += 7) lookupPaths.push(paths[i], shortPaths[i]);
lookupPaths.push('serial0', '/chosen', '/memory');
function lookups() {
  let s = 0;
  for (const p of lookupPaths) s += fdt.pathOffset(p) ?? 0;
  sink[0] = s;
}


function probe() {
  const exe = join(root, '.cache', 'libfdt-probe');
  const src = join(root, 'test/tools/fdt/libfdt-probe.c');
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(exe), { recursive: true });
    execFileSync('gcc', ['-O2', '-o', exe, src, '-lfdt'], { stdio: 'pipe' });
  }
  return exe;
}
function libfdt(args) {
  try {
    return execFileSync(probe(), args).toString().trim().split(' ');
  } catch (e) {
    console.error(`bench/fdt: libfdt comparison skipped: ${String(e.message ?? e).split('\n')[0]}`);
    return null;
  }
}

const w = { group: 'fdt walk', unit: 'node', items: nodes };
const p = { group: 'fdt path', unit: 'look-up', items: lookupPaths.length };
const f = { group: 'fdt walk, blob passed in', unit: 'node', items: nodes };
return {
  info: `a ${blob.length}-byte DTB of ${nodes} nodes (dtc-compiled), ${lookupPaths.length} look-up paths`,
  cases: [
    { ...w, name: 'fdt walk: plain JS DataView token scan', kind: 'plain', fn: plainScan },
    { ...w, name: 'fdt walk: FdtCursor walk', kind: 'ours', fn: cursorWalk },
    { ...w, name: 'fdt walk: openFdt (walk + path index build)', kind: 'ours', fn: () => (sink[0] = openFdt(blob).nodeCount), checksumFree: true },
    { ...w, name: 'fdt walk: decodeFdt (tree of objects)', kind: 'ours', fn: () => (sink[0] = decodeFdt(blob).root.children.length), checksumFree: true },
    { ...f, name: 'fdt walk, blob passed in: plain JS DataView token scan', kind: 'plain', fn: () => plainScanOf(copies[turn++ & 1]) },
    { ...f, name: 'fdt walk, blob passed in: new FdtCursor per walk', kind: 'ours', fn: () => cursorWalkOf(copies[turn++ & 1]) },
    { ...p, name: 'fdt path: pathOffset through the index', kind: 'ours', fn: lookups },
  ],
  external: [
    {
      name: 'fdt walk: libfdt API walk (C)',
      group: 'fdt walk',
      unit: 'node',
      run() {
        const out = libfdt(['walk', dtb, '2000']);
        return out && { nsPerItem: Number(out[2]), note: 'C, wall' };
      },
    },
    {
      name: 'fdt path: libfdt fdt_path_offset (C)',
      group: 'fdt path',
      unit: 'look-up',
      run() {
        const out = libfdt(['lookups', dtb, '20', ...lookupPaths]);
        return out && { nsPerItem: Number(out[1]), note: 'C, wall' };
      },
    },
  ],
  targets: [
    { name: 'FDT cursor walk ≤1.5× plain JS token scan, 0 B/node', case: 'fdt walk: FdtCursor walk', maxRatio: 1.5, maxBytes: 0 },
    { name: 'FDT path look-up via index ≥100× faster than fdt_path_offset', case: 'fdt path: pathOffset through the index', against: 'fdt path: libfdt fdt_path_offset (C)', minSpeedup: 100 },
  ],
};
}
