/**
 * Multiboot 1 by hand: every flag's part built, decoded and re-encoded;
 * layouts against GRUB's multiboot.h offsets; header search rules; one
 * broken structure per validation rule.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, offsetsOf, type PhysicalMemory } from '../../src/core/index.js';
import {
  MULTIBOOT_APM_INFO,
  MULTIBOOT_AOUT_KLUDGE,
  MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED,
  MULTIBOOT_FRAMEBUFFER_TYPE_RGB,
  MULTIBOOT_HEADER,
  MULTIBOOT_HEADER_MAGIC,
  MULTIBOOT_INFO,
  MULTIBOOT_INFO_AOUT_SYMS,
  MULTIBOOT_INFO_ELF_SHDR,
  MULTIBOOT_MMAP_ENTRY,
  MULTIBOOT_MOD_LIST,
  MULTIBOOT_VIDEO_MODE,
  buildMb1Info,
  decodeMb1Handoff,
  decodeMb1Header,
  decodeMb1Info,
  encodeMb1Header,
  encodeMb1Info,
  findMb1Header,
  mb1AoutLoad,
  mb1Checksum,
  validateMb1Handoff,
  validateMb1Header,
  type Mb1InfoSpec,
} from '../../src/multiboot/index.js';

describe('layouts match GRUB include/multiboot.h', () => {
  it('multiboot_header', () => {
    expect(offsetsOf(MULTIBOOT_HEADER)).toEqual({
      magic: 0, flags: 4, checksum: 8, headerAddr: 12, loadAddr: 16, loadEndAddr: 20, bssEndAddr: 24, entryAddr: 28, modeType: 32, width: 36, height: 40, depth: 44,
    });
  });
  it('multiboot_info: 116 bytes, framebuffer at 88, color_info at 110', () => {
    const o = offsetsOf(MULTIBOOT_INFO);
    expect(MULTIBOOT_INFO.size).toBe(116);
    expect(o).toMatchObject({ cmdline: 16, modsAddr: 24, syms: 28, mmapLength: 44, drivesAddr: 56, configTable: 60, bootLoaderName: 64, apmTable: 68, vbeControlInfo: 72, vbeMode: 80, vbeInterfaceLen: 86, framebufferAddr: 88, framebufferPitch: 96, framebufferBpp: 108, framebufferType: 109, colorInfo: 110 });
  });
  it('entries', () => {
    expect(MULTIBOOT_MMAP_ENTRY.size).toBe(24);
    expect(offsetsOf(MULTIBOOT_MMAP_ENTRY)).toEqual({ size: 0, addr: 4, len: 12, type: 20 });
    expect(MULTIBOOT_MOD_LIST.size).toBe(16);
    expect(MULTIBOOT_APM_INFO.size).toBe(20);
    expect(offsetsOf(MULTIBOOT_APM_INFO)).toMatchObject({ offset: 4, cseg16: 8, dsegLen: 18 });
  });
});

describe('header', () => {
  const header = (flags: number, extra: Record<string, number> = {}) => ({ magic: MULTIBOOT_HEADER_MAGIC, flags, checksum: mb1Checksum(flags), ...extra });

  it('is found at 4-byte alignment only, within 8192 bytes, with a right checksum', () => {
    const img = new Uint8Array(16384);
    encodeMb1Header(header(3), img, 0x102); // not aligned
    expect(findMb1Header(img)).toBeUndefined();
    encodeMb1Header({ ...header(3), checksum: 1 }, img, 0x200); // bad checksum
    expect(findMb1Header(img)).toBeUndefined();
    expect(validateMb1Header(img)).toMatchObject([{ code: 'BAD_CHECKSUM' }]);
    encodeMb1Header(header(3), img, 8192); // too far
    expect(findMb1Header(img)).toBeUndefined();
    encodeMb1Header(header(3), img, 8180);
    expect(findMb1Header(img)?.offset).toBe(8180);
    expect(validateMb1Header(new Uint8Array(100))).toMatchObject([{ code: 'NOT_FOUND' }]);
  });

  it('fields appear as the flags enable them', () => {
    const v = header(MULTIBOOT_VIDEO_MODE, { modeType: 1, width: 80, height: 25, depth: 0 });
    const bytes = encodeMb1Header(v);
    expect(bytes.length).toBe(48);
    expect(decodeMb1Header(bytes)).toEqual(v); // the address fields are bytes 12-31 but not valid without flag 16
    expect(encodeMb1Header(header(0)).length).toBe(12);
    expect(() => decodeMb1Header(encodeMb1Header(header(MULTIBOOT_AOUT_KLUDGE)).subarray(0, 20))).toThrow(BootprotoError);
  });

  it('unknown requirement bits are an error, unknown optional bits a warning', () => {
    const img = new Uint8Array(64);
    encodeMb1Header(header(0x8 | 0x20000), img);
    expect(validateMb1Header(img).map((p) => [p.severity, p.code])).toEqual([
      ['error', 'UNKNOWN_REQUIRED_FLAGS'],
      ['warning', 'UNKNOWN_OPTIONAL_FLAGS'],
    ]);
  });

  it('a.out kludge: load plan and its checks', () => {
    const img = new Uint8Array(0x3000);
    const h = header(MULTIBOOT_AOUT_KLUDGE, { headerAddr: 0x100040, loadAddr: 0x100000, loadEndAddr: 0x102000, bssEndAddr: 0x104000, entryAddr: 0x100100 });
    encodeMb1Header(h, img, 0x40);
    const found = findMb1Header(img);
    expect(found && mb1AoutLoad(img, found)).toEqual({ fileOffset: 0, loadAddr: 0x100000, loadSize: 0x2000, bssEnd: 0x104000, entry: 0x100100 });
    expect(validateMb1Header(img)).toEqual([]);
    encodeMb1Header({ ...h, loadAddr: 0x100080 }, img, 0x40);
    expect(validateMb1Header(img)).toMatchObject([{ code: 'BAD_AOUT_FIELDS', field: 'load_addr' }]);
    encodeMb1Header({ ...h, loadEndAddr: 0x200000 }, img, 0x40);
    expect(validateMb1Header(img)).toMatchObject([{ code: 'BAD_AOUT_FIELDS', field: 'load_end_addr' }]);
    encodeMb1Header({ ...h, entryAddr: 0x300000 }, img, 0x40);
    expect(validateMb1Header(img)).toMatchObject([{ code: 'ENTRY_OUTSIDE_LOAD', severity: 'warning' }]);
  });
});

/** Every part of the information, so that every flag is set (a.out or ELF symbols, one at a time). */
function fullSpec(syms: 'aout' | 'elf', fbType: number): Mb1InfoSpec {
  const spec: Mb1InfoSpec = {
    memory: { lower: 639, upper: 130048 },
    bootDevice: { drive: 0x80, part1: 1, part2: 0xff, part3: 0xff },
    cmdline: 'kernel.elf root=/dev/sda1 ünïcode',
    modules: [
      { start: 0x200000, data: new Uint8Array([1, 2, 3, 4, 5]), string: 'initrd.img' },
      { start: 0x201000, end: 0x201010, string: '' },
      { start: 0x202000, end: 0x202000 + 7 },
    ],
    mmap: [
      { addr: 0n, len: 0x9fc00n, type: 1 },
      { addr: 0x9fc00n, len: 0x400n, type: 2, size: 28 },
      { addr: 0x100000n, len: 0x7ee0000n, type: 1 },
      { addr: 0xfd00000000n, len: 0x300000000n, type: 2 },
    ],
    drives: [
      { driveNumber: 0x80, driveMode: 1, driveCylinders: 1024, driveHeads: 16, driveSectors: 63, drivePorts: [0x1f0, 0x3f6] },
      { driveNumber: 0x81, driveMode: 0, driveCylinders: 80, driveHeads: 2, driveSectors: 18, drivePorts: [], size: 16 },
    ],
    configTable: new Uint8Array([8, 0, 0xfc, 0, 1, 0x74, 0x40, 0, 0, 0]),
    bootLoaderName: 'bootproto test',
    apm: { version: 0x102, cseg: 0xf000, offset: 0xd1b8, cseg16: 0xf000, dseg: 0xf000, flags: 3, csegLen: 0xfff0, cseg16Len: 0xfff0, dsegLen: 0xfff0 },
    vbe: { mode: 0x4118, interfaceSeg: 0xc000, interfaceOff: 0x1234, interfaceLen: 0x50, controlInfo: new Uint8Array(512).fill(0x56), modeInfo: new Uint8Array(256).fill(0x4d) },
    framebuffer: {
      addr: 0xfd000000n, pitch: 4096, width: 1024, height: 768, bpp: fbType === MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED ? 8 : 32, type: fbType,
      ...(fbType === MULTIBOOT_FRAMEBUFFER_TYPE_INDEXED ? { palette: [{ red: 0, green: 0, blue: 0 }, { red: 255, green: 128, blue: 1 }] } : {}),
      ...(fbType === MULTIBOOT_FRAMEBUFFER_TYPE_RGB ? { rgb: { framebufferRedFieldPosition: 16, framebufferRedMaskSize: 8, framebufferGreenFieldPosition: 8, framebufferGreenMaskSize: 8, framebufferBlueFieldPosition: 0, framebufferBlueMaskSize: 8 } } : {}),
    },
  };
  if (syms === 'elf') spec.elfSections = { num: 3, size: 40, shndx: 2, headers: new Uint8Array(120).map((_, i) => i) };
  else spec.aoutSyms = { tabsize: 24, strsize: 8, bytes: new Uint8Array([24, 0, 0, 0, ...new Array(24).fill(7), 8, 0, 0, 0, 97, 0, 98, 0, 0, 0, 0, 0]) };
  return spec;
}

