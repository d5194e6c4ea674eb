// Linux boot protocol benchmark cases (declarations only; bench/run.mjs times them):
//   1. decode of a whole zero page (128 e820 entries) into a plain object;
//   2. a walk over the 128-entry e820 table through a view (number accessors),
// each beside a hand-written DataView loop doing the same work; the e820 walk
// also beside binary-parser and restructure.
import { Parser } from 'binary-parser';
import * as r from 'restructure';

export default async function setup({ load, sink }) {
const { decodeBootParams, encodeE820Entries, viewZeroPageE820 } = await load('linux-bootparams');
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

const w = { group: 'e820', unit: 'entry', items: 128 };
const z = { group: 'zero page', unit: 'zero page', items: 1 };
return {
  info: 'a zero page with 128 e820 entries',
  cases: [
    { ...w, name: 'e820: plain DataView loop', kind: 'plain', fn: dvWalk },
    { ...w, name: 'e820: one reused table view', kind: 'ours', fn: ourWalkReused },
    { ...w, name: 'e820: viewZeroPageE820 per walk', kind: 'ours', fn: ourWalk },
    { ...w, name: 'e820: binary-parser', kind: 'peer', fn: binaryParser },
    { ...w, name: 'e820: restructure', kind: 'peer', fn: restructure },
    { ...z, name: 'zero page: plain DataView decode', kind: 'plain', fn: dvDecodeCase },
    { ...z, name: 'zero page: decodeBootParams', kind: 'ours', fn: ourDecode },
  ],
  targets: [
    { name: 'e820 view walk ≤1.5× DataView, 0 B/entry', case: 'e820: one reused table view', maxRatio: 1.5, maxBytes: 0 },
  ],
};
}
