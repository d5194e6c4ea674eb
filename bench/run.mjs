// bootproto benchmarks: one harness for every module, run by `npm run bench`
// (`npm run build && node --expose-gc bench/run.mjs`). Never part of `npm test`.
//
// The cases live in bench/<module>.mjs: each default-exports an async
// `setup(ctx)` returning { info, cases, external, targets }. A case is
// { name, group, unit, items, kind: 'plain' | 'ours' | 'peer', fn }: `fn()`
// processes `items` items (one call of it is a batch) and writes its checksum
// into `ctx.sink[0]`; the checksums of a group's cases must be equal (else
// exit 1; `checksumFree: true` opts a case out). The group's 'plain' case (a
// hand-written DataView loop) is the baseline of its ratios; a 'peer' row
// (typed-binary, binary-parser, restructure, pe-library, libfdt) is also
// compared with the group's first 'ours' row. `external` cases are programs
// timed by themselves (libfdt through a C probe). A target names a case and
// the bound it must meet; each is a row under the table. Each case then
// runs in a fresh node process of its own, where the harness
//   1. warms it up (about 0.3 s, so that TurboFan has optimised it);
//   2. times ROUNDS rounds of `reps` batches with process.hrtime.bigint(),
//      `reps` chosen so that one round lasts about 10 ms, and reports the
//      median ns per item and the spread over the rounds (min–max and the
//      interquartile range) as the machine's noise; the process's CPU time
//      per round (process.cpuUsage) is reported beside it, since on a shared
//      machine the wall clock also counts the time other processes ran.
//      The case's comparands run in the same process, round for round in
//      turn with it (the group's plain loop; for a peer, also the group's
//      first bootproto case), and a ratio is the median of the per-round
//      ratios: both sides of it then ran under the same load;
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

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const here = dirname(fileURLToPath(import.meta.url));

/** The case files, in the order of the table. Each default-exports `setup(ctx)`. */
const MODULES = ['pvh', 'efi-memmap', 'linux-bootparams', 'multiboot', 'pecoff', 'fdt'];

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

/** A scavenge: new space emptied, optimised code left alone (see the top of the file). */
const minorGc = () => globalThis.gc({ type: 'minor' });

/** What a case file's setup receives. */
const sink = new Float64Array(1);
const ctx = {
  root: join(here, '..'),
  dist: DIST,
  sink,
  /** Imports a subpath of the build (`''` for the root entry). */
  load: (sub) => import(pathToFileURL(join(DIST, sub, 'index.js')).href),
};

async function loadModule(name) {
  const { default: setup } = await import(pathToFileURL(join(here, `${name}.mjs`)).href);
  const m = await setup(ctx);
  for (const c of m.cases ?? []) c.module = name;
  for (const c of m.external ?? []) c.module = name;
  return { name, info: m.info ?? null, cases: m.cases ?? [], external: m.external ?? [], targets: m.targets ?? [] };
}

// ---------------------------------------------------------------------------
// Timing

/** Runs `fn` `reps` times. Kept tiny; the per-item work is inside `fn`. */
function repeat(fn, reps) {
  for (let r = 0; r < reps; r++) fn();
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

/** Warms `c` up (about 300 ms, at least 50 calls); returns the calls a ~10 ms round needs. */
function warmUp(c) {
  const warmEnd = nowNs() + 300_000_000n;
  let warm = 0;
  while (warm < 50 || nowNs() < warmEnd) {
    repeat(c.fn, 10);
    warm += 10;
  }
  const t0 = nowNs();
  repeat(c.fn, 10);
  const perCall = Number(nowNs() - t0) / 10;
  return Math.max(1, Math.round(10_000_000 / perCall));
}

/** One round of `reps` calls: wall and CPU ns per item. */
function round(c, reps) {
  const cpu = process.cpuUsage();
  const start = nowNs();
  repeat(c.fn, reps);
  const end = nowNs();
  const used = process.cpuUsage(cpu);
  return { wall: Number(end - start) / (reps * c.items), cpu: ((used.user + used.system) * 1000) / (reps * c.items) };
}

/**
 * Times `c`, and in the same process its comparands (`others`: the group's
 * plain loop, and for a peer the group's first bootproto case), round for
 * round in turn, so that each ratio compares rounds run under the same load:
 * a ratio is the median of the per-round ratios.
 */
function time(c, others = []) {
  const all = [c, ...others];
  const reps = all.map(warmUp);
  const wall = all.map(() => []);
  const cpu = all.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < all.length; k++) {
      const x = round(all[k], reps[k]);
      wall[k].push(x.wall);
      cpu[k].push(x.cpu);
    }
  }
  const ratios = others.map((o, k) => ({
    against: o.name,
    cpu: stats(cpu[0].map((v, i) => v / cpu[k + 1][i])).median,
    wall: stats(wall[0].map((v, i) => v / wall[k + 1][i])).median,
  }));
  return { ...stats(wall[0]), reps: reps[0], cpu: stats(cpu[0]), ratios };
}

