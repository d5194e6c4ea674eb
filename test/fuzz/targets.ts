/**
 * The fuzz targets: every public decoder, view/cursor walk, validator and
 * converter of every module (listed from each `src/<module>/index.ts`),
 * grouped by the input they read. Each target's `run` calls its functions on
 * one input and throws {@link Violation} when an invariant breaks.
 */
import * as core from '../../src/core/index.js';
import * as pvh from '../../src/pvh/index.js';
import * as mb from '../../src/multiboot/index.js';
import * as linux from '../../src/linux-bootparams/index.js';
import * as pe from '../../src/pecoff/index.js';
import * as efi from '../../src/efi-memmap/index.js';
import * as fdt from '../../src/fdt/index.js';
import { detectFormat } from '../../src/detect.js';
import { Violation, decoding, sameBytes, total, validating, type Target } from './harness.js';
import { deepEqual } from './equal.js';
import { efiMaps, fixture, fixtures, linuxDumps, makeContainer, mb1Dumps, mb2Dumps, openContainer, pvhDumps } from './seeds.js';

/** Reads every getter of a view (the values are thrown away); a getter may throw only BootprotoError (a u64 past 2^53 read as a number). */
function touch(view: object): void {
  decoding('view getters', () => touchAll(view));
}

/** The getter names along each view prototype's chain, found once per prototype (reflection was an eighth of a fast target's time). */
const gettersOf = new WeakMap<object, readonly string[]>();

function getterNames(proto: object): readonly string[] {
  let names = gettersOf.get(proto);
  if (names) return names;
  const seen = new Set<string>();
  const found: string[] = [];
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (seen.has(key) || key === 'constructor') continue;
      seen.add(key);
      if (Object.getOwnPropertyDescriptor(p, key)?.get) found.push(key);
    }
  }
  names = found;
  gettersOf.set(proto, names);
  return names;
}

function touchAll(view: object): void {
  const proto = Object.getPrototypeOf(view) as object | null;
  if (!proto) return;
  for (const key of getterNames(proto)) void (view as Record<string, unknown>)[key];
}

/** Walks a table view: every row's getters, then decodeAll. */
function walkTable<F extends core.Fields>(view: core.TableView<F>): void {
  for (let i = 0; i < view.count; i++) touch(view.get(i));
  decoding('TableView.decodeAll', () => view.decodeAll());
}

/** `decodeX` then `encodeX` into a copy of the input: the same bytes (fixed-layout structures). */
function roundTrip<T>(
  what: string,
  input: Uint8Array,
  decode: (b: Uint8Array) => T,
  encode: (x: T, into: Uint8Array) => Uint8Array,
  size?: (x: T) => number,
  keepUndecoded = false,
): T | undefined {
  const value = decoding(`decode ${what}`, () => decode(input));
  if (value === undefined) return undefined;
  const bytes = size ? input.subarray(0, size(value)) : input;
  const copy = bytes.slice();
  // Zero the copy so that a field the encoder skips shows up — unless the
  // structure keeps bytes it does not decode (fields a flag marks absent,
  // table rows past a count): then the copy keeps them and only what was
  // decoded must come back in place.
  if (!keepUndecoded) copy.fill(0);
  const out = decoding(`encode ${what}`, () => encode(value, copy));
  if (out === undefined) throw new Violation(`encode ${what} refused what decode ${what} gave`);
  sameBytes(what, bytes, copy);
  return value;
}

const ctx: core.MemoryContext = { format: 'pvh', structure: 'fuzz' };

// ─── core ────────────────────────────────────────────────────────────────

const coreElf: Target = {
  name: 'core/elf',
  seeds: () => [...fixtures('pvh', /\.elf$/), ...fixtures('multiboot', /\.elf$/)],
  run(b) {
    total('isElf', () => core.isElf(b));
    decoding('readElfHeader', () => core.readElfHeader(b));
    decoding('elfNotes', () => core.elfNotes(b));
    decoding('readCString', () => core.readCString(b, b.length >> 1, 64, ctx));
    total('detectFormat', () => detectFormat(b));
  },
};

// ─── pvh ─────────────────────────────────────────────────────────────────

