// Benchmark of the EFI memory map module: walk a 10,000-descriptor map
// (DescriptorSize 48) with the zero-allocation view and with decoded objects,
// against a hand-written DataView loop in the same process.
//
//   npm run build && node --expose-gc bench/efi-memmap.mjs
//
// For each case: warm-up (~0.3 s), then ROUNDS timed rounds of whole-map
// walks (each round ~20 ms); reported are the median ns per descriptor, the
// spread (min–max over rounds), the ratio of medians to the DataView loop,
// and the bytes allocated per descriptor (global.gc(), then the smallest
// heapUsed delta over several windows of walks). Never run by `npm test`.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.BOOTPROTO_DIST ?? join(here, '..', 'dist');
const m = await import(pathToFileURL(join(dist, 'efi-memmap', 'index.js')).href);
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const N = 10_000;
const SIZE = 48;
const ROUNDS = Number(process.env.ROUNDS ?? 15);

// A map like OVMF's: RAM-ish types with WB|WT|WC|UC, a few runtime ranges with bit 63.
const bytes = new Uint8Array(N * SIZE);
{
  const dv = new DataView(bytes.buffer);
  let at = 0n;
  for (let i = 0; i < N; i++) {
    const o = i * SIZE;
    const type = [7, 3, 4, 7, 2, 5, 6, 10][i % 8];
    const pages = BigInt(1 + ((i * 7919) % 4096));
    dv.setUint32(o, type, true);
    dv.setBigUint64(o + 8, at, true);
    dv.setBigUint64(o + 24, pages, true);
    dv.setBigUint64(o + 32, type === 5 || type === 6 ? 0x800000000000000fn : 0xfn, true);
    at += pages * 4096n;
  }
}
const where = { descriptorSize: SIZE, mapSize: bytes.length };
const view = m.viewMemoryMap(bytes, where);
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const sink = new Float64Array(1);

// What every case computes: conventional pages, runtime descriptors, a checksum of starts.
function plainDataView() {
  let pages = 0, runtime = 0, starts = 0;
  for (let o = 0; o + SIZE <= bytes.length; o += SIZE) {
    if (dv.getUint32(o, true) === 7) pages += dv.getUint32(o + 28, true) * 0x100000000 + dv.getUint32(o + 24, true);
    if (dv.getUint32(o + 36, true) >>> 31) runtime++;
    starts += dv.getUint32(o + 12, true) * 0x100000000 + dv.getUint32(o + 8, true);
  }
  sink[0] = pages + runtime + starts;
}
function viewWalk() {
  let pages = 0, runtime = 0, starts = 0;
  for (let i = 0; i < view.count; i++) {
    const d = view.get(i);
    if (d.type === 7) pages += d.numberOfPages;
    if (m.attributeHasBit(d.attributeLo, d.attributeHi, 63)) runtime++;
    starts += d.physicalStart;
  }
  sink[0] = pages + runtime + starts;
}
function viewWalkHalves() {
  let pages = 0, runtime = 0, starts = 0;
  for (let i = 0; i < view.count; i++) {
    const d = view.get(i);
    if (d.type === 7) pages += d.numberOfPagesHi * 0x100000000 + d.numberOfPagesLo;
    if (d.attributeHi >>> 31) runtime++;
    starts += d.physicalStartHi * 0x100000000 + d.physicalStartLo;
  }
  sink[0] = pages + runtime + starts;
}
function decodedObjects() {
  const map = m.decodeMemoryMap(bytes, where);
  let pages = 0n, runtime = 0, starts = 0n;
  for (const d of map.descriptors) {
    if (d.type === 7) pages += d.numberOfPages;
    if (d.attribute & m.EFI_MEMORY_RUNTIME) runtime++;
    starts += d.physicalStart;
  }
  sink[0] = Number(pages) + runtime + Number(starts);
}
function toE820() {
  sink[0] = m.toE820(m.decodeMemoryMap(bytes, where)).entries.length;
}
const lastAddress = Number(view.get(N - 1).physicalStart);
function viewFind() {
  sink[0] = view.find(lastAddress); // the worst case: a scan of the whole map
}

function timeRounds(fn) {
  const warmEnd = performance.now() + 300;
  let reps = 0;
  while (performance.now() < warmEnd) { fn(); reps++; }
  const perRound = Math.max(1, Math.round(reps / 15)); // ~20 ms rounds
  const ns = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < perRound; k++) fn();
    ns.push(Number(process.hrtime.bigint() - t0) / perRound / N);
  }
  ns.sort((a, b) => a - b);
  return { median: ns[ns.length >> 1], min: ns[0], max: ns[ns.length - 1] };
}

function bytesPerDescriptor(fn, walks) {
  let best = Infinity;
  for (let w = 0; w < 6; w++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < walks; k++) fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / walks / N);
  }
  return best === Infinity ? NaN : best;
}

const cases = [
  ['plain DataView loop', plainDataView, 20],
  ['view walk (exact numbers, attributeHasBit)', viewWalk, 20],
  ['view walk (Lo/Hi halves)', viewWalkHalves, 20],
  ['decodeMemoryMap + object walk', decodedObjects, 2],
  ['decodeMemoryMap + toE820', toE820, 2],
  ['view.find (full scan)', viewFind, 20],
];
console.log(`EFI memory map, ${N} descriptors of ${SIZE} bytes; Node ${process.version}; ${ROUNDS} rounds`);
let base;
for (const [name, fn, walks] of cases) {
  const t = timeRounds(fn);
  base ??= t.median;
  const alloc = bytesPerDescriptor(fn, walks);
  console.log(
    `${name.padEnd(44)} ${t.median.toFixed(2).padStart(8)} ns/desc  (${t.min.toFixed(2)}–${t.max.toFixed(2)})  ` +
      `x${(t.median / base).toFixed(2).padStart(6)}  ${alloc.toFixed(1).padStart(7)} B/desc`,
  );
}
