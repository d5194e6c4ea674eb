// bootproto benchmarks: a small harness of our own, run by `npm run bench`
// (`npm run build && node --expose-gc bench/run.mjs`). Never part of `npm test`.
//
// Each case is a function that processes one batch (1,024 memory map entries,
// or 1,024 start_info calls) and writes its checksum into `sink[0]`. The
// checksums of a group's cases must be equal (else exit 1). Each case then
// runs in a fresh node process of its own, where the harness
//   1. warms it up (about 0.3 s, so that TurboFan has optimised it);
//   2. times ROUNDS rounds of `reps` batches with process.hrtime.bigint(),
//      `reps` chosen so that one round lasts about 10 ms, and reports the
//      median ns per item and the spread over the rounds (min–max and the
//      interquartile range) as the machine's noise; the process's CPU time
//      per round (process.cpuUsage) is reported beside it, since on a shared
//      machine the wall clock also counts the time other processes ran;
//   3. measures bytes allocated per item (DESIGN §4): a GC, then the
//      heapUsed delta over a window of batches, minimum over several windows.
//      The GC is a minor one, gc({ type: 'minor' }): it empties new space as
//      well, but a full gc() also throws away optimised code that holds weak
//      references to objects it frees (V8's "weak objects" deoptimisation),
//      and the window after it then runs partly unoptimised: typed-binary's
//      readers measured anywhere from 1,100 to 3,000 bytes an entry that way,
//      against a steady 1,023 after a minor GC.
//      A window in which V8 collected (seen by v8.GCProfiler) is set aside; if
//      every window collected, the deltas are corrected by what each GC freed.
//      The cost of an empty window (the memoryUsage() result and the like) is
//      measured the same way and subtracted.
//
// Options:  --filter REGEX  run only the cases whose name matches REGEX
//           --out FILE      write the results there (default bench/results.json;
//                           `--out -` writes none)
//           --rounds N      timed rounds per case (default 15)
//           --in-process    run every case in this one process, one after the
//                           other (then V8's feedback from earlier cases carries
//                           over to later ones)
// BOOTPROTO_DIST=/path/to/dist benchmarks another build of the library (a
// scratch copy) with the same harness.

import { BufferReader, Measurer, Schema, object, u32 as tbU32 } from 'typed-binary';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Options

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const FILTER = option('--filter', '');
const OUT = option('--out', join(here, 'results.json'));
const ROUNDS = Number(option('--rounds', '15'));
const CHILD = option('--child', null);
const IN_PROCESS = process.argv.includes('--in-process');
const SOURCE_DIST = resolve(process.env.BOOTPROTO_DIST ?? join(here, '..', 'dist'));

if (typeof globalThis.gc !== 'function') {
  console.error('bench: global.gc is missing; run with node --expose-gc (npm run bench does)');
  process.exit(2);
}

// The parent copies the build into bench/.dist-XXXXXX (removed at exit) and
// every case reads that copy: a rebuild of dist/ while the benchmark runs
// (another `npm run build`) can then neither break it nor mix two builds.
let DIST = SOURCE_DIST;
if (CHILD === null) {
  if (!existsSync(join(SOURCE_DIST, 'index.js')) || !existsSync(join(SOURCE_DIST, 'pvh', 'index.js'))) {
    console.error(`bench: no build in ${SOURCE_DIST}; run npm run build first (npm run bench does)`);
    process.exit(2);
  }
  const snapshot = mkdtempSync(join(here, '.dist-'));
  process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
  process.on('SIGINT', () => process.exit(130)); // so that the copy is removed on ^C too
  cpSync(SOURCE_DIST, snapshot, { recursive: true, filter: (path) => !/\.(map|cjs|d\.c?ts)$/.test(path) });
  DIST = snapshot;
}

/** The options a child process needs (the dist comes through the environment). */
function childArgs() {
  return ['--rounds', String(ROUNDS)];
}

/** A scavenge: new space emptied, optimised code left alone (see the top of the file). */
const minorGc = () => globalThis.gc({ type: 'minor' });

const root = await import(pathToFileURL(join(DIST, 'index.js')).href);
const pvh = await import(pathToFileURL(join(DIST, 'pvh', 'index.js')).href);
const { viewMemmap, decodeMemmapEntry, decodeStartInfo, viewStartInfo, HVM_MEMMAP_TABLE_ENTRY, XEN_HVM_START_MAGIC_VALUE } = pvh;