const pvhStartInfo: Target = {
  name: 'pvh/startInfo',
  seeds: () =>
    pvhDumps().flatMap((d) =>
      d.regions.filter((r) => r.label === 'start_info' || r.label === 'modlist' || r.label === 'memmap').map((r) => r.bytes),
    ),
  run(b) {
    const info = roundTrip('hvm_start_info', b, (x) => pvh.decodeStartInfo(x), (x, into) => pvh.encodeStartInfo(x, into), (x) => pvh.startInfoSize(x.version));
    const v = decoding('viewStartInfo', () => pvh.viewStartInfo(b));
    if (v) touch(v);
    validating('validateStartInfo', () => pvh.validateStartInfo(b));
    roundTrip('hvm_modlist_entry', b.subarray(0, 32), (x) => pvh.decodeModlistEntry(x), (x, into) => pvh.encodeModlistEntry(x, into));
    roundTrip('hvm_memmap_table_entry', b.subarray(0, 24), (x) => pvh.decodeMemmapEntry(x), (x, into) => pvh.encodeMemmapEntry(x, into));
    const count = info ? Math.min(info.nrModules, 1 << 20) : b.length >> 5;
    const ml = decoding('viewModlist', () => pvh.viewModlist(b, 0, count));
    if (ml) walkTable(ml);
    const mm = decoding('viewMemmap', () => pvh.viewMemmap(b, 0, info ? (info.memmapEntries ?? 0) : (b.length / 24) | 0));
    if (mm) walkTable(mm);
  },
};

const pvhNote: Target = {
  name: 'pvh/note',
  seeds: () => fixtures('pvh', /\.elf$/),
  run(b) {
    decoding('findPvhEntry', () => pvh.findPvhEntry(b));
    validating('validatePvhEntry', () => pvh.validatePvhEntry(b));
  },
};

const pvhHandoff: Target = {
  name: 'pvh/handoff',
  seeds: () => pvhDumps().map((d) => makeContainer(d.ebx, d.regions)),
  run(b) {
    const { root, memory } = openContainer(b);
    const handoff = decoding('decodeHandoff', () => pvh.decodeHandoff(memory, root));
    if (handoff) decoding('bootParamsFromPvh', () => linux.bootParamsFromPvh(handoff));
    validating('validateHandoff', () => pvh.validateHandoff(memory, root));
    validating('checkPvhHandoff', () => pvh.checkPvhHandoff(memory, root));
  },
};

// ─── multiboot ───────────────────────────────────────────────────────────

const mbImages = (): Uint8Array[] => [...fixtures('multiboot', /\.(elf|bin)$/), ...fixtures('pvh', /\.elf$/)];

const mb1Header: Target = {
  name: 'multiboot/mb1Header',
  seeds: mbImages,
  run(b) {
    total('detectMultiboot1', () => mb.detectMultiboot1(b));
    const found = decoding('findMb1Header', () => mb.findMb1Header(b));
    if (found) {
      const at = b.subarray(found.offset);
      roundTrip('multiboot_header', at.subarray(0, mb.mb1HeaderSize(found.header.flags)), (x) => mb.decodeMb1Header(x), (x, into) => mb.encodeMb1Header(x, into));
      decoding('mb1AoutLoad', () => mb.mb1AoutLoad(b, found));
    }
    decoding('decodeMb1Header', () => mb.decodeMb1Header(b));
    validating('validateMb1Header', () => mb.validateMb1Header(b));
  },
};

const mb1Info: Target = {
  name: 'multiboot/mb1Info',
  seeds: () => mb1Dumps().flatMap((d) => d.regions.filter((r) => ['info', 'mmap', 'mods', 'drives', 'apm'].includes(r.label)).map((r) => r.bytes)),
  run(b) {
    const info = decoding('decodeMb1Info', () => mb.decodeMb1Info(b));
    if (info) {
      const size = total('mb1InfoSize', () => mb.mb1InfoSize(info.flags));
      // Fields whose flag bit is clear are not decoded and are written as 0, so
      // the bytes need not come back; what was decoded must.
      const out1 = total('encodeMb1Info', () => mb.encodeMb1Info(info));
      const back = decoding('decodeMb1Info (re-encoded)', () => mb.decodeMb1Info(out1));
      if (!back || !deepEqual(back, info)) throw new Violation(`multiboot_info: size ${size}: decode(encode(info)) is not info`);
      const out = total('encodeMb1Info', () => mb.encodeMb1Info(info));
      sameBytes('multiboot_info re-encoded', out, total('encodeMb1Info', () => mb.encodeMb1Info(mb.decodeMb1Info(out))));
      total('splitBootDevice', () => mb.joinBootDevice(mb.splitBootDevice(info.bootDevice ?? 0)));
    }
    decoding('decodeMb1Mmap', () => mb.decodeMb1Mmap(b));
    decoding('decodeMb1Drives', () => mb.decodeMb1Drives(b));
    roundTrip('multiboot_mod_list', b.subarray(0, 16), (x) => mb.decodeMb1Module(x), (x, into) => mb.encodeMb1Module(x, into));
    decoding('decodeMb1MmapEntry', () => mb.decodeMb1MmapEntry(b));
    roundTrip('apm_info', b.subarray(0, 20), (x) => mb.decodeMb1Apm(x), (x, into) => mb.encodeMb1Apm(x, into));
  },
};

