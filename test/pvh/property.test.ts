/**
 * Property tests (fast-check, seeded): the PVH builder and decoder agree,
 * the codecs are bijective on their domain, and no input, random or a
 * mutated real fixture, makes a decoder throw anything but BootprotoError,
 * a validator or detectFormat throw at all, or any of them hang.
 *
 * Reproduce a failure with the seed and path fast-check prints; change the
 * seed with BOOTPROTO_FC_SEED=<n>.
 */
import { readBytes, readText, testEnv } from '../helpers/files.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BootprotoError,
  createPhysicalMemory,
  elfNotes,
  hasErrors,
  readElfHeader,
  type MemoryRegion,
} from '../../src/core/index.js';
import { detectFormat } from '../../src/detect.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  XEN_HVM_START_MAGIC_VALUE,
  buildHandoff,
  decodeHandoff,
  decodeStartInfo,
  encodeMemmap,
  encodeModlist,
  encodeStartInfo,
  findPvhEntry,
  validateHandoff,
  validateStartInfo,
  viewMemmap,
  viewModlist,
  type HvmMemmapTableEntry,
  type HvmModlistEntry,
  type HvmStartInfo,
  type PvhHandoffSpec,
  type PvhModuleSpec,
} from '../../src/pvh/index.js';
import { entryDesc, makeElf } from '../helpers/elf-builder.js';
import { parsePvhDump, type PvhDump } from '../tools/pvh-guest/dump.js';

const SEED = Number(testEnv('BOOTPROTO_FC_SEED') ?? 0x5eedb007);
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

/** A generous bound on one call: inputs are at most a few KiB, real calls take microseconds. */
const CALL_MS = 500;

const fixture = (name: string): Uint8Array => readBytes(`test/fixtures/pvh/${name}`);
const dumps: PvhDump[] = ['qemu-pc-128M.serial.txt', 'qemu-q35-512M.serial.txt'].map((f) =>
  parsePvhDump(readText(`test/fixtures/pvh/${f}`)),
);

const U64_MAX = (1n << 64n) - 1n;
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });

/** Strings without NUL: any code point (no lone surrogates), plus a bias to tricky ones (BOM, quotes, U+FFFF, astral). */
const text = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('\ufeff', 'a', ' ', '"', '=', '\u00e9', '\uffff', '\u{10ffff}', '\u{1f600}', '\u0001'), maxLength: 12 }),
  )
  .map((s) => s.replaceAll('\0', ''));

/** Runs a decoder: returns normally or throws BootprotoError, within CALL_MS. */
function decodes<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: BootprotoError } {
  const t0 = performance.now();
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    return { ok: false, error: e };
  } finally {
    expect(performance.now() - t0).toBeLessThan(CALL_MS);
  }
}

/** Runs a validator (or detectFormat): must not throw at all, within CALL_MS. */
function never<T>(fn: () => T): T {
  const t0 = performance.now();
  const value = fn();
  expect(performance.now() - t0).toBeLessThan(CALL_MS);
  return value;
}

// ---------------------------------------------------------------------------
// (a) buildHandoff → decodeHandoff gives the spec back

const MODULE_DATA_BASE = 0x1000_0000n; // far above every handoff structure (those stay below ~0x102000)
const MODULE_DATA_STRIDE = 0x1_0000n;

interface GeneratedSpec {
  spec: PvhHandoffSpec & { modules: PvhModuleSpec[]; memmap: Omit<HvmMemmapTableEntry, 'reserved'>[]; version: number };
  startInfo: number;
}

const moduleArb = (index: number) =>
  fc.oneof(
    // Bytes written at a far address; size from the data.
    fc.record({
      data: fc.uint8Array({ maxLength: 64 }),
      cmdline: fc.option(text, { nil: undefined }),
    }).map(({ data, cmdline }): PvhModuleSpec => ({ paddr: MODULE_DATA_BASE + BigInt(index) * MODULE_DATA_STRIDE, data, cmdline })),
    // Only described: any address and size (never written).
    fc.record({ paddr: u64, size: fc.option(u64, { nil: undefined }), cmdline: fc.option(text, { nil: undefined }) }),
  );

const memmapEntryArb = fc.record({ addr: u64, size: u64, type: fc.oneof(fc.integer({ min: 1, max: 7 }), u32) });

