// Linux boot protocol benchmark cases (declarations only; bench/run.mjs times them):
//   1. decode of a whole zero page (128 e820 entries) into a plain object;
//   2. a walk over the 128-entry e820 table through a view (number accessors),
// each beside a hand-written DataView loop doing the same work; the e820 walk
// also beside binary-parser and restructure.
//   3. the headers of a 40 MiB kernel image (Debian's vmlinuz from .cache/,
//      padded with zeros to 40 MiB in a temporary file): inspectBzImage and
//      the PE views on the whole file read into memory, against the same on
//      the first 64 KiB only, read with fs.readSync, and against
//      readBzImageHeadersSync + readPeHeadersSync through a slice reader over
//      the file descriptor (only the slices the headers need). The info line
//      gives the bytes each reads.
import { Parser } from 'binary-parser';
import * as r from 'restructure';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export default async function setup({ load, sink, root }) {
const { decodeBootParams, encodeE820Entries, viewZeroPageE820, inspectBzImage, readBzImageHeadersSync } = await load('linux-bootparams');
const { viewPeHeaders, readPeHeadersSync } = await load('pecoff');
const zp = new Uint8Array(4096);
const entries = [];
for (let i = 0; i < 128; i++) entries.push({ addr: BigInt(i) << 28n, size: 0x0ff00000n + BigInt(i), type: 1 + (i % 5) });
encodeE820Entries(entries, zp, 0x2d0);
zp[0x1e8] = 128;
zp.set([0x55, 0xaa], 0x1fe);

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
function dvDecodeCase() {
  sink[0] = dvDecode().e820Table.length;
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
  const z = decodeBootParams(zp);
  sink[0] = z.e820Table.length;
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


const bpE820 = new Parser().endianness('little').uint64('addr').uint64('size').uint32('type');
const bpTable = new Parser().array('entries', { type: bpE820, length: 128 });
const e820Bytes = zp.subarray(0x2d0, 0x2d0 + 128 * 20);
function binaryParser() {
  const { entries } = bpTable.parse(e820Bytes);
  let sum = 0;
  for (const e of entries) sum += Number(e.addr) + Number(e.size) + e.type;
  sink[0] = sum;
}
const u = r.uint32le;
const rsTable = new r.Array(new r.Struct({ addrLo: u, addrHi: u, sizeLo: u, sizeHi: u, type: u }), 128);
function restructure() {
  const entries = rsTable.fromBuffer(e820Bytes);
  let sum = 0;
  for (const e of entries) sum += e.addrHi * 4294967296 + e.addrLo + e.sizeHi * 4294967296 + e.sizeLo + e.type;
  sink[0] = sum;
}

// A 40 MiB kernel image, when Debian's vmlinuz is in .cache/ (npm run test:tools fetches it).
const kernelDir = join(root, '.cache/linux-bootparams/x/boot');
const vmlinuz = existsSync(kernelDir) ? readdirSync(kernelDir).find((n) => n.startsWith('vmlinuz-')) : undefined;
const kernelCases = [];
let kernelInfo = '';
if (vmlinuz !== undefined) {
  const real = readFileSync(join(kernelDir, vmlinuz));
  const SIZE = 40 * 1024 * 1024;
  const tmp = mkdtempSync(join(os.tmpdir(), 'bench-kernel-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const file = join(tmp, 'vmlinuz-40m');
  const padded = new Uint8Array(SIZE);
  padded.set(real);
  writeFileSync(file, padded);
  const HEAD = 64 * 1024;
  const headBuffer = new Uint8Array(HEAD);
  const headers = (bytes) => {
    const info = inspectBzImage(bytes);
    const pe = viewPeHeaders(bytes);
    return info.setupSize + info.syssizeBytes + pe.sections.count + pe.fileHeader.machine;
  };
  const whole = () => (sink[0] = headers(new Uint8Array(readFileSync(file))));
  const prefix = () => {
    const fd = openSync(file, 'r');
    const n = readSync(fd, headBuffer, 0, HEAD, 0);
    closeSync(fd);
    sink[0] = headers(headBuffer.subarray(0, n));
  };
  // A slice reader over a file descriptor, counting what it reads.
  let sliceBytes = 0;
  const fileSource = (fd, size) => ({
    size,
    read(offset, length) {
      const out = new Uint8Array(length);
      const n = readSync(fd, out, 0, length, offset);
      sliceBytes += n;
      return out.subarray(0, n);
    },
  });
  const sliced = () => {
    const fd = openSync(file, 'r');
    try {
      const source = fileSource(fd, SIZE);
      const info = readBzImageHeadersSync(source);
      const pe = readPeHeadersSync(source).view;
      sink[0] = info.setupSize + info.syssizeBytes + pe.sections.count + pe.fileHeader.machine;
    } finally {
      closeSync(fd);
    }
  };
  sliced();
  const slicedBytes = sliceBytes;
  const k = { group: 'kernel headers', unit: 'image', items: 1 };
  kernelCases.push(
    { ...k, name: 'kernel headers: whole 40 MiB file read + inspectBzImage + PE views', kind: 'ours', fn: whole },
    { ...k, name: 'kernel headers: first 64 KiB read + inspectBzImage + PE views', kind: 'ours', fn: prefix },
    { ...k, name: 'kernel headers: slice reader + readBzImageHeadersSync + readPeHeadersSync', kind: 'ours', fn: sliced },
  );
  kernelInfo = `; ${vmlinuz} (${real.length} bytes) padded to ${SIZE} bytes: the whole-file case reads ${SIZE} bytes, the prefix case ${HEAD}, the slice-reader case ${slicedBytes} (same setup header, protocol, PE section table)`;
}

const w = { group: 'e820', unit: 'entry', items: 128 };
const z = { group: 'zero page', unit: 'zero page', items: 1 };
return {
  info: `a zero page with 128 e820 entries${kernelInfo}`,
  cases: [
    { ...w, name: 'e820: plain DataView loop', kind: 'plain', fn: dvWalk },
    { ...w, name: 'e820: one reused table view', kind: 'ours', fn: ourWalkReused },
    { ...w, name: 'e820: viewZeroPageE820 per walk', kind: 'ours', fn: ourWalk },
    { ...w, name: 'e820: binary-parser', kind: 'peer', fn: binaryParser },
    { ...w, name: 'e820: restructure', kind: 'peer', fn: restructure },
    { ...z, name: 'zero page: plain DataView decode', kind: 'plain', fn: dvDecodeCase },
    { ...z, name: 'zero page: decodeBootParams', kind: 'ours', fn: ourDecode },
    ...kernelCases,
  ],
  targets: [
    { name: 'e820 view walk ≤1.5× DataView, 0 B/entry', case: 'e820: one reused table view', maxRatio: 1.5, maxBytes: 0 },
  ],
};
}