const mb1Handoff: Target = {
  name: 'multiboot/mb1Handoff',
  seeds: () => mb1Dumps().map((d) => makeContainer(d.ebx, d.regions)),
  run(b) {
    const { root, memory } = openContainer(b);
    decoding('readMb1Info', () => mb.readMb1Info(memory, root));
    decoding('mb1ColorInfoOffset', () => mb.mb1ColorInfoOffset(memory, root));
    const handoff = decoding('decodeMb1Handoff', () => mb.decodeMb1Handoff(memory, root));
    if (handoff) decoding('bootParamsFromMb1', () => linux.bootParamsFromMb1(handoff));
    validating('validateMb1Handoff', () => mb.validateMb1Handoff(memory, root));
    validating('checkMb1Handoff', () => mb.checkMb1Handoff(memory, root));
  },
};

const mb2Header: Target = {
  name: 'multiboot/mb2Header',
  seeds: mbImages,
  run(b) {
    total('detectMultiboot2', () => mb.detectMultiboot2(b));
    const found = decoding('findMb2Header', () => mb.findMb2Header(b));
    if (found) {
      const h = decoding('decodeMb2Header', () => mb.decodeMb2Header(b, found.offset));
      if (h) {
        const out = decoding('encodeMb2Header', () => mb.encodeMb2Header(h));
        const again = out && decoding('decodeMb2Header (re-encoded)', () => mb.decodeMb2Header(out));
        if (out && again) sameBytes('multiboot2 header re-encoded', out, total('encodeMb2Header', () => mb.encodeMb2Header(again)));
      }
    }
    decoding('decodeMb2Header', () => mb.decodeMb2Header(b));
    validating('validateMb2Header', () => mb.validateMb2Header(b));
  },
};

const mb2Info: Target = {
  name: 'multiboot/mb2Info',
  seeds: () => mb2Dumps().map((d) => d.regions.find((r) => r.label === 'info')?.bytes ?? new Uint8Array()),
  run(b) {
    const info = decoding('decodeMb2Info', () => mb.decodeMb2Info(b));
    if (info) {
      const out = decoding('encodeMb2Info', () => mb.encodeMb2Info(info));
      total('mb2InfoByteLength', () => mb.mb2InfoByteLength(info));
      for (const tag of info.tags) {
        if (tag.kind === 'efi-mmap') decoding('mb2EfiMemoryMap', () => mb.mb2EfiMemoryMap(tag));
        total('mb2TagSize', () => mb.mb2TagSize(tag));
      }
      // Canonical form: what the encoder writes decodes and encodes to itself.
      const again = out && decoding('decodeMb2Info (re-encoded)', () => mb.decodeMb2Info(out));
      if (out && !again) throw new Violation('encodeMb2Info wrote what decodeMb2Info refuses');
      if (out && again) sameBytes('multiboot2 info re-encoded', out, total('encodeMb2Info', () => mb.encodeMb2Info(again)));
    }
    decoding('decodeMb2Tag', () => mb.decodeMb2Tag(b, 8));
    const cursor = decoding('mb2TagCursor', () => mb.mb2TagCursor(b));
    const steps: number[] = [];
    if (cursor) {
      decoding('Mb2TagCursor walk', () => {
        for (let n = 0; cursor.next(); n++) {
          if (n > b.length) throw new Violation('Mb2TagCursor did not end within input length steps');
          steps.push(cursor.offset, cursor.type, cursor.size);
          cursor.payload();
          if (cursor.u32(0) === 6) walkTable(cursor.mmap());
        }
      });
    }
    // A cursor kept across inputs and moved by point() walks the same tags.
    if (decoding('Mb2TagCursor.point', () => keptMb2Cursor.point(b)) !== undefined) {
      if (!cursor) throw new Violation('Mb2TagCursor.point accepted a block the constructor refuses');
      const again: number[] = [];
      decoding('Mb2TagCursor walk (kept)', () => {
        for (let n = 0; keptMb2Cursor.next(); n++) {
          if (n > b.length) throw new Violation('a kept Mb2TagCursor did not end within input length steps');
          again.push(keptMb2Cursor.offset, keptMb2Cursor.type, keptMb2Cursor.size);
          if (keptMb2Cursor.type === 6) walkTable(keptMb2Cursor.mmap());
        }
      });
      if (again.length !== steps.length || again.some((x, i) => x !== steps[i])) throw new Violation('a kept Mb2TagCursor moved by point() walked other tags than a new one');
    } else if (cursor) throw new Violation('Mb2TagCursor.point refused a block the constructor accepts');
    validating('validateMb2InfoBytes', () => mb.validateMb2InfoBytes(b));
  },
};

/** The cursor multiboot/mb2Info keeps across its inputs (moved to each by point()). */
const keptMb2Cursor = new mb.Mb2TagCursor(mb.encodeMb2Info({ tags: [] }));