const specArb: fc.Arbitrary<GeneratedSpec> = fc
  .record({
    version: fc.constantFrom(0, 1),
    flags: u32,
    cmdline: fc.option(text, { nil: undefined }),
    moduleCount: fc.integer({ min: 0, max: 8 }),
    memmap: fc.array(memmapEntryArb, { maxLength: 64 }),
    rsdpPaddr: fc.option(fc.bigInt({ min: 1n, max: U64_MAX }), { nil: undefined }),
    startInfo: fc.integer({ min: 0x1000, max: 0xfffff }),
  })
  .chain((r) =>
    fc.tuple(...Array.from({ length: r.moduleCount }, (_, i) => moduleArb(i))).map((modules) => ({
      startInfo: r.startInfo,
      spec: {
        version: r.version,
        flags: r.flags,
        cmdline: r.cmdline,
        modules,
        memmap: r.version === 0 ? [] : r.memmap,
        rsdpPaddr: r.rsdpPaddr,
      },
    })),
  );

describe('buildHandoff → decodeHandoff', () => {
  it('gives back exactly what was built (random specs)', () => {
    fc.assert(
      fc.property(specArb, ({ spec, startInfo }) => {
        const memory = createPhysicalMemory([], { growable: true });
        const built = buildHandoff(memory, spec, { startInfo });
        expect(built.startInfoPaddr).toBe(BigInt(startInfo));
        const h = decodeHandoff(memory, startInfo);
        expect(h.startInfo.magic).toBe(XEN_HVM_START_MAGIC_VALUE);
        expect(h.startInfo.version).toBe(spec.version);
        expect(h.startInfo.flags).toBe(spec.flags);
        expect(h.startInfo.nrModules).toBe(spec.modules.length);
        expect(h.cmdline).toBe(spec.cmdline);
        expect(h.rsdpPaddr).toBe(spec.rsdpPaddr);
        if (spec.version === 0) expect(h.startInfo.memmapPaddr).toBeUndefined();
        else expect(h.startInfo.memmapEntries).toBe(spec.memmap.length);
        expect(h.memmap).toEqual(spec.memmap.map((e) => ({ ...e, reserved: 0 })));
        expect(h.modules).toHaveLength(spec.modules.length);
        spec.modules.forEach((m, i) => {
          const got = h.modules[i];
          expect(got?.paddr).toBe(m.paddr);
          expect(got?.size).toBe(m.size ?? BigInt(m.data?.length ?? 0));
          expect(got?.reserved).toBe(0n);
          expect(got?.cmdline).toBe(m.cmdline);
          expect(got?.cmdlinePaddr === 0n).toBe(m.cmdline === undefined);
          if (m.data !== undefined) expect(memory.read(m.paddr, m.data.length)).toEqual(m.data);
        });
        // Every region the builder reports is in memory, and the pieces it placed do not overlap.
        for (const r of built.regions) expect(memory.available(r.paddr, r.length)).toBe(r.length);
        // Modules only described (no data) are not backed, so check their data only when all were written.
        const checkModuleData = spec.modules.every((m) => m.data !== undefined);
        const problems = never(() => validateHandoff(memory, startInfo, { checkModuleData }));
        const codes = problems.map((p) => p.code);
        // The builder's own pieces never overlap; only a described module (random address) may.
        for (const p of problems) if (p.code === 'OVERLAP') expect(p.message).toMatch(/module \d+ \[/);
        expect(codes).not.toContain('UNMAPPED');
        expect(codes).not.toContain('UNTERMINATED');
        expect(codes).not.toContain('BAD_MAGIC');
        expect(codes).not.toContain('MISSING_ADDRESS');
      }),
      params(300),
    );
  });

  it('refuses a memory map in a version 0 handoff', () => {
    const memory = createPhysicalMemory([], { growable: true });
    expect(() => buildHandoff(memory, { version: 0, memmap: [{ addr: 0n, size: 1n, type: 1 }] }, { startInfo: 0x1000 })).toThrow(
      BootprotoError,
    );
  });
});

// ---------------------------------------------------------------------------
// (b) codecs

const startInfoArb: fc.Arbitrary<HvmStartInfo> = fc
  .record({
    version: fc.oneof(fc.constantFrom(0, 1, 2), u32),
    flags: u32,
    nrModules: u32,
    modlistPaddr: u64,
    cmdlinePaddr: u64,
    rsdpPaddr: u64,
    memmapPaddr: u64,
    memmapEntries: u32,
    reserved: u32,
  })
  .map((r): HvmStartInfo => {
    const v0 = { magic: XEN_HVM_START_MAGIC_VALUE, version: r.version, flags: r.flags, nrModules: r.nrModules, modlistPaddr: r.modlistPaddr, cmdlinePaddr: r.cmdlinePaddr, rsdpPaddr: r.rsdpPaddr };
    return r.version === 0 ? v0 : { ...v0, memmapPaddr: r.memmapPaddr, memmapEntries: r.memmapEntries, reserved: r.reserved };
  });

/** 56 random bytes with the magic set, and a version biased towards 0 and 1. */
const startInfoBytesArb = fc
  .tuple(fc.uint8Array({ minLength: 56, maxLength: 56 }), fc.oneof(fc.constantFrom(0, 1), u32))
  .map(([b, version]) => {
    const dv = new DataView(b.buffer);
    dv.setUint32(0, XEN_HVM_START_MAGIC_VALUE, true);
    dv.setUint32(4, version, true);
    return b;
  });

const modlistEntryArb: fc.Arbitrary<HvmModlistEntry> = fc.record({ paddr: u64, size: u64, cmdlinePaddr: u64, reserved: u64 });
const memmapFullEntryArb: fc.Arbitrary<HvmMemmapTableEntry> = fc.record({ addr: u64, size: u64, type: u32, reserved: u32 });

describe('codecs', () => {
  it('start_info: decode(encode(x)) == x', () => {
    fc.assert(
      fc.property(startInfoArb, (x) => {
        const bytes = encodeStartInfo(x);
        expect(bytes.length).toBe(x.version === 0 ? 40 : 56);
        expect(decodeStartInfo(bytes)).toEqual(x);
        // Also at an offset in a caller buffer.
        const into = new Uint8Array(64 + 7).fill(0xaa);
        encodeStartInfo(x, into, 7);
        expect(decodeStartInfo(into, 7)).toEqual(x);
      }),
      params(300),
    );
  });

  it('start_info: encode(decode(bytes)) == bytes (the first 40 for version 0)', () => {
    fc.assert(
      fc.property(startInfoBytesArb, (bytes) => {
        const info = decodeStartInfo(bytes);
        const version = new DataView(bytes.buffer).getUint32(4, true);
        expect(encodeStartInfo(info)).toEqual(version === 0 ? bytes.subarray(0, 40) : bytes);
        expect(validateStartInfo(bytes).every((p) => p.severity !== 'error')).toBe(true);
      }),
      params(300),
    );
  });

  it('memmap and modlist: decode(encode(x)) == x', () => {
    fc.assert(
      fc.property(fc.array(memmapFullEntryArb, { maxLength: 16 }), fc.array(modlistEntryArb, { maxLength: 8 }), (memmap, modlist) => {
        expect(viewMemmap(encodeMemmap(memmap), 0, memmap.length).decodeAll()).toEqual(memmap);
        expect(viewModlist(encodeModlist(modlist), 0, modlist.length).decodeAll()).toEqual(modlist);
      }),
      params(200),
    );
  });

  it('memmap and modlist: encode(decode(bytes)) == bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 8 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), (m, n, stream) => {
        const rand = (len: number): Uint8Array => Uint8Array.from(stream.take(len));
        const mm = rand(m * HVM_MEMMAP_TABLE_ENTRY.size);
        const ml = rand(n * HVM_MODLIST_ENTRY.size);
        expect(encodeMemmap(viewMemmap(mm, 0, m).decodeAll())).toEqual(mm);
        expect(encodeModlist(viewModlist(ml, 0, n).decodeAll())).toEqual(ml);
        // The views read the same as the decoder.
        const t = viewMemmap(mm, 0, m);
        for (let i = 0; i < m; i++) expect(t.get(i).sizeBig).toBe(t.decodeAll()[i]?.size);
      }),
      params(200),
    );
  });
});

