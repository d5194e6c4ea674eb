// PE/COFF benchmark cases (declarations only; bench/run.mjs times them):
// parse the headers and the section table of a large real image (Debian's
// amd64 vmlinuz from .cache/, which `npm run test:tools` downloads, else the
// committed UKI fixture; BENCH_PE_IMAGE=/path picks another) with bootproto's
// views (one PeHeaderView kept and pointed at the image on every parse: the
// reuse path, 0 bytes a parse; and viewPeHeaders(bytes) making new views per
// call), with decodePeImage, with a hand-written DataView read
// of the same fields, and with the npm package pe-library (NtExecutable.from,
// which copies every section). Also the checksum and the Authenticode SHA-256
// over the whole file, per byte.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as peLib from 'pe-library';

export default async function setup({ load, sink, root }) {
const m = await load('pecoff');

function defaultImage() {
  for (const dir of ['.cache/pecoff/x/boot', '.cache/linux-bootparams/x/boot']) {
    const d = join(root, dir);
    if (!existsSync(d)) continue;
    const f = readdirSync(d).find((n) => n.startsWith('vmlinuz-'));
    if (f) return join(d, f);
  }
  return join(root, 'test/fixtures/pecoff/uki-objcopy.efi');
}
/** The bytes of `path`, with NumberOfSymbols set to 0 (see below) and its old value. */
function readImage(path) {
  const bytes = new Uint8Array(readFileSync(path));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // pe-library refuses any image whose COFF header counts symbols (the Linux
  // EFI stub says 1, binutils' images more): every case reads one copy with
  // the count set to 0, a field none of them sums.
  const symbols = dv.getUint32(dv.getUint32(60, true) + 16, true);
  dv.setUint32(dv.getUint32(60, true) + 16, 0, true);
  return { bytes, dv, symbols };
}

/** The header-parse cases of one image, as group `group`. */
function headerCases(bytes, dv, group, withPeer) {
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
  // The same reads through one PeHeaderView the caller keeps and points at
  // the image on every parse (allocates nothing once its views exist).
  const kept = new m.PeHeaderView(bytes);
  function reused() {
    const v = m.viewPeHeaders(bytes, kept);
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

  function peLibrary() {
    const exe = peLib.NtExecutable.from(bytes, { ignoreCert: true });
    const f = exe.newHeader.fileHeader;
    const o = exe.newHeader.optionalHeader;
    let s = f.machine + f.numberOfSections + f.timeDateStamp + f.characteristics;
    s += o.addressOfEntryPoint + o.sectionAlignment + o.fileAlignment + o.sizeOfImage + o.sizeOfHeaders + o.checkSum + o.subsystem + o.numberOfRvaAndSizes;
    for (const sec of exe.getAllSections()) {
      const h = sec.info;
      s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
    }
    sink[0] = s;
  }

  const g = { group, unit: 'parse', items: 1 };
  return [
    { ...g, name: `${group}: plain DataView read`, kind: 'plain', fn: plainDataView },
    { ...g, name: `${group}: reused PeHeaderView + section table`, kind: 'ours', fn: reused },
    { ...g, name: `${group}: viewPeHeaders + section table (new views per call)`, kind: 'ours', fn: views },
    { ...g, name: `${group}: decodePeImage`, kind: 'ours', fn: decoded },
    ...(withPeer ? [{ ...g, name: `${group}: pe-library NtExecutable.from`, kind: 'peer', fn: peLibrary }] : []),
  ];
}

const file = process.env.BENCH_PE_IMAGE ?? defaultImage();
const { bytes, dv, symbols } = readImage(file);
const uki = readImage(join(root, 'test/fixtures/pecoff/uki-objcopy.efi'));
// The section table alone, walked through one view made beforehand.
const headers = m.viewPeHeaders(bytes);
const table = headers.sections;
const tableStart = dv.getUint32(60, true) + 24 + dv.getUint16(dv.getUint32(60, true) + 20, true);
const sectionCount = dv.getUint16(dv.getUint32(60, true) + 6, true);
function plainSections() {
  let s = 0;
  for (let i = 0; i < sectionCount; i++) {
    const o = tableStart + i * 40;
    s += dv.getUint32(o + 8, true) + dv.getUint32(o + 12, true) + dv.getUint32(o + 16, true) + dv.getUint32(o + 20, true) + dv.getUint32(o + 36, true);
  }
  sink[0] = s;
}
function viewSections() {
  let s = 0;
  for (let i = 0; i < table.count; i++) {
    const h = table.get(i);
    s += h.virtualSize + h.virtualAddress + h.sizeOfRawData + h.pointerToRawData + h.characteristics;
  }
  sink[0] = s;
}
const image = m.decodePeImage(bytes);
const n = image.sections.length;
const b = { group: 'pe whole file', unit: 'byte', items: bytes.length, checksumFree: true };
return {
  info: `PE headers + ${n}-section table of ${basename(file)} (${bytes.length} bytes; pe-library cannot open it: a section size past the file's end); the 10-section uki-objcopy.efi fixture (${uki.bytes.length} bytes) for the pe-library row (NumberOfSymbols set to 0 in both, which pe-library requires)`,
  cases: [
    ...headerCases(bytes, dv, 'pe headers (kernel)', false),
    ...headerCases(uki.bytes, uki.dv, 'pe headers (UKI)', true),
    { group: 'pe sections', unit: 'section', items: sectionCount, name: 'pe sections: plain DataView loop', kind: 'plain', fn: plainSections },
    { group: 'pe sections', unit: 'section', items: sectionCount, name: 'pe sections: section table view walk', kind: 'ours', fn: viewSections },
    { ...b, name: 'pe whole file: peChecksum', kind: 'ours', fn: () => (sink[0] = m.peChecksum(image)) },
    { ...b, name: 'pe whole file: authenticodeSha256', kind: 'ours', fn: () => (sink[0] = m.authenticodeSha256(image).length) },
  ],
  targets: [
    { name: 'PE section table view walk ≤1.5× DataView, 0 B/section', case: 'pe sections: section table view walk', maxRatio: 1.5, maxBytes: 0 },
    { name: 'PE header + section-table parse ≤2× DataView, 0 B/parse', case: 'pe headers (kernel): reused PeHeaderView + section table', maxRatio: 2, maxBytes: 0 },
    { name: 'PE header + section-table parse ≤2× DataView, 0 B/parse (UKI)', case: 'pe headers (UKI): reused PeHeaderView + section table', maxRatio: 2, maxBytes: 0 },
  ],
};
}