const mb2Handoff: Target = {
  name: 'multiboot/mb2Handoff',
  seeds: () => mb2Dumps().map((d) => makeContainer(d.ebx, d.regions)),
  run(b) {
    const { root, memory } = openContainer(b);
    const info = decoding('readMb2Info', () => mb.readMb2Info(memory, root));
    if (info) decoding('bootParamsFromMb2', () => linux.bootParamsFromMb2(info, BigInt(root)));
    decoding('readMb2InfoBytes', () => mb.readMb2InfoBytes(memory, root));
    validating('validateMb2Info', () => mb.validateMb2Info(memory, root));
    validating('checkMb2Handoff', () => mb.checkMb2Handoff(memory, root));
  },
};

// ─── linux-bootparams ────────────────────────────────────────────────────

const linuxImages = (): Uint8Array[] => [
  fixture('linux-bootparams/qemu-guest.bzImage'),
  fixture('linux-bootparams/vmlinuz-head.bin'),
  ...fixtures('linux-bootparams', /zeropage\.bin$/),
];

const linuxSetupHeader: Target = {
  name: 'linux-bootparams/setupHeader',
  seeds: linuxImages,
  run(b) {
    const end = decoding('setupHeaderEnd', () => linux.setupHeaderEnd(b));
    const h = decoding('decodeSetupHeader', () => linux.decodeSetupHeader(b));
    if (h && end !== undefined) {
      // The header's bytes as the decoder read them come back from the encoder.
      const region = b.slice(0, end);
      const copy = region.slice();
      const out = decoding('encodeSetupHeader', () => linux.encodeSetupHeader(h, copy));
      if (out) sameBytes('setup_header', region, copy);
    }
    decoding('decodeSetupHeaderFull', () => linux.decodeSetupHeaderFull(b));
    const v = decoding('viewSetupHeader', () => linux.viewSetupHeader(b));
    if (v) touch(v);
    validating('validateSetupHeader', () => linux.validateSetupHeader(b));
    decoding('checkImageChecksum', () => linux.checkImageChecksum(b));
  },
};

const linuxBootParams: Target = {
  name: 'linux-bootparams/bootParams',
  seeds: () => fixtures('linux-bootparams', /zeropage\.bin$/),
  run(b) {
    total('detectBootParams', () => linux.detectBootParams(b));
    // e820_table rows past e820_entries are not decoded.
    const bp = roundTrip('boot_params', b.subarray(0, 4096), (x) => linux.decodeBootParams(x), (x, into) => linux.encodeBootParams(x, into), undefined, true);
    if (bp) total('bootParamsAddresses', () => linux.bootParamsAddresses(bp));
    const v = decoding('viewBootParams', () => linux.viewBootParams(b));
    if (v) touch(v);
    const e820 = decoding('viewZeroPageE820', () => linux.viewZeroPageE820(b));
    if (e820) walkTable(e820);
    validating('validateBootParams', () => linux.validateBootParams(b));
    roundTrip('boot_e820_entry', b.subarray(0x2d0, 0x2d0 + 20), (x) => linux.decodeE820Entry(x), (x, into) => linux.encodeE820Entries([x], into));
  },
};

const linuxBzImage: Target = {
  name: 'linux-bootparams/bzImage',
  seeds: () => [fixture('linux-bootparams/qemu-guest.bzImage'), fixture('linux-bootparams/vmlinuz-head.bin')],
  run(b) {
    total('detectBzImage', () => linux.detectBzImage(b));
    total('detectCompression', () => linux.detectCompression(b));
    decoding('findPeHeader', () => linux.findPeHeader(b));
    decoding('inspectBzImage', () => linux.inspectBzImage(b));
    const zp = fixture('linux-bootparams/kernel-pc-256M.zeropage.bin');
    decoding('checkLoaderResult', () => linux.checkLoaderResult(b, zp));
    const built = decoding('buildZeroPage', () =>
      linux.buildZeroPage({ image: b, cmdline: 'console=ttyS0', cmdlinePaddr: 0x20000n, initrd: { paddr: 0x800000n, size: 0x1000n } }),
    );
    if (built) validating('validateBootParams (built)', () => linux.validateBootParams(linux.encodeBootParams(built.bootParams)));
    decoding('checkLoaderResult (captured)', () => linux.checkLoaderResult(fixture('linux-bootparams/qemu-guest.bzImage'), b));
  },
};

const linuxKernelInfo: Target = {
  name: 'linux-bootparams/kernelInfo',
  seeds: () => [fixture('linux-bootparams/kernel-info.bin')],
  run(b) {
    decoding('decodeKernelInfo', () => linux.decodeKernelInfo(b));
    decoding('vgaMode', () => linux.vgaMode(new TextDecoder().decode(b)));
    total('decodeLoaderId', () => linux.decodeLoaderId(b[0] ?? 0, b[1] ?? 0, b[2] ?? 0));
    total('protocolText', () => linux.protocolText(((b[3] ?? 0) << 8) | (b[4] ?? 0)));
    for (let type = 1; type <= 10; type++) decoding('decodeSetupPayload', () => linux.decodeSetupPayload(type, b));
  },
};