// ---------------------------------------------------------------------------
// Allocation

const WINDOWS = 8;
const ZERO_BYTES = 0.25; // bytes per item a target still reads as 0
const WINDOW_ITEMS = 20 * 1024; // about 20k items, as DESIGN §4 has it
const WINDOW_BUDGET = 256 * 1024; // bytes a window may allocate: well inside a fresh 1 MiB semi-space

/** One window of `reps` calls: the heapUsed delta, and whether a GC ran. */
function window(fn, reps) {
  minorGc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = process.memoryUsage().heapUsed;
  repeat(fn, reps);
  const after = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const s of statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return { delta: after - before, gcs: statistics.length, corrected: after - before + freed };
}

/** The minimum over WINDOWS windows: of the GC-free ones if any, else of the GC-corrected deltas. */
function minWindow(fn, reps) {
  const ws = [];
  for (let w = 0; w < WINDOWS; w++) ws.push(window(fn, reps));
  const clean = ws.filter((w) => w.gcs === 0);
  if (clean.length > 0) return { bytes: Math.min(...clean.map((w) => w.delta)), clean: clean.length };
  return { bytes: Math.min(...ws.map((w) => w.corrected)), clean: 0 };
}

function allocation(c) {
  const { fn, items } = c;
  // A probe call estimates the rate; a case that allocates little gets
  // windows of about WINDOW_ITEMS items, one that allocates much gets fewer
  // calls, so that its windows stay inside the budget and need no GC.
  const probe = Math.max(0, window(fn, 1).corrected);
  const byItems = Math.ceil(WINDOW_ITEMS / items);
  const byBudget = Math.floor(WINDOW_BUDGET / Math.max(probe, 1e-9));
  const reps = Math.max(1, Math.min(byItems, byBudget));
  const empty = minWindow(fn, 0).bytes;
  const m = minWindow(fn, reps);
  const perItem = Math.max(0, m.bytes - empty) / (reps * items);
  return { perItem, items: reps * items, windows: WINDOWS, cleanWindows: m.clean, emptyWindowBytes: empty };
}

function measure(c, others = []) {
  const t = time(c, others);
  const a = allocation(c);
  return { case: c.name, module: c.module, group: c.group, unit: c.unit, kind: c.kind, checksum: c.checksum, ns: t, bytes: a };
}

/** What `c` is compared with in its own process: the group's plain loop, and for a peer the group's first bootproto case. */
function comparands(c, cases) {
  const out = [];
  const plain = cases.find((x) => x.group === c.group && x.kind === 'plain');
  if (plain !== undefined && plain !== c) out.push(plain);
  const ours = cases.find((x) => x.group === c.group && x.kind === 'ours');
  if (c.kind === 'peer' && ours !== undefined) out.push(ours);
  return out;
}

// ---------------------------------------------------------------------------
// A child process: one case, measured, printed as JSON.