describe('information: every flag', () => {
  for (const [syms, fb] of [['elf', 0], ['aout', 1], ['elf', 2]] as const) {
    it(`builds, decodes back to the description, validates (${syms} symbols, framebuffer type ${fb})`, () => {
      const memory = createPhysicalMemory([], { growable: true });
      const spec = fullSpec(syms, fb);
      const built = buildMb1Info(memory, spec, { info: 0x9000, data: 0x10000 });
      const h = decodeMb1Handoff(memory, built.infoPaddr);
      expect(h.info.flags).toBe(0x1fff & ~(syms === 'elf' ? MULTIBOOT_INFO_AOUT_SYMS : MULTIBOOT_INFO_ELF_SHDR));
      expect(h.memory).toEqual(spec.memory);
      expect(h.bootDevice).toEqual(spec.bootDevice);
      expect(h.cmdline).toBe(spec.cmdline);
      expect(h.modules?.map((m) => [m.modStart, m.modEnd, m.string])).toEqual([
        [0x200000, 0x200005, 'initrd.img'],
        [0x201000, 0x201010, ''],
        [0x202000, 0x202007, undefined],
      ]);
      expect(h.mmap?.map((e) => [e.size, e.addr, e.len, e.type])).toEqual(spec.mmap?.map((e) => [e.size ?? 20, e.addr, e.len, e.type]));
      expect(h.drives?.map((d) => d.drivePorts)).toEqual([[0x1f0, 0x3f6], []]);
      expect(h.drives?.[1]?.size).toBe(16);
      expect(h.configTable).toEqual(spec.configTable);
      expect(h.bootLoaderName).toBe(spec.bootLoaderName);
      expect(h.apm).toEqual(spec.apm);
      expect(h.vbe).toMatchObject({ mode: 0x4118, interfaceSeg: 0xc000, controlInfo: spec.vbe?.controlInfo, modeInfo: spec.vbe?.modeInfo });
      expect(h.framebuffer).toMatchObject({ addr: 0xfd000000n, type: fb });
      if (fb === 0) expect(h.framebuffer?.palette?.colors).toEqual(spec.framebuffer?.palette);
      if (fb === 1) expect(h.framebuffer?.rgb).toEqual(spec.framebuffer?.rgb);
      if (syms === 'elf') expect(h.elfSections?.headers).toEqual(spec.elfSections?.headers);
      else expect(h.aoutSyms?.bytes).toEqual(spec.aoutSyms?.bytes);
      expect(validateMb1Handoff(memory, built.infoPaddr).filter((p) => p.code !== 'EMPTY_MODULE')).toEqual([]);
      const bytes = memory.read(built.infoPaddr, 116);
      expect(encodeMb1Info(decodeMb1Info(bytes))).toEqual(bytes);
    });
  }

  it('fields whose flag is clear are not decoded, whatever they hold', () => {
    const b = new Uint8Array(88).fill(0xee);
    b.set([1, 0, 0, 0]);
    expect(decodeMb1Info(b)).toEqual({ flags: 1, memLower: 0xeeeeeeee, memUpper: 0xeeeeeeee });
  });

  it('the builder refuses overlapping pieces and writes nothing', () => {
    const memory = createPhysicalMemory([], { growable: true });
    expect(() => buildMb1Info(memory, { modules: [{ start: 0x9000, data: new Uint8Array(8) }] }, { info: 0x9000 })).toThrow(BootprotoError);
    expect(memory.regions()).toEqual([]);
  });
});