const linuxZeroPage: Target = {
  name: 'linux-bootparams/zeroPageInMemory',
  seeds: () => linuxDumps().map((d) => makeContainer(d.root, d.regions)),
  run(b) {
    const { root, memory } = openContainer(b);
    total('validateZeroPageInMemory', () => linux.validateZeroPageInMemory(memory, root));
    const head = decoding('read setup_data', () => memory.read(root + 0x250, 8));
    if (head) {
      const dv = new DataView(head.buffer, head.byteOffset, 8);
      decoding('walkSetupData', () => linux.walkSetupData(memory, dv.getBigUint64(0, true)));
    }
  },
};

// ─── pecoff ──────────────────────────────────────────────────────────────

const peSeeds = (): Uint8Array[] => [...fixtures('pecoff', /\.(efi|dll)$/), fixture('linux-bootparams/qemu-guest.bzImage')];

const peHeaders: Target = {
  name: 'pecoff/headers',
  seeds: peSeeds,
  run(b) {
    total('detectPeImage', () => pe.detectPeImage(b));
    decoding('locatePeHeaders', () => pe.locatePeHeaders(b));
    const views = decoding('viewPeHeaders', () => pe.viewPeHeaders(b));
    if (views) {
      decoding('PeHeaderViews', () => {
        touch(views.dosHeader);
        touch(views.fileHeader);
        if (views.optionalHeader32) touch(views.optionalHeader32);
        if (views.optionalHeader64) touch(views.optionalHeader64);
        walkTable(views.dataDirectories);
        walkTable(views.sections);
      });
    }
    const image = decoding('decodePeImage', () => pe.decodePeImage(b));
    if (image) {
      // The headers as decoded are written back over the same bytes unchanged.
      const out = decoding('encodePeHeaders', () => pe.encodePeHeaders(image));
      if (out) sameBytes('PE headers', b, out);
      total('imageBase', () => pe.imageBase(image));
      for (let i = 0; i < 16; i++) total('dataDirectory', () => pe.dataDirectory(image, i));
      for (const s of image.sections) total('sectionContents', () => pe.sectionContents(s));
      total('rvaToOffset', () => pe.rvaToOffset(image, image.optionalHeader.addressOfEntryPoint));
      total('peChecksum', () => pe.peChecksum(image));
    }
    validating('validatePeImage', () => pe.validatePeImage(b));
    roundTrip('IMAGE_DOS_HEADER', b.subarray(0, 64), (x) => pe.decodeDosHeader(x), (x, into) => pe.encodeDosHeader(x, into));
  },
};

const peDirectories: Target = {
  name: 'pecoff/directories',
  seeds: peSeeds,
  run(b) {
    const image = decoding('decodePeImage', () => pe.decodePeImage(b));
    if (image) {
      decoding('decodeBaseRelocations', () => pe.decodeBaseRelocations(image));
      decoding('forEachBaseRelocation', () => pe.forEachBaseRelocation(image, () => undefined));
      decoding('decodeCertificates', () => pe.decodeCertificates(image));
      decoding('decodeDebugDirectory', () => pe.decodeDebugDirectory(image));
      decoding('decodeExports', () => pe.decodeExports(image));
      decoding('decodeImports', () => pe.decodeImports(image));
      decoding('decodeLinuxCompat', () => pe.decodeLinuxCompat(image));
      decoding('decodeSbat', () => pe.decodeSbat(image));
      total('isUki', () => pe.isUki(image));
      decoding('decodeUki', () => pe.decodeUki(image));
      decoding('authenticodeRanges', () => pe.authenticodeRanges(image));
      decoding('authenticodeSha256', () => pe.authenticodeSha256(image));
    }
    validating('validateUki', () => pe.validateUki(b));
    decoding('summarizePeImage', () => pe.summarizePeImage(b));
    decoding('decodeLinuxImageHeader', () => pe.decodeLinuxImageHeader(b));
  },
};

const peWrite: Target = {
  name: 'pecoff/write',
  smokeRuns: 1000,
  seeds: peSeeds,
  run(b) {
    // Writers take an untrusted image too: they refuse it or write a valid one.
    decoding('updatePeChecksum', () => pe.updatePeChecksum(b.slice()));
    const data = new Uint8Array(100).fill(0xcc);
    const added = decoding('addSections', () => pe.addSections(b, [{ name: '.fuzz', data }]));
    if (added) {
      const image = decoding('decodePeImage (after addSections)', () => pe.decodePeImage(added));
      if (!image) throw new Violation('addSections wrote an image decodePeImage refuses');
      if (!pe.findSection(image, '.fuzz')) throw new Violation('addSections lost the section it added');
    }
    const replaced = decoding('replaceSection', () => pe.replaceSection(b, '.text', data));
    if (replaced && !decoding('decodePeImage (after replaceSection)', () => pe.decodePeImage(replaced))) {
      throw new Violation('replaceSection wrote an image decodePeImage refuses');
    }
  },
};

