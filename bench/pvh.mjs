// PVH benchmark cases (declarations only; bench/run.mjs times them).
// A 1,024-entry hvm_memmap_table_entry array walked by hand with a DataView,
// by bootproto's view, and decoded by the peers (typed-binary, binary-parser,
// restructure); and start_info read 1,024 times.

import { BufferReader, Measurer, Schema, object, u32 as tbU32 } from 'typed-binary';
import { Parser } from 'binary-parser';
import * as r from 'restructure';

/** xorshift32: small, seeded, good enough to scatter test values. */
export function prng(seed) {
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

export default async function setup({ load, sink }) {
  const pvh = await load('pvh');
  const { viewMemmap, decodeMemmapEntry, decodeStartInfo, viewStartInfo, XEN_HVM_START_MAGIC_VALUE } = pvh;
  const COUNT = 1024;
  const ENTRY = 24;
  const rand = prng(0x5eed_b007);

  // Addresses below 2^42 and sizes below 2^36, page-aligned, so that the
  // number accessors never throw and a walk's sum stays exact below 2^53.
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

  // Sixteen version-1 start_infos, 64 bytes apart; call i reads the (i mod 16)th.
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

  // binary-parser and restructure: the whole array in one parse, as their users write it.
  const bpEntry = new Parser().endianness('little').uint64('addr').uint64('size').uint32('type').uint32('reserved');
  const bpTable = new Parser().array('entries', { type: bpEntry, length: COUNT });
  // restructure has no 64-bit integers: halves, joined by the caller.
  const rsEntry = new r.Struct({ addrLo: r.uint32le, addrHi: r.uint32le, sizeLo: r.uint32le, sizeHi: r.uint32le, type: r.uint32le, reserved: r.uint32le });
  const rsTable = new r.Array(rsEntry, COUNT);

  const memmapDv = new DataView(memmap.buffer, memmap.byteOffset, memmap.byteLength);
  const table = viewMemmap(memmap, 0, COUNT);

  function plainMemmap() {
    const dv = memmapDv;
    let sum = 0;
    for (let i = 0, o = 0; i < COUNT; i++, o += ENTRY) {
      const addr = dv.getUint32(o + 4, true) * 0x100000000 + dv.getUint32(o, true);
      const size = dv.getUint32(o + 12, true) * 0x100000000 + dv.getUint32(o + 8, true);
      sum += addr + size + dv.getUint32(o + 16, true);
    }
    sink[0] = sum;
  }
  function viewWalk() {
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = table.get(i);
      sum += e.addr + e.size + e.type;
    }
    sink[0] = sum;
  }
  function viewWalkBig() {
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = table.get(i);
      sum += Number(e.addrBig) + Number(e.sizeBig) + e.type;
    }
    sink[0] = sum;
  }
  function typedBinaryDecode() {
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = decodeMemmapEntry(memmap, i * ENTRY);
      sum += Number(e.addr) + Number(e.size) + e.type;
    }
    sink[0] = sum;
  }
  function typedBinaryDirect() {
    const reader = new BufferReader(memmap.buffer, { byteOffset: memmap.byteOffset, endianness: 'little' });
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = directEntry.read(reader);
      sum += Number(e.addr) + Number(e.size) + e.type;
    }
    sink[0] = sum;
  }
  function binaryParser() {
    const { entries } = bpTable.parse(memmap);
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = entries[i];
      sum += Number(e.addr) + Number(e.size) + e.type;
    }
    sink[0] = sum;
  }
  function restructure() {
    const entries = rsTable.fromBuffer(memmap);
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const e = entries[i];
      sum += e.addrHi * 0x100000000 + e.addrLo + e.sizeHi * 0x100000000 + e.sizeLo + e.type;
    }
    sink[0] = sum;
  }

  const siDv = new DataView(startInfos.buffer, startInfos.byteOffset, startInfos.byteLength);
  function plainStartInfo() {
    const dv = siDv;
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
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
  function decodeStartInfoCalls() {
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const s = decodeStartInfo(startInfos, (i & (SI_COPIES - 1)) * SI_STRIDE);
      sum += s.version + s.flags + s.nrModules + Number(s.modlistPaddr) + Number(s.cmdlinePaddr) + Number(s.rsdpPaddr) + Number(s.memmapPaddr) + s.memmapEntries + s.reserved;
    }
    sink[0] = sum;
  }
  function viewStartInfoCalls() {
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      const s = viewStartInfo(startInfos, (i & (SI_COPIES - 1)) * SI_STRIDE);
      if (s.magic !== XEN_HVM_START_MAGIC_VALUE) throw new Error('bad magic');
      sum += s.version + s.flags + s.nrModules + s.modlistPaddr + s.cmdlinePaddr + s.rsdpPaddr + s.memmapPaddr + s.memmapEntries + s.reserved;
    }
    sink[0] = sum;
  }
  // One view kept by the caller and moved to each start_info (view.point):
  // what a VMM or test that reads start_info after start_info does.
  const kept = viewStartInfo(startInfos, 0);
  function keptStartInfoView() {
    const s = kept;
    let sum = 0;
    for (let i = 0; i < COUNT; i++) {
      s.point(startInfos, (i & (SI_COPIES - 1)) * SI_STRIDE);
      if (s.magic !== XEN_HVM_START_MAGIC_VALUE) throw new Error('bad magic');
      sum += s.version + s.flags + s.nrModules + s.modlistPaddr + s.cmdlinePaddr + s.rsdpPaddr + s.memmapPaddr + s.memmapEntries + s.reserved;
    }
    sink[0] = sum;
  }

  const m = { group: 'pvh memmap', unit: 'entry', items: COUNT };
  const s = { group: 'pvh start_info', unit: 'call', items: COUNT };
  return {
    cases: [
      { ...m, name: 'pvh memmap: plain DataView loop', kind: 'plain', fn: plainMemmap },
      { ...m, name: 'pvh memmap: view walk', kind: 'ours', fn: viewWalk },
      { ...m, name: 'pvh memmap: view walk (bigint)', kind: 'ours', fn: viewWalkBig },
      { ...m, name: 'pvh memmap: decodeMemmapEntry (typed-binary)', kind: 'ours', fn: typedBinaryDecode },
      { ...m, name: 'pvh memmap: typed-binary direct', kind: 'peer', fn: typedBinaryDirect },
      { ...m, name: 'pvh memmap: binary-parser', kind: 'peer', fn: binaryParser },
      { ...m, name: 'pvh memmap: restructure', kind: 'peer', fn: restructure },
      { ...s, name: 'pvh start_info: plain DataView reads', kind: 'plain', fn: plainStartInfo },
      { ...s, name: 'pvh start_info: viewStartInfo', kind: 'ours', fn: viewStartInfoCalls },
      { ...s, name: 'pvh start_info: one view kept, view.point', kind: 'ours', fn: keptStartInfoView },
      { ...s, name: 'pvh start_info: decodeStartInfo', kind: 'ours', fn: decodeStartInfoCalls },
    ],
    targets: [
      { name: 'PVH memmap view walk ≤1.5× DataView, 0 B/entry', case: 'pvh memmap: view walk', maxRatio: 1.5, maxBytes: 0 },
    ],
  };
}