/** A valid handoff to break, one rule at a time. */
function base(): { memory: PhysicalMemory; info: number } {
  const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x40000) }]);
  buildMb1Info(memory, { memory: { lower: 639, upper: 1000 }, cmdline: 'k', modules: [{ start: 0x20000, end: 0x21000, string: 'm0' }, { start: 0x22000, end: 0x23000 }], mmap: [{ addr: 0n, len: 0x9fc00n, type: 1 }, { addr: 0x100000n, len: 0x100000n, type: 1 }] }, { info: 0x1000 });
  return { memory, info: 0x1000 };
}
const poke32 = (m: PhysicalMemory, at: number, v: number): void => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  m.write(at, b);
};
const u32of = (m: PhysicalMemory, at: number): number => new DataView(m.read(at, 4).slice().buffer).getUint32(0, true);
const codes = (m: PhysicalMemory, at: number, opts = {}): string[] => validateMb1Handoff(m, at, opts).map((p) => p.code);

describe('validation, one rule at a time', () => {
  it('the base is clean', () => {
    const { memory, info } = base();
    expect(validateMb1Handoff(memory, info)).toEqual([]);
  });
  it('SYMS_CONFLICT, UNKNOWN_FLAGS, MEM_LOWER_TOO_BIG, UNALIGNED', () => {
    const { memory, info } = base();
    poke32(memory, info, u32of(memory, info) | 0x30 | 0x8000);
    poke32(memory, info + 4, 700);
    expect(codes(memory, info)).toEqual(expect.arrayContaining(['SYMS_CONFLICT', 'UNKNOWN_FLAGS', 'MEM_LOWER_TOO_BIG']));
    expect(codes(memory, info + 2)).toContain('UNALIGNED');
  });
  it('modules: end before start, overlap, unaligned, padding, overlap with the info', () => {
    const { memory, info } = base();
    const mods = u32of(memory, info + 24);
    poke32(memory, mods + 4, 0x1f000);
    expect(codes(memory, info)).toContain('MODULE_END_BEFORE_START');
    poke32(memory, mods + 4, 0x22800);
    expect(codes(memory, info)).toContain('OVERLAP');
    poke32(memory, mods, 0x1000);
    expect(codes(memory, info)).toContain('OVERLAP');
    poke32(memory, mods, 0x20010);
    poke32(memory, mods + 4, 0x21000);
    poke32(memory, mods + 12, 5);
    expect(codes(memory, info, { pageAlign: true })).toEqual(['MODULE_UNALIGNED', 'RESERVED_NONZERO']);
  });
  it('mmap: entry size too small, truncated, unknown type, overlap', () => {
    const { memory, info } = base();
    const mmap = u32of(memory, info + 48);
    poke32(memory, mmap + 24 + 20, 9);
    expect(codes(memory, info)).toEqual(['UNKNOWN_TYPE']);
    poke32(memory, mmap + 24 + 20, 1);
    poke32(memory, mmap + 24 + 4, 0x1000);
    expect(codes(memory, info)).toEqual(['MMAP_OVERLAP']);
    poke32(memory, mmap, 12);
    expect(codes(memory, info)).toEqual(['MMAP_ENTRY_TOO_SMALL']);
    poke32(memory, mmap, 20);
    poke32(memory, info + 44, 40);
    expect(codes(memory, info)).toEqual(['MMAP_TRUNCATED']);
    expect(() => decodeMb1Handoff(memory, info)).toThrow(BootprotoError);
  });
  it('counts and strings: LIMIT, MISSING_ADDRESS, UNMAPPED, UNTERMINATED', () => {
    const { memory, info } = base();
    poke32(memory, info + 20, 100000);
    expect(codes(memory, info)).toEqual(['LIMIT']);
    poke32(memory, info + 20, 2);
    poke32(memory, info + 24, 0);
    expect(codes(memory, info)).toEqual(['MISSING_ADDRESS']);
    poke32(memory, info + 24, 0x3fff8);
    expect(codes(memory, info)).toEqual(['UNMAPPED']);
    const m2 = base();
    m2.memory.write(0x3ffff, new Uint8Array([65]));
    poke32(m2.memory, m2.info + 16, 0x3ffff);
    expect(codes(m2.memory, m2.info)).toEqual(['UNTERMINATED']);
  });
});