const peReplace: Target = {
  name: 'pecoff/replace',
  smokeRuns: 500,
  seeds: peSeeds,
  run(b) {
    // Every section of a mutated image grown (moved when it must, allowed
    // to), shrunk, and a long-named section added: each writer refuses with
    // a BootprotoError or writes an image that decodes and holds the data.
    const image = decoding('decodePeImage', () => pe.decodePeImage(b));
    if (!image) return;
    for (const s of image.sections.slice(0, 4)) {
      // Sections are found by name: a name two sections share finds the first.
      if (image.sections.filter((t) => t.resolvedName === s.resolvedName).length > 1) continue;
      const grown = new Uint8Array(s.data.length + 0x1234).fill(0x5a);
      const shrunk = new Uint8Array(s.data.length >>> 1).fill(0xa5);
      for (const [what, data] of [['grown', grown], ['shrunk', shrunk]] as const) {
        const out = decoding(`replaceSection (${what})`, () => pe.replaceSection(b, s.resolvedName, data, { allowMove: true }));
        if (!out) continue;
        const again = decoding(`decodePeImage (after replaceSection, ${what})`, () => pe.decodePeImage(out));
        if (!again) throw new Violation(`replaceSection (${what}) wrote an image decodePeImage refuses`);
        const t = pe.findSection(again, s.resolvedName);
        if (!t) throw new Violation(`replaceSection (${what}) lost the section`);
        sameBytes(`replaceSection (${what}): the section's data`, data, t.data.subarray(0, data.length));
      }
    }
    const longName = '.bootproto-fuzz-long-name';
    const added = decoding('addSections (long name)', () => pe.addSections(b, [{ name: longName, data: new Uint8Array(64).fill(1) }]));
    if (added) {
      const again = decoding('decodePeImage (after a long name)', () => pe.decodePeImage(added));
      if (!again) throw new Violation('addSections (long name) wrote an image decodePeImage refuses');
      if (!pe.findSection(again, longName)) throw new Violation('addSections lost the long name it wrote');
    }
  },
};

const peBuildUki: Target = {
  name: 'pecoff/buildUki',
  smokeRuns: 500,
  seeds: peSeeds,
  run(b) {
    // A mutated stub, and a mutated kernel: the builder refuses them or builds a UKI that decodes.
    const app32 = fixture('pecoff/app32.efi');
    const app64 = fixture('pecoff/app64.efi');
    for (const [what, parts] of [
      ['stub', { stub: b, linux: app32, cmdline: 'quiet', osrel: 'ID=x\n' }],
      ['linux', { stub: app64, linux: b, cmdline: 'quiet' }],
    ] as const) {
      const uki = decoding(`buildUki (${what})`, () => pe.buildUki(parts));
      if (uki && !decoding('decodePeImage (UKI)', () => pe.decodePeImage(uki))) throw new Violation(`buildUki (${what}) wrote an image decodePeImage refuses`);
    }
  },
};

const peText: Target = {
  name: 'pecoff/text',
  seeds: () => [
    new TextEncoder().encode('sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nbootproto,1,bootproto,bootproto,0.0.0,https://example.org\n'),
    new TextEncoder().encode('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n# comment\nPRETTY_NAME=\'x \\" y\'\n'),
    new Uint8Array([0x52, 0x53, 0x44, 0x53, ...new Array<number>(20).fill(7), 0x61, 0x2e, 0x70, 0x64, 0x62, 0]),
  ],
  run(b) {
    const records = decoding('parseSbat', () => pe.parseSbat(b));
    if (records) total('formatSbat', () => pe.formatSbat(records));
    decoding('parseOsRelease', () => pe.parseOsRelease(new TextDecoder().decode(b)));
    decoding('decodeCodeView', () => pe.decodeCodeView(b));
    total('sha256', () => pe.sha256(b));
  },
};

// ─── efi-memmap ──────────────────────────────────────────────────────────

function mapInput(b: Uint8Array): { where: efi.MemoryMapLocation; map: Uint8Array } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const descriptorSize = b.length >= 4 ? dv.getUint32(0, true) : 0;
  const descriptorVersion = b.length >= 8 ? dv.getUint32(4, true) : 1;
  return { where: { descriptorSize, descriptorVersion }, map: b.subarray(Math.min(8, b.length)) };
}