// The root entry and the subpath share one chunk: the same functions, the same error class.
if (root.pvh.viewMemmap !== viewMemmap || HVM_MEMMAP_TABLE_ENTRY.size !== 24) {
  console.error('bench: dist/index.js and dist/pvh/index.js do not share the pvh module');
  process.exit(1);
}

// ---------------------------------------------------------------------------
// Inputs: seeded, so every run reads the same bytes.

/** xorshift32: small, seeded, good enough to scatter test values. */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const COUNT = 1024;
const ENTRY = 24;
const rand = prng(0x5eed_b007);

// Addresses below 2^42 and sizes below 2^36, page-aligned, so that the number
// accessors never throw and a walk's sum (1,024 terms) stays exact below 2^53:
// every case then computes bit-identical checksums.
const memmap = new Uint8Array(COUNT * ENTRY);
{
  const dv = new DataView(memmap.buffer);
  for (let i = 0; i < COUNT; i++) {
    const o = i * ENTRY;
    dv.setUint32(o, rand() & 0xfffff000, true);
    dv.setUint32(o + 4, rand() & 0x3ff, true);
    dv.setUint32(o + 8, rand() & 0xfffff000, true);
    dv.setUint32(o + 12, rand() & 0xf, true);
    dv.setUint32(o + 16, 1 + (rand() % 7), true);
    dv.setUint32(o + 20, 0, true);
  }
}

// Sixteen version-1 start_infos, 64 bytes apart, with scattered values; call
// i reads the (i mod 16)th, so no read can be hoisted out of the loop.
const SI_COPIES = 16;
const SI_STRIDE = 64;
const startInfos = new Uint8Array(SI_COPIES * SI_STRIDE);
{
  const dv = new DataView(startInfos.buffer);
  for (let k = 0; k < SI_COPIES; k++) {
    const o = k * SI_STRIDE;
    dv.setUint32(o, XEN_HVM_START_MAGIC_VALUE, true);
    dv.setUint32(o + 4, 1, true);
    dv.setUint32(o + 8, rand() & 3, true);
    dv.setUint32(o + 12, rand() & 7, true);
    for (const at of [16, 24, 32, 40]) {
      dv.setUint32(o + at, rand() & 0xfffffff0, true);
      dv.setUint32(o + at + 4, rand() & 0xff, true);
    }
    dv.setUint32(o + 48, rand() & 0xff, true);
    dv.setUint32(o + 52, 0, true);
  }
}

// ---------------------------------------------------------------------------
// typed-binary used directly: our own u64 schema, one reader per walk.

class DirectU64 extends Schema {
  read(input) {
    const first = BigInt(input.readUint32());
    const second = BigInt(input.readUint32());
    return input.endianness === 'little' ? (second << 32n) | first : (first << 32n) | second;
  }
  write(output, value) {
    const lo = Number(value & 0xffffffffn);
    const hi = Number((value >> 32n) & 0xffffffffn);
    output.writeUint32(output.endianness === 'little' ? lo : hi);
    output.writeUint32(output.endianness === 'little' ? hi : lo);
  }
  measure(_value, measurer = new Measurer()) {
    return measurer.add(8);
  }
}
const directU64 = new DirectU64();
const directEntry = object({ addr: directU64, size: directU64, type: tbU32, reserved: tbU32 });

// ---------------------------------------------------------------------------
// Cases. Each processes COUNT items and stores its checksum in sink[0] (a
// Float64Array slot: storing a double there allocates nothing).

const sink = new Float64Array(1);
const memmapDv = new DataView(memmap.buffer, memmap.byteOffset, memmap.byteLength);
const table = viewMemmap(memmap, 0, COUNT);

function plainMemmap(n) {
  const dv = memmapDv;
  let sum = 0;
  for (let i = 0, o = 0; i < n; i++, o += ENTRY) {
    const addr = dv.getUint32(o + 4, true) * 0x100000000 + dv.getUint32(o, true);
    const size = dv.getUint32(o + 12, true) * 0x100000000 + dv.getUint32(o + 8, true);
    sum += addr + size + dv.getUint32(o + 16, true);
  }
  sink[0] = sum;
}

function viewWalk(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = table.get(i);
    sum += e.addr + e.size + e.type;
  }
  sink[0] = sum;
}

