// EFI memory map benchmark cases (declarations only; bench/run.mjs times them):
// a 10,000-descriptor map (DescriptorSize 48) walked with the zero-allocation
// view and with decoded objects, against a hand-written DataView loop.
import { Parser } from 'binary-parser';
import * as r from 'restructure';

export default async function setup({ load, sink }) {
const m = await load('efi-memmap');
const N = 10_000;
const SIZE = 48;

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


// Peers: the whole map in one parse, as their users write it.
const bpDesc = new Parser().endianness('little').uint32('type').uint32('pad').uint64('physicalStart').uint64('virtualStart').uint64('numberOfPages').uint64('attribute').skip(SIZE - 40);
const bpMap = new Parser().array('descriptors', { type: bpDesc, length: N });
function binaryParser() {
  const { descriptors } = bpMap.parse(bytes);
  let pages = 0n, runtime = 0, starts = 0n;
  for (const d of descriptors) {
    if (d.type === 7) pages += d.numberOfPages;
    if (d.attribute & m.EFI_MEMORY_RUNTIME) runtime++;
    starts += d.physicalStart;
  }
  sink[0] = Number(pages) + runtime + Number(starts);
}
// restructure has no 64-bit integers: halves, joined here.
const u = r.uint32le;
const rsDesc = new r.Struct({ type: u, pad: u, startLo: u, startHi: u, virtLo: u, virtHi: u, pagesLo: u, pagesHi: u, attrLo: u, attrHi: u, rest: new r.Reserved(r.uint8, SIZE - 40) });
const rsMap = new r.Array(rsDesc, N);
function restructure() {
  const descriptors = rsMap.fromBuffer(bytes);
  let pages = 0, runtime = 0, starts = 0;
  for (const d of descriptors) {
    if (d.type === 7) pages += d.pagesHi * 0x100000000 + d.pagesLo;
    if (d.attrHi >>> 31) runtime++;
    starts += d.startHi * 0x100000000 + d.startLo;
  }
  sink[0] = pages + runtime + starts;
}

const g = { group: 'efi memmap', unit: 'descriptor', items: N };
return {
  info: `${N} descriptors of ${SIZE} bytes (OVMF-like types and attributes)`,
  cases: [
    { ...g, name: 'efi memmap: plain DataView loop', kind: 'plain', fn: plainDataView },
    { ...g, name: 'efi memmap: view walk (numbers, attributeHasBit)', kind: 'ours', fn: viewWalk },
    { ...g, name: 'efi memmap: view walk (Lo/Hi halves)', kind: 'ours', fn: viewWalkHalves },
    { ...g, name: 'efi memmap: decodeMemoryMap + objects', kind: 'ours', fn: decodedObjects },
    { ...g, name: 'efi memmap: binary-parser', kind: 'peer', fn: binaryParser },
    { ...g, name: 'efi memmap: restructure', kind: 'peer', fn: restructure },
    { ...g, name: 'efi memmap: decodeMemoryMap + toE820', kind: 'ours', fn: toE820, checksumFree: true },
    { ...g, name: 'efi memmap: view.find (full scan)', kind: 'ours', fn: viewFind, checksumFree: true },
  ],
  targets: [
    // The same reads as the plain loop (its halves); the exact-number walk
    // also reads attributeLo and checks each u64 against 2^53 (its own row).
    { name: 'EFI memory map view walk ≤1.5× DataView, 0 B/descriptor', case: 'efi memmap: view walk (Lo/Hi halves)', maxRatio: 1.5, maxBytes: 0 },
  ],
};
}