const efiMemmap: Target = {
  name: 'efi-memmap/map',
  smokeRuns: 1000,
  seeds: efiMaps,
  run(b) {
    const { where, map: bytes } = mapInput(b);
    validating('validateMemoryMap(bytes)', () => efi.validateMemoryMap(bytes, where));
    const view = decoding('viewMemoryMap', () => efi.viewMemoryMap(bytes, where));
    if (view) {
      decoding('EfiMemoryMapView', () => {
        for (let i = 0; i < view.count; i++) touch(view.get(i));
        view.find(0x100000);
      });
    }
    const map = decoding('decodeMemoryMap', () => efi.decodeMemoryMap(bytes, where));
    if (!map) return;
    const out = decoding('encodeMemoryMap', () => efi.encodeMemoryMap(map));
    if (!out) throw new Violation('encodeMemoryMap refused what decodeMemoryMap gave');
    sameBytes('EFI memory map', bytes.subarray(0, out.length), out);
    validating('validateMemoryMap(map)', () => efi.validateMemoryMap(map));
    total('sortMemoryMap', () => efi.sortMemoryMap(map));
    decoding('mergeMemoryMap', () => efi.mergeMemoryMap(map));
    total('memoryMapTotals', () => efi.memoryMapTotals(map));
    total('findMemoryDescriptor', () => efi.findMemoryDescriptor(map, 0x100000n));
    total('linuxCleanMemoryMap', () => efi.linuxCleanMemoryMap(map));
    total('linuxEfiLog', () => efi.linuxEfiLog(map));
    total('linuxMemmapLines', () => efi.linuxMemmapLines(map));
    const e820 = decoding('toE820', () => efi.toE820(map));
    if (e820) decoding('fromE820', () => efi.fromE820(e820.entries));
    const pvhMap = decoding('toPvhMemmap', () => efi.toPvhMemmap(map));
    if (pvhMap) decoding('fromPvhMemmap', () => efi.fromPvhMemmap(pvhMap));
    decoding('toMultiboot2Mmap', () => efi.toMultiboot2Mmap(map));
    for (const d of map.descriptors) {
      total('attributeNames', () => efi.attributeNames(d.attribute));
      total('memoryTypeName', () => efi.memoryTypeName(d.type));
    }
  },
};

// ─── fdt ─────────────────────────────────────────────────────────────────

const fdtSeeds = (): Uint8Array[] => [...fixtures('fdt', /\.dtb(\.gz)?$/), fixture('linux-bootparams/qemu-test.dtb')];

const fdtBlob: Target = {
  name: 'fdt/blob',
  seeds: fdtSeeds,
  run(b) {
    total('detectFdt', () => fdt.detectFdt(b));
    const h = decoding('decodeFdtHeader', () => fdt.decodeFdtHeader(b));
    if (h) {
      const size = fdt.fdtHeaderSize(h.version);
      roundTrip('fdt_header', b.subarray(0, size), (x) => fdt.decodeFdtHeader(x), (x, into) => fdt.encodeFdtHeader(x, into));
    }
    const v = decoding('viewFdtHeader', () => fdt.viewFdtHeader(b));
    if (v) touch(v);
    const g = decoding('fdtGeometry', () => fdt.fdtGeometry(b));
    if (g) {
      const rsv = decoding('viewFdtReserveMap', () => fdt.viewFdtReserveMap(b, g));
      if (rsv) walkTable(rsv);
    }
    const cursor = decoding('fdtCursor', () => fdt.fdtCursor(b));
    if (cursor) {
      decoding('FdtCursor walk', () => {
        for (let n = 0; cursor.next() !== fdt.FDT_END; n++) {
          if (n > b.length) throw new Violation('FdtCursor did not end within input length steps');
        }
      });
    }
    decoding('fdtOutline', () => fdt.fdtOutline(b));
    decoding('fdtOutlineLines', () => fdt.fdtOutlineLines(b));
    validating('validateFdt', () => fdt.validateFdt(b));
    total('fdtCheckFull', () => fdt.fdtCheckFull(b));
  },
};

const fdtTree: Target = {
  name: 'fdt/tree',
  seeds: fdtSeeds,
  run(b) {
    const tree = decoding('decodeFdt', () => fdt.decodeFdt(b));
    decoding('dts', () => fdt.dts(b));
    if (!tree) return;
    total('toDts', () => fdt.toDts(tree));
    const out = decoding('encodeFdt', () => fdt.encodeFdt(tree));
    if (!out) throw new Violation('encodeFdt refused what decodeFdt gave');
    // The encoder's output is canonical: it decodes, and encodes to itself.
    const again = decoding('decodeFdt (re-encoded)', () => fdt.decodeFdt(out));
    if (!again) throw new Violation('encodeFdt wrote a blob decodeFdt refuses');
    sameBytes('FDT re-encoded', out, total('encodeFdt', () => fdt.encodeFdt(again)));
    if (!total('fdtCheckFull(encoded)', () => fdt.fdtCheckFull(out))) throw new Violation('encodeFdt wrote a blob fdtCheckFull refuses');
    total('findNode', () => fdt.findNode(tree, '/chosen'));
    total('resolveTreePath', () => fdt.resolveTreePath(tree.root, '/cpus/cpu@0'));
  },
};