// ---------------------------------------------------------------------------
// (c) robustness: random and mutated inputs

const U32_EDGES = [0, 1, 2, 7, 9, 0x20, 0x38, 1023, 1024, 1025, 8191, 8192, 8193, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const U64_EDGES = [0n, 1n, 8n, 0xffffffffn, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, 1n << 63n, U64_MAX - 1n, U64_MAX];
const u32Value = fc.oneof(fc.constantFrom(...U32_EDGES), u32);

/** Addresses the fixtures map, their last bytes, and one past their ends. */
const mappedAddresses = [...new Set(dumps.flatMap((d) => d.regions.flatMap((r) => [r.paddr, r.paddr + BigInt(r.bytes.length) - 1n, r.paddr + BigInt(r.bytes.length)])))];
const u64Value = fc.oneof(fc.constantFrom(...U64_EDGES), fc.constantFrom(...mappedAddresses), u64);

/** Field offsets (label, offset within the region, width) of every count and address the handoff holds. */
const FIELDS: readonly (readonly [string, number, 4 | 8])[] = [
  ['start_info', 0, 4],
  ['start_info', 4, 4],
  ['start_info', 8, 4],
  ['start_info', 12, 4],
  ['start_info', 16, 8],
  ['start_info', 24, 8],
  ['start_info', 32, 8],
  ['start_info', 40, 8],
  ['start_info', 48, 4],
  ['start_info', 52, 4],
  ['modlist', 0, 8],
  ['modlist', 8, 8],
  ['modlist', 16, 8],
  ['modlist', 24, 8],
  ...[0, 1, 2, 3, 4, 5, 6].flatMap((i) => [
    ['memmap', i * 24, 8] as const,
    ['memmap', i * 24 + 8, 8] as const,
    ['memmap', i * 24 + 16, 4] as const,
    ['memmap', i * 24 + 20, 4] as const,
  ]),
];

type Mutation =
  | { kind: 'flip'; region: number; bit: number }
  | { kind: 'truncate'; region: number; keep: number }
  | { kind: 'drop'; region: number }
  | { kind: 'u32'; field: number; value: number }
  | { kind: 'u64'; field: number; value: bigint }
  | { kind: 'byte'; region: number; at: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), region: fc.nat(), bit: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), region: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), region: fc.nat() }),
  fc.record({ kind: fc.constant('u32' as const), field: fc.nat(), value: u32Value }),
  fc.record({ kind: fc.constant('u64' as const), field: fc.nat(), value: u64Value }),
  fc.record({ kind: fc.constant('byte' as const), region: fc.nat(), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

/** Applies mutations to copies of a dump's regions. */
function mutate(dump: PvhDump, mutations: readonly Mutation[]): MemoryRegion[] {
  let regions: MemoryRegion[] = dump.regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes.slice(), label: r.label }));
  const pick = (i: number): MemoryRegion | undefined => regions[i % Math.max(1, regions.length)];
  for (const m of mutations) {
    if (m.kind === 'u32' || m.kind === 'u64') {
      const f = FIELDS.filter(([, , w]) => w === (m.kind === 'u32' ? 4 : 8));
      const [label, offset] = f[m.field % f.length] ?? ['start_info', 0];
      const r = regions.find((x) => x.label === label);
      if (r === undefined || offset + (m.kind === 'u32' ? 4 : 8) > r.bytes.length) continue;
      const dv = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.length);
      if (m.kind === 'u32') dv.setUint32(offset, m.value, true);
      else dv.setBigUint64(offset, m.value, true);
      continue;
    }
    const r = pick(m.region);
    if (r === undefined || r.bytes.length === 0) continue;
    if (m.kind === 'flip') {
      const bit = m.bit % (r.bytes.length * 8);
      r.bytes[bit >> 3] = (r.bytes[bit >> 3] as number) ^ (1 << (bit & 7));
    } else if (m.kind === 'byte') {
      r.bytes[m.at % r.bytes.length] = m.value;
    } else if (m.kind === 'truncate') {
      r.bytes = r.bytes.slice(0, m.keep % r.bytes.length);
    } else {
      regions = regions.filter((x) => x !== r);
    }
  }
  return regions;
}