if (CHILD !== null) {
  const [moduleName, caseName] = JSON.parse(CHILD);
  const m = await loadModule(moduleName);
  const c = m.cases.find((x) => x.name === caseName);
  if (c === undefined) {
    console.error(`bench: no case named ${JSON.stringify(caseName)} in bench/${moduleName}.mjs`);
    process.exit(2);
  }
  c.fn();
  c.checksum = sink[0];
  process.stdout.write(`${JSON.stringify(measure(c, comparands(c, m.cases)))}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// The parent: every module's cases, checksums first (every case of a group
// that declares one must read the same values), then one process per case.

const loadStart = os.loadavg();
const modules = [];
for (const name of MODULES) modules.push(await loadModule(name));
const filter = new RegExp(FILTER);
const allCases = modules.flatMap((m) => m.cases);

const expected = new Map();
let bad = false;
for (const c of allCases) {
  c.fn();
  c.checksum = sink[0];
  if (c.checksum === undefined || c.checksumFree) continue;
  if (!expected.has(c.group)) expected.set(c.group, c.checksum);
  else if (expected.get(c.group) !== c.checksum) {
    console.error(`bench: checksum mismatch in ${c.name}: ${c.checksum} != ${expected.get(c.group)}`);
    bad = true;
  }
}
if (bad) process.exit(1);

const results = [];
for (const c of allCases) {
  if (!filter.test(c.name)) continue;
  let r;
  if (IN_PROCESS) r = measure(c, comparands(c, allCases));
  else {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--rounds', String(ROUNDS), '--child', JSON.stringify([c.module, c.name])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BOOTPROTO_DIST: DIST } },
    );
    if (child.status !== 0) {
      console.error(`bench: case ${c.name} failed (exit ${child.status ?? child.signal})`);
      process.exit(1);
    }
    r = JSON.parse(child.stdout);
  }
  if (!c.checksumFree && r.checksum !== c.checksum) {
    console.error(`bench: checksum mismatch in ${c.name}: ${r.checksum} != ${c.checksum} (child against parent)`);
    process.exit(1);
  }
  results.push(r);
  process.stderr.write('.');
}
// External cases (a C program, timed by itself: wall clock only, no allocation figure).
for (const m of modules) {
  for (const e of m.external) {
    if (!filter.test(e.name)) continue;
    const got = await e.run();
    if (got === null) continue;
    const r = { case: e.name, module: m.name, group: e.group, unit: e.unit, kind: e.kind ?? 'peer', external: true, note: got.note, ns: { median: got.nsPerItem, min: null, max: null, q1: null, q3: null, cpu: null }, bytes: null };
    // After the last row of its group.
    let at = results.length;
    for (let i = 0; i < results.length; i++) if (results[i].group === e.group) at = i + 1;
    results.splice(at, 0, r);
  }
}
process.stderr.write('\n');

// Ratios. The baseline of a group is its first 'plain' case; the peer ratio
// of a peer row is its time over the group's first 'ours' case (how many
// times slower the peer is). CPU medians where both sides have one.
const byName = new Map(results.map((r) => [r.case, r]));
function ratioOf(a, b) {
  if (a === undefined || b === undefined) return null;
  if (a.ns.cpu && b.ns.cpu) return { cpu: a.ns.cpu.median / b.ns.cpu.median, wall: a.ns.median / b.ns.median };
  return { cpu: null, wall: a.ns.median / b.ns.median };
}
// A ratio measured in the case's own process (round for round) is preferred;
// across processes (the C rows) it is the ratio of the medians.
function sameProcess(r, other) {
  const q = r.ns.ratios?.find((x) => x.against === other?.case);
  return q === undefined ? null : { cpu: q.cpu, wall: q.wall, sameProcess: true };
}
for (const r of results) {
  const plain = results.find((x) => x.group === r.group && x.kind === 'plain');
  const ours = results.find((x) => x.group === r.group && x.kind === 'ours');
  r.baseline = plain?.case ?? null;
  r.ratio = r.kind === 'plain' ? null : (sameProcess(r, plain) ?? ratioOf(r, plain));
  r.ours = r.kind === 'peer' ? (ours?.case ?? null) : null;
  r.peerRatio = r.kind === 'peer' ? (sameProcess(r, ours) ?? ratioOf(r, ours)) : null;
}

// Targets: each a row, measured on the CPU-time medians (wall where a side has none).
const targets = [];
for (const m of modules) {
  for (const t of m.targets) {
    const r = byName.get(t.case);
    if (r === undefined) continue;
    const parts = [];
    let ok = true;
    if (t.maxRatio !== undefined) {
      const against = byName.get(t.against ?? r.baseline);
      const q = sameProcess(r, against) ?? ratioOf(r, against);
      const x = q === null ? null : (q.cpu ?? q.wall);
      ok &&= x !== null && x <= t.maxRatio;
      parts.push(x === null ? 'ratio –' : `${x.toFixed(2)}× ${t.against ? `of ${t.against}` : 'plain'} (cpu${q.cpu === null ? '/wall' : ''})`);
    }
    if (t.minSpeedup !== undefined) {
      const against = byName.get(t.against);
      const q = ratioOf(against, r);
      const x = q === null ? null : q.wall;
      ok &&= x !== null && x >= t.minSpeedup;
      parts.push(x === null ? 'speed-up –' : `${x.toFixed(0)}× faster than ${t.against} (wall)`);
    }
    if (t.maxBytes !== undefined) {
      const b = r.bytes?.perItem ?? null;
      // Below ZERO_BYTES a figure is the window's noise (the plain loops show
      // up to a few hundredths): one object per call is at least 12 bytes.
      ok &&= b !== null && b <= t.maxBytes + ZERO_BYTES;
      parts.push(b === null ? 'bytes –' : `${b.toFixed(b >= 10 ? 0 : 2)} B/${r.unit}`);
    }
    targets.push({ target: t.name, case: t.case, measured: parts.join(', '), met: ok });
  }
}

// ---------------------------------------------------------------------------
// The table

function fmt(x, digits = 2) {
  if (x === null || x === undefined) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(x >= 100 ? 0 : digits);
}
const times = (q) => (q === null ? '' : `${(q.cpu ?? q.wall).toFixed(2)}×`);

const header = ['case', 'unit', 'cpu ns', 'wall ns', 'noise', 'ratio', 'peer÷ours', 'B/item'];
const rows = results.map((r) => [
  r.case,
  r.unit,
  r.ns.cpu ? fmt(r.ns.cpu.median) : '–',
  fmt(r.ns.median),
  r.ns.q1 === null ? (r.note ?? '') : `±${(((r.ns.q3 - r.ns.q1) / 2 / r.ns.median) * 100).toFixed(1)}%`,
  times(r.ratio),
  times(r.peerRatio),
  r.bytes === null ? '–' : r.bytes.cleanWindows > 0 ? r.bytes.perItem.toFixed(r.bytes.perItem >= 10 ? 0 : 2) : `~${r.bytes.perItem.toFixed(0)}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => (i <= 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
const machine = `${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}`;
const loadEnd = os.loadavg();
console.log(`node ${process.version}, ${machine}, ${ROUNDS} rounds of ~10 ms per case, one process per case${IN_PROCESS ? ' (no: --in-process)' : ''}`);
for (const m of modules) if (m.info) console.log(`  ${m.name}: ${m.info}`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
let lastGroup = null;
results.forEach((r, i) => {
  if (lastGroup !== null && r.group !== lastGroup) console.log('');
  lastGroup = r.group;
  console.log(line(rows[i]));
});
console.log(
  '\ncpu ns: median CPU time per item over the rounds (process.cpuUsage; trust it on a loaded machine);\n' +
    'wall ns: the same from the wall clock; noise: half the interquartile range of the wall rounds;\n' +
    'ratio: to the group\'s plain DataView loop, timed in the same process round for round (median of the\n' +
    'per-round CPU-time ratios); peer÷ours: a peer\'s time over the group\'s first bootproto row, measured the\n' +
    'same way (how many times slower the peer is); C rows: wall clock, timed by the C program itself and\n' +
    'compared with the medians of the other processes;\n' +
    `B/item: minimum heapUsed delta over ${WINDOWS} windows with no GC after a minor GC\n` +
    '(~: every window collected; corrected by what the GCs freed).',
);
const tw = Math.max(...targets.map((t) => t.target.length));
console.log('\ntargets');
for (const t of targets) console.log(`  ${t.met ? 'met ' : 'MISS'}  ${t.target.padEnd(tw)}  ${t.measured}`);
console.log(`\nload average ${loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${loadEnd.map((x) => x.toFixed(1)).join(' ')} at the end.`);

if (OUT !== '-') {
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model ?? null,
    cpus: os.cpus().length,
    loadAverage: { start: loadStart, end: loadEnd },
    dist: SOURCE_DIST,
    rounds: ROUNDS,
    isolation: IN_PROCESS ? 'one process for all cases' : 'one process per case',
    inputs: Object.fromEntries(modules.filter((m) => m.info).map((m) => [m.name, m.info])),
    checksums: Object.fromEntries(expected),
    targets,
    results: results.map((r) => ({
      case: r.case,
      module: r.module,
      group: r.group,
      kind: r.kind,
      unit: r.unit,
      external: r.external ?? false,
      note: r.note,
      nsPerItem: { median: r.ns.median, min: r.ns.min, max: r.ns.max, q1: r.ns.q1, q3: r.ns.q3 },
      cpuNsPerItem: r.ns.cpu ? { median: r.ns.cpu.median, min: r.ns.cpu.min, max: r.ns.cpu.max, q1: r.ns.cpu.q1, q3: r.ns.cpu.q3 } : null,
      callsPerRound: r.ns.reps ?? null,
      roundsNs: r.ns.samples ?? null,
      roundsCpuNs: r.ns.cpu?.samples ?? null,
      baseline: r.baseline,
      ratio: r.ratio,
      ours: r.ours,
      peerRatio: r.peerRatio,
      bytesPerItem: r.bytes?.perItem ?? null,
      allocation: r.bytes && { itemsPerWindow: r.bytes.items, windows: r.bytes.windows, cleanWindows: r.bytes.cleanWindows, emptyWindowBytes: r.bytes.emptyWindowBytes },
    })),
  };
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
}