const fdtOpen: Target = {
  name: 'fdt/openFdt',
  seeds: fdtSeeds,
  run(b) {
    const f = decoding('openFdt', () => fdt.openFdt(b));
    if (!f) return;
    decoding('Fdt methods', () => {
      void f.header;
      f.reservations();
      f.chosen();
      f.memory();
      f.alias('serial0');
      f.pathOffset('/cpus/cpu@0');
      f.nodeByCompatible('arm,pl011');
      f.nodeByPhandle(1);
      let n = 0;
      for (const node of f.nodes()) {
        if (++n > 2000) break;
        f.nodeName(node);
        f.nodePath(node);
        f.nodeDepth(node);
        f.parent(node);
        f.subnodes(node);
        f.properties(node);
        f.phandle(node);
        f.status(node);
        f.isEnabled(node);
        f.getStringList(node, 'compatible');
        f.getU32(node, '#address-cells');
        f.addressCells(node);
        f.sizeCells(node);
        f.reg(node);
        f.ranges(node);
      }
      const w = f.walk();
      for (let i = 0; w.next() !== fdt.FDT_END; i++) if (i > b.length) throw new Violation('Fdt.walk did not end');
    });
  },
};

const overlayBase = (): Uint8Array => fixture('fdt/overlay-base.dtb');

const fdtOverlay: Target = {
  name: 'fdt/overlay',
  seeds: () => [fixture('fdt/overlay.dtb'), fixture('fdt/overlay2.dtb')],
  run(b) {
    const base = overlayBase();
    validating('validateOverlay', () => fdt.validateOverlay(b));
    validating('validateOverlay(base)', () => fdt.validateOverlay(b, base));
    decoding('applyOverlayBlob', () => fdt.applyOverlayBlob(base, b));
    // The overlay as base too: a mutated base under a real overlay.
    decoding('applyOverlayBlob (as base)', () => fdt.applyOverlayBlob(b, fixture('fdt/overlay.dtb')));
  },
};

const fdtValues: Target = {
  name: 'fdt/values',
  seeds: () => [fdt.cellsValue([1, 2, 0xffffffff]), fdt.stringListValue(['a,b', 'c']), fdt.u64Value([0x1234n]), new Uint8Array([0, 1, 2])],
  run(b) {
    decoding('readCells', () => fdt.readCells(b));
    decoding('readStringList', () => fdt.readStringList(b));
    decoding('readString', () => fdt.readString(b));
    decoding('readU32', () => fdt.readU32(b));
    decoding('readU32OrU64', () => fdt.readU32OrU64(b));
    decoding('readNumber', () => fdt.readNumber(b, 1, 2));
    total('dtsValue', () => fdt.dtsValue(b));
    total('dtsValueForm', () => fdt.dtsValueForm(b));
  },
};

const fdtInPlace: Target = {
  name: 'fdt/inplace',
  seeds: fdtSeeds,
  run(b) {
    const copy = b.slice();
    const f = decoding('openFdt', () => fdt.openFdt(copy));
    if (!f) return;
    const nodes = decoding('nodes', () => f.nodes());
    if (!nodes || nodes.length === 0) return;
    const node = nodes[nodes.length >> 1] as number;
    const props = decoding('properties', () => f.properties(node)) ?? [];
    const prop = props[0];
    if (prop) {
      decoding('setPropertyInPlace', () => fdt.setPropertyInPlace(copy, prop.offset, new Uint8Array(prop.value.length)));
      decoding('nopProperty', () => fdt.nopProperty(copy, prop.offset));
    }
    decoding('nopNode', () => fdt.nopNode(copy, node));
    validating('validateFdt (after in-place edits)', () => fdt.validateFdt(copy));
  },
};

/**
 * The library's targets: they call only src/ (no Node), so the smoke pass runs
 * them in both vitest projects. The command line's targets are in
 * cli-targets.ts; `ALL_TARGETS` there is both lists.
 */
export const TARGETS: readonly Target[] = [
  coreElf,
  pvhStartInfo,
  pvhNote,
  pvhHandoff,
  mb1Header,
  mb1Info,
  mb1Handoff,
  mb2Header,
  mb2Info,
  mb2Handoff,
  linuxSetupHeader,
  linuxBootParams,
  linuxBzImage,
  linuxKernelInfo,
  linuxZeroPage,
  peHeaders,
  peDirectories,
  peWrite,
  peReplace,
  peBuildUki,
  peText,
  efiMemmap,
  fdtBlob,
  fdtTree,
  fdtOpen,
  fdtOverlay,
  fdtValues,
  fdtInPlace,
];

/** The target called `name` in `targets`. */
export function findTarget(targets: readonly Target[], name: string): Target {
  const t = targets.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target ${name}; targets: ${targets.map((x) => x.name).join(', ')}`);
  return t;
}

/** The library target called `name` (any target, the CLI's too: `findTarget(ALL_TARGETS, name)`, cli-targets.ts). */
export function targetByName(name: string): Target {
  return findTarget(TARGETS, name);
}