/** Every PVH entry point on one memory: decoders may throw BootprotoError only, validators nothing. */
function exerciseHandoff(regions: readonly MemoryRegion[], ebx: bigint | number): void {
  const made = decodes(() => createPhysicalMemory(regions));
  if (!made.ok) return;
  const memory = made.value;
  const decoded = decodes(() => decodeHandoff(memory, ebx));
  const problems = never(() => validateHandoff(memory, ebx));
  never(() => validateHandoff(memory, ebx, { checkModuleData: true, maxModules: 4, maxMemmapEntries: 16, maxCmdline: 64 }));
  decodes(() => decodeHandoff(memory, ebx, { maxModules: 4, maxMemmapEntries: 16, maxCmdline: 64 }));
  // What the decoder cannot read, the validator reports as an error.
  if (!decoded.ok) expect(hasErrors(problems), decoded.error.message).toBe(true);
  const si = regions.find((r) => r.label === 'start_info');
  if (si !== undefined) {
    decodes(() => decodeStartInfo(si.bytes));
    never(() => validateStartInfo(si.bytes));
    never(() => detectFormat(si.bytes));
  }
}

/** Every ELF entry point on one file. */
function exerciseElf(file: Uint8Array): void {
  decodes(() => readElfHeader(file));
  decodes(() => elfNotes(file));
  const found = decodes(() => findPvhEntry(file));
  const format = never(() => detectFormat(file));
  if (found.ok) expect(format).toBe(found.value === undefined ? 'elf' : 'pvh-elf');
}

