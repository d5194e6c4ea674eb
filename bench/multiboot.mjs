// Benchmark of the Multiboot 2 tag walk: a large information block (10,000
// module tags with strings of varied length, a 512-entry memory map and the
// usual small tags) walked with the zero-allocation cursor, with the cursor's
// memory-map table view, and decoded whole, against a hand-written DataView
// loop doing the same work in the same process.
//
//   npm run build && node --expose-gc bench/multiboot.mjs
//
// For each case: a warm-up of about 0.3 s, then ROUNDS timed rounds (each
// about 20 ms); printed are the median ns per tag, the spread (min–max), the
// ratio of medians to the DataView loop, and bytes allocated per tag (gc(),
// then the smallest heapUsed delta over a few windows of walks). Never run by
// `npm test`.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.BOOTPROTO_DIST ?? join(here, '..', 'dist');
const m = await import(pathToFileURL(join(dist, 'multiboot', 'index.js')).href);
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 15);

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
const sink = new Float64Array(1);

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

function timeRounds(fn) {
  const warmEnd = performance.now() + 300;
  let reps = 0;
  while (performance.now() < warmEnd) { fn(); reps++; }
  const perRound = Math.max(1, Math.round(reps / 15));
  const ns = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < perRound; k++) fn();
    ns.push(Number(process.hrtime.bigint() - t0) / perRound / TAGS);
  }
  ns.sort((a, b) => a - b);
  return { median: ns[ns.length >> 1], min: ns[0], max: ns[ns.length - 1] };
}

function bytesPerTag(fn, walks) {
  let best = Infinity;
  for (let w = 0; w < 6; w++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < walks; k++) fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / walks / TAGS);
  }
  return best === Infinity ? NaN : best;
}

const cases = [
  ['plain DataView loop', plainDataView, 10],
  ['Mb2TagCursor walk (+ mmap table view)', cursorWalk, 10],
  ['decodeMb2Info + object walk', decodeWhole, 1],
];
const checks = cases.map(([, fn]) => { fn(); return sink[0]; });
if (new Set(checks).size !== 1) {
  console.error(`checksums differ: ${checks.join(', ')}`);
  process.exit(1);
}
console.log(`Multiboot 2 information, ${bytes.length} bytes, ${TAGS} tags; Node ${process.version}; ${ROUNDS} rounds`);
let base;
for (const [name, fn, walks] of cases) {
  const t = timeRounds(fn);
  base ??= t.median;
  const alloc = bytesPerTag(fn, walks);
  console.log(
    `${name.padEnd(40)} ${t.median.toFixed(2).padStart(8)} ns/tag  (${t.min.toFixed(2)}–${t.max.toFixed(2)})  ` +
      `x${(t.median / base).toFixed(2).padStart(6)}  ${alloc.toFixed(1).padStart(7)} B/tag`,
  );
}
