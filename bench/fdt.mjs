// Devicetree benchmarks: `npm run build && node --expose-gc bench/fdt.mjs`.
// Never part of `npm test`.
//
// The blob: a synthetic kernel-like tree of about 1,000 nodes (buses, devices
// with compatible/reg/interrupts/clocks/status/pinctrl strings), written as
// DTS here and compiled by Debian's dtc into a temporary folder, so nothing
// binary is committed. Cases, each in ns per node (per look-up for paths):
//   - cursor walk: FdtCursor over every token, names compared, cells read;
//   - plain JS scan: a hand-written DataView loop over the same tokens (the
//     floor a cursor can reach), in the same process;
//   - openFdt (one walk that builds the path index), decodeFdt (plain objects);
//   - path look-ups through the index, against libfdt's fdt_path_offset;
//   - libfdt's own API walk (fdt_next_node, fdt_for_each_property_offset,
//     fdt_getprop_by_offset), when gcc and libfdt-dev are installed: the
//     probe test/tools/fdt/libfdt-probe.c is built into .cache/ (never committed).
// Bytes allocated per node of the cursor walk: global.gc() then heapUsed
// deltas, smallest over several windows.
//
// BOOTPROTO_DIST=/path/to/dist benchmarks another build.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(process.env.BOOTPROTO_DIST ?? join(here, '..', 'dist'));
const { FdtCursor, FDT_BEGIN_NODE, FDT_END, FDT_PROP, openFdt, decodeFdt } = await import(
  pathToFileURL(join(DIST, 'fdt/index.js')).href
);

if (typeof globalThis.gc !== 'function') {
  console.error('bench/fdt: run with node --expose-gc');
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The blob

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
writeFileSync(join(tmp, 'big.dts'), makeDts());
execFileSync('timeout', ['60', 'dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', join(tmp, 'big.dtb'), join(tmp, 'big.dts')]);
const blob = new Uint8Array(readFileSync(join(tmp, 'big.dtb')));

// ---------------------------------------------------------------------------
// Harness: median ns per item over rounds of ~10 ms.

let sink = 0;
function time(name, itemsPerCall, fn) {
  const t0 = performance.now();
  while (performance.now() - t0 < 300) fn();
  let reps = 1;
  for (;;) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - s > 10) break;
    reps *= 2;
  }
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - s) / (reps * itemsPerCall));
  }
  rounds.sort((a, b) => a - b);
  return { name, ns: rounds[7], min: rounds[0], max: rounds[14] };
}

function allocated(itemsPerCall, fn) {
  for (let i = 0; i < 200; i++) fn();
  let best = Infinity;
  for (let w = 0; w < 8; w++) {
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / (100 * itemsPerCall));
  }
  return best;
}

// ---------------------------------------------------------------------------
// Cases

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
  sink ^= s;
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
  sink ^= s;
}

const paths = fdt.nodes().map((n) => fdt.nodePath(n));
const shortPaths = paths.map((p) => p.replace(/@[0-9a-f]+/g, (m, i) => (i % 2 ? '' : m)));
const lookupPaths = [];
for (let i = 0; i < paths.length; i += 7) lookupPaths.push(paths[i], shortPaths[i]);
lookupPaths.push('serial0', '/chosen', '/memory');
function lookups() {
  let s = 0;
  for (const p of lookupPaths) s += fdt.pathOffset(p) ?? 0;
  sink ^= s;
}

const results = [];
const walk = time('cursor walk (per node)', nodes, cursorWalk);
const scan = time('plain JS DataView scan (per node)', nodes, plainScan);
results.push(walk, scan);
results.push(time('openFdt: walk + index (per node)', nodes, () => (sink ^= openFdt(blob).nodeCount)));
results.push(time('decodeFdt: tree of objects (per node)', nodes, () => (sink ^= decodeFdt(blob).root.children.length)));
results.push(time('pathOffset through the index (per look-up)', lookupPaths.length, lookups));
const walkBytes = allocated(nodes, cursorWalk);

// libfdt, when it can be built.
let libfdt;
try {
  const probe = join(here, '..', '.cache', 'libfdt-probe');
  mkdirSync(dirname(probe), { recursive: true });
  execFileSync('gcc', ['-O2', '-o', probe, join(here, '..', 'test/tools/fdt/libfdt-probe.c'), '-lfdt'], { stdio: 'pipe' });
  const file = join(tmp, 'big.dtb');
  const w = execFileSync(probe, ['walk', file, '2000']).toString().trim().split(' ');
  const lk = execFileSync(probe, ['lookups', file, '20', ...lookupPaths]).toString().trim().split(' ');
  libfdt = { walkNs: Number(w[2]), lookupNs: Number(lk[1]), nodes: Number(w[0]) };
} catch (e) {
  libfdt = { error: String(e.message ?? e).split('\n')[0] };
}
rmSync(tmp, { recursive: true, force: true });

console.log(`blob: ${blob.length} bytes, ${nodes} nodes, ${lookupPaths.length} look-up paths; node ${process.version}`);
for (const r of results) console.log(`${r.name.padEnd(46)} ${r.ns.toFixed(1).padStart(9)} ns  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`);
console.log(`cursor walk / plain scan: ${(walk.ns / scan.ns).toFixed(2)}x median, ${(walk.min / scan.min).toFixed(2)}x min`);
console.log(`cursor walk bytes allocated per node: ${walkBytes.toFixed(3)}`);
if (libfdt.error === undefined) {
  console.log(`libfdt API walk (per node, C):               ${libfdt.walkNs.toFixed(1).padStart(9)} ns  -> cursor is ${(libfdt.walkNs / walk.ns).toFixed(1)}x faster`);
  const ours = results[4].ns;
  console.log(`libfdt fdt_path_offset (per look-up, C):      ${libfdt.lookupNs.toFixed(1).padStart(9)} ns  -> index is ${(libfdt.lookupNs / ours).toFixed(1)}x faster`);
} else console.log(`libfdt comparison skipped: ${libfdt.error}`);
if (sink === 0.5) console.log('');