/** ELF images to mutate: the three fixtures and synthetic ones of each class and byte order. */
const elfSeeds: Uint8Array[] = [
  fixture('guest32.elf'),
  fixture('note64-segment.elf'),
  fixture('note32-section-only.elf'),
  ...([32, 64] as const).flatMap((elfClass) =>
    [true, false].map(
      (le) =>
        makeElf({
          elfClass,
          littleEndian: le,
          notes: [{ name: 'GNU', type: 3, desc: new Uint8Array(8) }, { name: 'Xen', type: 18, desc: entryDesc(0x100000n, elfClass === 64 ? 8 : 4, le) }],
          section: true,
        }).file,
    ),
  ),
];

/** (offset, width) of every header field that is an offset, a size or a count, in one ELF image. */
function elfTargets(file: Uint8Array): [number, 1 | 2 | 4 | 8][] {
  const h = readElfHeader(file);
  const out: [number, 1 | 2 | 4 | 8][] = [
    [4, 1],
    [5, 1],
  ];
  if (h.elfClass === 32) {
    out.push([24, 4], [28, 4], [32, 4], [42, 2], [44, 2], [46, 2], [48, 2]);
    for (let i = 0; i < h.ePhnum; i++) out.push([h.ePhoff + i * 32, 4], [h.ePhoff + i * 32 + 4, 4], [h.ePhoff + i * 32 + 16, 4]);
    for (let i = 0; i < h.eShnum; i++) out.push([h.eShoff + i * 40 + 4, 4], [h.eShoff + i * 40 + 16, 4], [h.eShoff + i * 40 + 20, 4]);
  } else {
    out.push([24, 8], [32, 8], [40, 8], [54, 2], [56, 2], [58, 2], [60, 2]);
    for (let i = 0; i < h.ePhnum; i++) out.push([h.ePhoff + i * 56, 4], [h.ePhoff + i * 56 + 8, 8], [h.ePhoff + i * 56 + 32, 8]);
    for (let i = 0; i < h.eShnum; i++) out.push([h.eShoff + i * 64 + 4, 4], [h.eShoff + i * 64 + 24, 8], [h.eShoff + i * 64 + 32, 8]);
  }
  for (const n of elfNotes(file)) out.push([n.offset, 4], [n.offset + 4, 4], [n.offset + 8, 4]);
  return out;
}
const elfTargetTable = elfSeeds.map(elfTargets);

type ElfMutation =
  | { kind: 'field'; target: number; edge: number; random: bigint }
  | { kind: 'flip'; bit: number }
  | { kind: 'truncate'; keep: number };

