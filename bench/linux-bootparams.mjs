// Benchmarks of linux-bootparams (run: npm run build && node --expose-gc bench/linux-bootparams.mjs).
// Two measurements, each beside a hand-written DataView loop doing the same work in this process:
//   1. decode of a whole zero page (128 e820 entries) into a plain object;
//   2. a walk over the 128-entry e820 table through one reused view (number accessors).
// Reports ns per item (median of rounds), the ratio to the DataView loop, and bytes allocated per
// item (global.gc, then the smallest heapUsed delta over several windows). Never part of npm test.
import { decodeBootParams, encodeE820Entries, viewZeroPageE820 } from '../dist/linux-bootparams/index.js';

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const zp = new Uint8Array(4096);
const entries = [];
for (let i = 0; i < 128; i++) entries.push({ addr: BigInt(i) << 28n, size: 0x0ff00000n + BigInt(i), type: 1 + (i % 5) });
encodeE820Entries(entries, zp, 0x2d0);
zp[0x1e8] = 128;
zp.set([0x55, 0xaa], 0x1fe);
const sink = new Float64Array(1);

// --- the hand-written DataView baselines -------------------------------------------------------
const dv = new DataView(zp.buffer);
function dvDecode() {
  // The same members decodeBootParams gives, read one by one (64-bit as BigInt, like the decoder).
  const e820 = [];
  const n = Math.min(dv.getUint8(0x1e8), 128);
  for (let i = 0; i < n; i++) {
    const o = 0x2d0 + i * 20;
    e820.push({ addr: dv.getBigUint64(o, true), size: dv.getBigUint64(o + 8, true), type: dv.getUint32(o + 16, true) });
  }
  const hdr = {};
  for (let o = 0x1f1; o < 0x26c; o += 4) hdr[o] = dv.getUint32(o, true);
  return {
    tbootAddr: dv.getBigUint64(0x58, true), acpiRsdpAddr: dv.getBigUint64(0x70, true),
    extRamdiskImage: dv.getUint32(0xc0, true), extRamdiskSize: dv.getUint32(0xc4, true), extCmdLinePtr: dv.getUint32(0xc8, true),
    ccBlobAddress: dv.getUint32(0x13c, true), altMemK: dv.getUint32(0x1e0, true), e820Entries: dv.getUint8(0x1e8),
    sentinel: dv.getUint8(0x1ef), hdr, e820Table: e820,
  };
}
function dvWalk() {
  let sum = 0;
  const n = dv.getUint8(0x1e8);
  for (let i = 0; i < n; i++) {
    const o = 0x2d0 + i * 20;
    sum += dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
    sum += dv.getUint32(o + 12, true) * 4294967296 + dv.getUint32(o + 8, true);
    sum += dv.getUint32(o + 16, true);
  }
  sink[0] = sum;
}

// --- ours ------------------------------------------------------------------------------------------
function ourDecode() {
  return decodeBootParams(zp);
}
function ourWalk() {
  const t = viewZeroPageE820(zp);
  let sum = 0;
  for (let i = 0; i < t.count; i++) {
    const e = t.get(i);
    sum += e.addr + e.size + e.type;
  }
  sink[0] = sum;
}
const table = viewZeroPageE820(zp);
function ourWalkReused() {
  let sum = 0;
  for (let i = 0; i < table.count; i++) {
    const e = table.get(i);
    sum += e.addr + e.size + e.type;
  }
  sink[0] = sum;
}

// --- harness --------------------------------------------------------------------------------------
let keep;
function time(fn, itemsPerCall) {
  for (let k = 0; k < 3000; k++) keep = fn();
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < reps; k++) keep = fn();
    if (Number(process.hrtime.bigint() - t0) > 10e6) break;
    reps *= 2;
  }
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < reps; k++) keep = fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / (reps * itemsPerCall));
  }
  rounds.sort((a, b) => a - b);
  return rounds[7];
}
function bytesPer(fn, itemsPerCall) {
  const calls = 100;
  const deltas = [];
  for (let w = 0; w < 8; w++) {
    global.gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < calls; k++) keep = fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) deltas.push(after - before);
  }
  global.gc();
  const e0 = process.memoryUsage().heapUsed;
  const empty = process.memoryUsage().heapUsed - e0;
  return deltas.length ? Math.max(0, Math.min(...deltas) - empty) / (calls * itemsPerCall) : NaN;
}

const rows = [];
function pair(name, unit, items, ours, base) {
  const a = time(ours, items);
  const b = time(base, items);
  rows.push({ case: name, unit, 'ns/item': a.toFixed(1), 'DataView ns/item': b.toFixed(1), ratio: (a / b).toFixed(2), 'bytes/item': bytesPer(ours, items).toFixed(1), 'DataView bytes/item': bytesPer(base, items).toFixed(1) });
}
pair('decodeBootParams (whole zero page, 128 e820)', 'zero page', 1, ourDecode, dvDecode);
pair('e820 walk, viewZeroPageE820 per walk', 'entry', 128, ourWalk, dvWalk);
pair('e820 walk, one reused table view', 'entry', 128, ourWalkReused, dvWalk);
console.table(rows);
if (keep === 42) console.log(sink[0]);
