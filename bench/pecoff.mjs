// Benchmark of the PE/COFF module: parse the headers and the section table of
// a large real image (by default Debian's amd64 vmlinuz from .cache/, which
// `npm run test:tools` downloads; or the file given as the first argument),
// with bootproto's zero-allocation views, with decodePeImage, and with a
// hand-written DataView read of the same fields in the same process — and,
// when PE_LIBRARY names a directory holding the npm package `pe-library`
// (not a dependency of bootproto: install it in a scratch directory), with
// its NtExecutable.from. Also the throughput of the checksum and of the
// Authenticode SHA-256 over the whole file.
//
//   npm run build && node --expose-gc bench/pecoff.mjs [IMAGE]
//
// For each case: warm-up (~0.3 s), then ROUNDS timed rounds (~20 ms each);
// reported are the median ns per parse, the spread (min–max over rounds), the
// ratio of medians to the DataView read, and the bytes allocated per parse
// (global.gc(), then the smallest heapUsed delta over several windows).
// Never run by `npm test`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.BOOTPROTO_DIST ?? join(here, '..', 'dist');
const m = await import(pathToFileURL(join(dist, 'pecoff', 'index.js')).href);
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 15);

function defaultImage() {
  for (const dir of ['.cache/pecoff/x/boot', '.cache/linux-bootparams/x/boot']) {
    const d = join(here, '..', dir);
    if (!existsSync(d)) continue;
    const f = readdirSync(d).find((n) => n.startsWith('vmlinuz-'));
    if (f) return join(d, f);
  }
  return join(here, '..', 'test/fixtures/pecoff/uki-objcopy.efi');
}
const file = process.argv[2] ?? defaultImage();
const bytes = new Uint8Array(readFileSync(file));
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const sink = new Float64Array(1);

// What every case computes: a sum over the COFF header, the optional header's
// main fields and every section header's numeric fields.
function plainDataView() {
  if (dv.getUint16(0, true) !== 0x5a4d) throw new Error('MZ');
  const pe = dv.getUint32(60, true);
  if (dv.getUint32(pe, true) !== 0x4550) throw new Error('PE');
  const fh = pe + 4;
  const n = dv.getUint16(fh + 2, true);
  const soh = dv.getUint16(fh + 16, true);
  const oh = fh + 20;
  const magic = dv.getUint16(oh, true);
  let s = dv.getUint16(fh, true) + n + dv.getUint32(fh + 4, true) + dv.getUint16(fh + 18, true);
  s += dv.getUint32(oh + 16, true) + dv.getUint32(oh + 32, true) + dv.getUint32(oh + 36, true) + dv.getUint32(oh + 56, true) + dv.getUint32(oh + 60, true) + dv.getUint32(oh + 64, true) + dv.getUint16(oh + 68, true);
  s += dv.getUint32(oh + (magic === 0x20b ? 108 : 92), true);
  const st = oh + soh;
  if (st + n * 40 > bytes.length) throw new Error('truncated');
  for (let i = 0; i < n; i++) {
    const o = st + i * 40;
    s += dv.getUint32(o + 8, true) + dv.getUint32(o + 12, true) + dv.getUint32(o + 16, true) + dv.getUint32(o + 20, true) + dv.getUint32(o + 36, true);
  }
  sink[0] = s;
}
function views() {
  const v = m.viewPeHeaders(bytes);
  const f = v.fileHeader;
  const o = v.optionalHeader64 ?? v.optionalHeader32;
  let s = f.machine + f.numberOfSections + f.timeDateStamp + f.characteristics;
  s += o.addressOfEntryPoint + o.sectionAlignment + o.fileAlignment + o.sizeOfImage + o.sizeOfHeaders + o.checkSum + o.subsystem + o.numberOfRvaAndSizes;
  const t = v.sections;
  for (let i = 0; i < t.count; i++) {
    const h = t.get(i);
    s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
  }
  sink[0] = s;
}
function decoded() {
  const im = m.decodePeImage(bytes);
  const f = im.fileHeader;
  const o = im.optionalHeader;
  let s = f.machine + f.numberOfSections + f.timeDateStamp + f.characteristics;
  s += o.addressOfEntryPoint + o.sectionAlignment + o.fileAlignment + o.sizeOfImage + o.sizeOfHeaders + o.checkSum + o.subsystem + o.numberOfRvaAndSizes;
  for (const h of im.sections) s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
  sink[0] = s;
}

let peLibrary;
if (process.env.PE_LIBRARY) {
  const lib = await import(pathToFileURL(join(process.env.PE_LIBRARY, 'node_modules/pe-library/dist/index.js')).href);
  peLibrary = () => {
    const exe = lib.NtExecutable.from(bytes, { ignoreCert: true });
    const f = exe.newHeader.fileHeader;
    const o = exe.newHeader.optionalHeader;
    let s = f.machine + f.numberOfSections + f.timeDateStamp + f.characteristics;
    s += o.addressOfEntryPoint + o.sectionAlignment + o.fileAlignment + o.sizeOfImage + o.sizeOfHeaders + o.checkSum + o.subsystem + o.numberOfRvaAndSizes;
    for (const sec of exe.getAllSections()) {
      const h = sec.info;
      s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
    }
    sink[0] = s;
  };
  try {
    peLibrary();
  } catch (e) {
    console.log(`pe-library cannot open ${file}: ${e.message}`);
    peLibrary = undefined;
  }
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
    ns.push(Number(process.hrtime.bigint() - t0) / perRound);
  }
  ns.sort((a, b) => a - b);
  return { median: ns[ns.length >> 1], min: ns[0], max: ns[ns.length - 1] };
}

function bytesPerCall(fn, calls) {
  let best = Infinity;
  for (let w = 0; w < 6; w++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < calls; k++) fn();
    const after = process.memoryUsage().heapUsed;
    if (after >= before) best = Math.min(best, (after - before) / calls);
  }
  return best === Infinity ? NaN : best;
}

const checks = [plainDataView, views, decoded, ...(peLibrary ? [peLibrary] : [])].map((fn) => (fn(), sink[0]));
if (new Set(checks).size !== 1) {
  console.error('cases disagree', checks);
  process.exit(1);
}
const cases = [
  ['plain DataView read', plainDataView, 2000],
  ['viewPeHeaders + section table view', views, 2000],
  ['decodePeImage (decoded objects)', decoded, 200],
  ...(peLibrary ? [['pe-library NtExecutable.from', peLibrary, 20]] : []),
];
const n = m.decodePeImage(bytes).sections.length;
console.log(`PE headers + ${n}-section table of ${file} (${bytes.length} bytes); Node ${process.version}; ${ROUNDS} rounds`);
let base;
for (const [name, fn, calls] of cases) {
  const t = timeRounds(fn);
  base ??= t.median;
  const alloc = bytesPerCall(fn, calls);
  console.log(
    `${name.padEnd(40)} ${t.median.toFixed(0).padStart(9)} ns/parse  (${t.min.toFixed(0)}–${t.max.toFixed(0)})  ` +
      `x${(t.median / base).toFixed(2).padStart(7)}  ${alloc.toFixed(0).padStart(9)} B/parse`,
  );
}
const image = m.decodePeImage(bytes);
for (const [name, fn] of [['peChecksum', () => m.peChecksum(image)], ['authenticodeSha256', () => m.authenticodeSha256(image)]]) {
  fn();
  const t0 = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(9)} ms/image  ${(bytes.length / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
}