const elfMutationArb: fc.Arbitrary<ElfMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('field' as const), target: fc.nat(), edge: fc.nat(), random: u64 }) },
  fc.record({ kind: fc.constant('flip' as const), bit: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
);

function mutateElf(seed: number, mutations: readonly ElfMutation[]): Uint8Array {
  const original = elfSeeds[seed % elfSeeds.length] as Uint8Array;
  const targets = elfTargetTable[seed % elfSeeds.length] ?? [];
  const le = original[5] !== 2;
  let file = original.slice();
  for (const m of mutations) {
    if (file.length === 0) break;
    if (m.kind === 'flip') {
      const bit = m.bit % (file.length * 8);
      file[bit >> 3] = (file[bit >> 3] as number) ^ (1 << (bit & 7));
    } else if (m.kind === 'truncate') {
      file = file.slice(0, m.keep % file.length);
    } else {
      const [at, width] = targets[m.target % Math.max(1, targets.length)] ?? [0, 1];
      if (at + width > file.length) continue;
      const max = (1n << BigInt(width * 8)) - 1n;
      const edges = [0n, 1n, 3n, 4n, 8n, 12n, 0x14n, max, max - 1n, 1n << BigInt(width * 8 - 1), BigInt(file.length), BigInt(file.length - 1)];
      const value = (m.edge % (edges.length + 1) === edges.length ? m.random : (edges[m.edge % (edges.length + 1)] as bigint)) & max;
      const dv = new DataView(file.buffer);
      if (width === 1) dv.setUint8(at, Number(value));
      else if (width === 2) dv.setUint16(at, Number(value), le);
      else if (width === 4) dv.setUint32(at, Number(value), le);
      else dv.setBigUint64(at, value, le);
    }
  }
  return file;
}

describe('robustness', () => {
  it('random bytes: decoders throw only BootprotoError, validators and detectFormat never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.nat(64), (bytes, offset) => {
        decodes(() => decodeStartInfo(bytes));
        decodes(() => decodeStartInfo(bytes, offset));
        never(() => validateStartInfo(bytes));
        never(() => validateStartInfo(bytes, offset));
        exerciseElf(bytes);
        exerciseHandoff([{ paddr: 0x1000n, bytes, label: 'start_info' }], 0x1000n + BigInt(offset));
      }),
      params(400),
    );
  });

  it('random bytes behind an ELF identification or a start_info magic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2),
        fc.constantFrom(1, 2),
        fc.uint8Array({ maxLength: 400 }),
        fc.oneof(fc.constantFrom(0, 1, 2), u32),
        (cls, data, rest, version) => {
          const elf = new Uint8Array(8 + rest.length);
          elf.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1, 0]);
          elf.set(rest, 8);
          exerciseElf(elf);
          const si = new Uint8Array(Math.max(8, rest.length));
          si.set(rest.subarray(0, si.length));
          const dv = new DataView(si.buffer);
          dv.setUint32(0, XEN_HVM_START_MAGIC_VALUE, true);
          dv.setUint32(4, version, true);
          decodes(() => decodeStartInfo(si));
          never(() => validateStartInfo(si));
          expect(never(() => detectFormat(si))).toBe('pvh-start-info');
          // The start_info points into its own bytes or the 64 KiB region beside it.
          exerciseHandoff(
            [
              { paddr: 0x1000n, bytes: si, label: 'start_info' },
              { paddr: 0x10000n, bytes: new Uint8Array(rest.length * 4).fill(0x41) },
            ],
            0x1000n,
          );
        },
      ),
      params(300),
    );
  });

  it('mutated QEMU dumps: bit flips, truncations, dropped regions and edge values in every count and address', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, fc.constantFrom(...mappedAddresses), u64),
        (which, mutations, ebx) => {
          const dump = dumps[which] as PvhDump;
          exerciseHandoff(mutate(dump, mutations), ebx ?? dump.ebx);
        },
      ),
      params(600),
    );
  });

  it('mutated ELF images: edge values in header, program header, section header and note fields; flips; truncations', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(elfMutationArb, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        exerciseElf(mutateElf(seed, mutations));
      }),
      params(600),
    );
  });

  it('the unmutated inputs pass through the same harness', () => {
    for (const d of dumps) {
      exerciseHandoff(d.regions, d.ebx);
      expect(validateHandoff(createPhysicalMemory(d.regions), d.ebx)).toEqual([]);
    }
    for (const f of elfSeeds) {
      exerciseElf(f);
      expect(findPvhEntry(f)?.sources[0]).toBeDefined();
    }
  });
});