function viewWalkBig(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = table.get(i);
    sum += Number(e.addrBig) + Number(e.sizeBig) + e.type;
  }
  sink[0] = sum;
}

function typedBinaryDecode(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = decodeMemmapEntry(memmap, i * ENTRY);
    sum += Number(e.addr) + Number(e.size) + e.type;
  }
  sink[0] = sum;
}

function typedBinaryDirect(n) {
  const reader = new BufferReader(memmap.buffer, { byteOffset: memmap.byteOffset, endianness: 'little' });
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = directEntry.read(reader);
    sum += Number(e.addr) + Number(e.size) + e.type;
  }
  sink[0] = sum;
}

const siDv = new DataView(startInfos.buffer, startInfos.byteOffset, startInfos.byteLength);

function plainStartInfo(n) {
  const dv = siDv;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = (i & (SI_COPIES - 1)) * SI_STRIDE;
    if (dv.getUint32(o, true) !== XEN_HVM_START_MAGIC_VALUE) throw new Error('bad magic');
    sum +=
      dv.getUint32(o + 4, true) +
      dv.getUint32(o + 8, true) +
      dv.getUint32(o + 12, true) +
      (dv.getUint32(o + 20, true) * 0x100000000 + dv.getUint32(o + 16, true)) +
      (dv.getUint32(o + 28, true) * 0x100000000 + dv.getUint32(o + 24, true)) +
      (dv.getUint32(o + 36, true) * 0x100000000 + dv.getUint32(o + 32, true)) +
      (dv.getUint32(o + 44, true) * 0x100000000 + dv.getUint32(o + 40, true)) +
      dv.getUint32(o + 48, true) +
      dv.getUint32(o + 52, true);
  }
  sink[0] = sum;
}

function decodeStartInfoCalls(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = decodeStartInfo(startInfos, (i & (SI_COPIES - 1)) * SI_STRIDE);
    sum +=
      s.version +
      s.flags +
      s.nrModules +
      Number(s.modlistPaddr) +
      Number(s.cmdlinePaddr) +
      Number(s.rsdpPaddr) +
      Number(s.memmapPaddr) +
      s.memmapEntries +
      s.reserved;
  }
  sink[0] = sum;
}

function viewStartInfoCalls(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = viewStartInfo(startInfos, (i & (SI_COPIES - 1)) * SI_STRIDE);
    if (s.magic !== XEN_HVM_START_MAGIC_VALUE) throw new Error('bad magic');
    sum +=
      s.version +
      s.flags +
      s.nrModules +
      s.modlistPaddr +
      s.cmdlinePaddr +
      s.rsdpPaddr +
      s.memmapPaddr +
      s.memmapEntries +
      s.reserved;
  }
  sink[0] = sum;
}

/** `group` names the checksum a case must agree on and the baseline of its ratio (the group's first case). */
const CASES = [
  { name: 'pvh memmap: plain DataView loop', group: 'memmap', unit: 'entry', fn: plainMemmap },
  { name: 'pvh memmap: bootproto view walk', group: 'memmap', unit: 'entry', fn: viewWalk },
  { name: 'pvh memmap: bootproto view walk (bigint)', group: 'memmap', unit: 'entry', fn: viewWalkBig },
  { name: 'pvh memmap: typed-binary decode', group: 'memmap', unit: 'entry', fn: typedBinaryDecode },
  { name: 'pvh memmap: typed-binary direct', group: 'memmap', unit: 'entry', fn: typedBinaryDirect },
  { name: 'pvh start_info: plain DataView reads', group: 'start_info', unit: 'call', fn: plainStartInfo },
  { name: 'pvh start_info: decodeStartInfo', group: 'start_info', unit: 'call', fn: decodeStartInfoCalls },
  { name: 'pvh start_info: viewStartInfo field reads', group: 'start_info', unit: 'call', fn: viewStartInfoCalls },
];

// ---------------------------------------------------------------------------
// Checksums first: every case of a group must read the same values. (A child
// process checks only its own case; the parent checks them all, and checks
// each child's against them.)

const expected = new Map();
let bad = false;
for (const c of CASES) {
  if (CHILD !== null && c.name !== CHILD) continue;
  c.fn(COUNT);
  c.checksum = sink[0];
  if (!expected.has(c.group)) expected.set(c.group, c.checksum);
  else if (expected.get(c.group) !== c.checksum) {
    console.error(`bench: checksum mismatch in ${c.name}: ${c.checksum} != ${expected.get(c.group)}`);
    bad = true;
  }
}
if (bad) process.exit(1);

// ---------------------------------------------------------------------------
// Timing

/** Runs `fn` `reps` times. Kept tiny; the per-item work is inside `fn`. */
function repeat(fn, reps, n) {
  for (let r = 0; r < reps; r++) fn(n);
}

function nowNs() {
  return process.hrtime.bigint();
}

function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function time(fn) {
  // Warm up for about 300 ms (and at least 50 batches).
  const warmEnd = nowNs() + 300_000_000n;
  let warm = 0;
  while (warm < 50 || nowNs() < warmEnd) {
    repeat(fn, 10, COUNT);
    warm += 10;
  }
  // Choose reps so that a round lasts about 10 ms.
  const t0 = nowNs();
  repeat(fn, 10, COUNT);
  const perBatch = Number(nowNs() - t0) / 10;
  const reps = Math.max(1, Math.round(10_000_000 / perBatch));

  const samples = [];
  const cpuSamples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu = process.cpuUsage();
    const start = nowNs();
    repeat(fn, reps, COUNT);
    const end = nowNs();
    const used = process.cpuUsage(cpu);
    samples.push(Number(end - start) / (reps * COUNT));
    cpuSamples.push(((used.user + used.system) * 1000) / (reps * COUNT));
  }
  return { ...stats(samples), reps, cpu: stats(cpuSamples) };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    samples,
  };
}

// ---------------------------------------------------------------------------
// Allocation

const WINDOWS = 8;
const WINDOW_ITEMS = 20 * COUNT; // about 20k items, as DESIGN §4 has it
const WINDOW_BUDGET = 256 * 1024; // bytes a window may allocate: well inside a fresh 1 MiB semi-space

/** One window of `reps` batches of `n` items: the heapUsed delta, and whether a GC ran. */
function window(fn, reps, n) {
  minorGc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = process.memoryUsage().heapUsed;
  repeat(fn, reps, n);
  const after = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const s of statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return { delta: after - before, gcs: statistics.length, corrected: after - before + freed };
}

/** The minimum over WINDOWS windows: of the GC-free ones if any, else of the GC-corrected deltas. */
function minWindow(fn, reps, n) {
  const ws = [];
  for (let w = 0; w < WINDOWS; w++) ws.push(window(fn, reps, n));
  const clean = ws.filter((w) => w.gcs === 0);
  if (clean.length > 0) return { bytes: Math.min(...clean.map((w) => w.delta)), clean: clean.length };
  return { bytes: Math.min(...ws.map((w) => w.corrected)), clean: 0 };
}

function allocation(fn) {
  // A probe batch estimates the rate; a case that allocates little gets
  // windows of WINDOW_ITEMS items, one that allocates much gets fewer items,
  // so that its windows stay inside the budget and need no GC.
  const probe = Math.max(0, window(fn, 1, COUNT).corrected) / COUNT;
  const items = Math.max(16, Math.min(WINDOW_ITEMS, Math.floor(WINDOW_BUDGET / Math.max(probe, 1e-9))));
  const reps = Math.max(1, Math.floor(items / COUNT));
  const n = items >= COUNT ? COUNT : items;
  const empty = minWindow(fn, 0, n).bytes;
  const m = minWindow(fn, reps, n);
  const perItem = Math.max(0, m.bytes - empty) / (reps * n);
  return { perItem, items: reps * n, windows: WINDOWS, cleanWindows: m.clean, emptyWindowBytes: empty };
}

// ---------------------------------------------------------------------------
// Run

function measure(c) {
  const t = time(c.fn);
  const a = allocation(c.fn);
  return { case: c.name, group: c.group, unit: c.unit, checksum: c.checksum, ns: t, bytes: a };
}

if (CHILD !== null) {
  const c = CASES.find((x) => x.name === CHILD);
  if (c === undefined) {
    console.error(`bench: no case named ${JSON.stringify(CHILD)}`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(measure(c))}\n`);
  process.exit(0);
}

// By default each case runs in a fresh process of its own (same node flags),
// so that what V8 learnt from one case (its type feedback, its optimised code,
// the shapes it has seen) cannot speed up or slow down the next.
// --in-process runs them all in this process instead, one after the other.
const loadStart = os.loadavg();
const cases = CASES.filter((c) => new RegExp(FILTER).test(c.name));
const results = [];
for (const c of cases) {
  let r;
  if (IN_PROCESS) r = measure(c);
  else {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...childArgs(), '--child', c.name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BOOTPROTO_DIST: DIST },
    });
    if (child.status !== 0) {
      console.error(`bench: case ${c.name} failed (exit ${child.status ?? child.signal})`);
      process.exit(1);
    }
    r = JSON.parse(child.stdout);
  }
  if (r.checksum !== expected.get(c.group)) {
    console.error(`bench: checksum mismatch in ${c.name}: ${r.checksum} != ${expected.get(c.group)}`);
    process.exit(1);
  }
  results.push(r);
  process.stderr.write('.');
}
process.stderr.write('\n');

// The baseline of a group is its first case in CASES (its plain DataView
// loop); when --filter leaves it out, the group's ratios are left out too.
for (const r of results) {
  const name = CASES.find((c) => c.group === r.group)?.name;
  const b = results.find((x) => x.case === name);
  r.baseline = name;
  r.ratio = b === undefined ? null : r.ns.median / b.ns.median;
  r.ratioCpu = b === undefined ? null : r.ns.cpu.median / b.ns.cpu.median;
}
const times = (x) => (x === null ? '–' : `${x.toFixed(2)}×`);

function fmt(x, digits) {
  return x.toFixed(x >= 100 ? 0 : digits);
}

const header = ['case', 'ns/item', 'noise min–max', 'IQR', 'ratio', 'cpu ns/item', 'cpu ratio', 'bytes/item'];
const rows = results.map((r) => [
  r.case,
  fmt(r.ns.median, 2),
  `${fmt(r.ns.min, 2)}–${fmt(r.ns.max, 2)}`,
  `±${((r.ns.q3 - r.ns.q1) / 2 / r.ns.median * 100).toFixed(1)}%`,
  times(r.ratio),
  fmt(r.ns.cpu.median, 2),
  times(r.ratioCpu),
  r.bytes.cleanWindows > 0 ? r.bytes.perItem.toFixed(r.bytes.perItem >= 10 ? 0 : 2) : `~${r.bytes.perItem.toFixed(0)}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}, ${ROUNDS} rounds of ~10 ms per case`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
console.log(
  'ns/item: median over the rounds; noise: fastest–slowest round, IQR: half the interquartile range;\n' +
    'ratio: of the medians, to the first case of the group (its plain DataView loop); cpu: the same from\n' +
    'the CPU time the process used in each round (process.cpuUsage): wall time also counts the time other\n' +
    'processes held the CPU, so on a busy machine trust the cpu columns; bytes/item: minimum heapUsed delta over\n' +
    `${WINDOWS} windows with no GC (~: every window collected; corrected by what the GCs freed).\n` +
    `load average ${loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end.`,
);

if (OUT !== '-') {
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model ?? null,
    cpus: os.cpus().length,
    loadAverage: { start: loadStart, end: os.loadavg() },
    dist: SOURCE_DIST,
    rounds: ROUNDS,
    isolation: IN_PROCESS ? 'one process for all cases' : 'one process per case',
    checksums: Object.fromEntries(expected),
    results: results.map((r) => ({
      case: r.case,
      unit: r.unit,
      nsPerItem: { median: r.ns.median, min: r.ns.min, max: r.ns.max, q1: r.ns.q1, q3: r.ns.q3 },
      cpuNsPerItem: { median: r.ns.cpu.median, min: r.ns.cpu.min, max: r.ns.cpu.max, q1: r.ns.cpu.q1, q3: r.ns.cpu.q3 },
      batchesPerRound: r.ns.reps,
      roundsNs: r.ns.samples,
      roundsCpuNs: r.ns.cpu.samples,
      ratio: r.ratio,
      ratioCpu: r.ratioCpu,
      baseline: r.baseline,
      bytesPerItem: r.bytes.perItem,
      allocation: {
        itemsPerWindow: r.bytes.items,
        windows: r.bytes.windows,
        cleanWindows: r.bytes.cleanWindows,
        emptyWindowBytes: r.bytes.emptyWindowBytes,
      },
    })),
  };
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
}
