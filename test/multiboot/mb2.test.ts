/**
 * Multiboot 2 by hand: layouts against GRUB's multiboot2.h, every tag type
 * 0–21 built, decoded and re-encoded byte for byte, the EFI memory map
 * through the efi-memmap module, the header tags, the cursor, and one broken
 * structure per validation rule.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, offsetsOf } from '../../src/core/index.js';
import {
  MB2_TAG_KINDS,
  MULTIBOOT2_HEADER_MAGIC,
  MULTIBOOT2_MMAP_ENTRY,
  MULTIBOOT2_TAG_APM,
  MULTIBOOT2_TAG_FRAMEBUFFER_COMMON,
  MULTIBOOT2_TAG_VBE,
  Mb2TagCursor,
  buildMb2Info,
  decodeMb2Header,
  decodeMb2Info,
  encodeMb2Header,
  encodeMb2Info,
  findMb2Header,
  mb2EfiMemoryMap,
  mb2HeaderChecksum,
  mb2Tag,
  mb2TagsFromSpec,
  readMb2Info,
  validateMb2Header,
  validateMb2Info,
  validateMb2InfoBytes,
  type Mb2Header,
  type Mb2InfoSpec,
} from '../../src/multiboot/index.js';

describe('layouts match GRUB include/multiboot2.h', () => {
  it('framebuffer common is 32 bytes (reserved is a u16), VBE 784, APM 28, mmap entry 24', () => {
    expect(MULTIBOOT2_TAG_FRAMEBUFFER_COMMON.size).toBe(32);
    expect(offsetsOf(MULTIBOOT2_TAG_FRAMEBUFFER_COMMON)).toMatchObject({ framebufferAddr: 8, framebufferPitch: 16, framebufferBpp: 28, framebufferType: 29, reserved: 30 });
    expect(offsetsOf(MULTIBOOT2_TAG_VBE)).toMatchObject({ vbeMode: 8, vbeInterfaceLen: 14, vbeControlInfo: 16, vbeModeInfo: 528 });
    expect(MULTIBOOT2_TAG_APM.size).toBe(28);
    expect(offsetsOf(MULTIBOOT2_MMAP_ENTRY)).toEqual({ addr: 0, len: 8, type: 16, zero: 20 });
  });
});

/** One EFI memory descriptor of 48 bytes (descriptor size as OVMF reports it). */
function efiMap(): Uint8Array {
  const b = new Uint8Array(96);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 7, true); // EfiConventionalMemory
  dv.setBigUint64(8, 0x100000n, true);
  dv.setBigUint64(24, 256n, true);
  dv.setBigUint64(32, 0xfn, true);
  dv.setUint32(48, 5, true); // EfiRuntimeServicesCode
  dv.setBigUint64(56, 0x7f000000n, true);
  dv.setBigUint64(72, 16n, true);
  dv.setBigUint64(80, 0x800000000000000fn, true);
  return b;
}

const everything: Mb2InfoSpec = {
  loadBaseAddr: 0x200000,
  cmdline: 'console=ttyS0 x=ü',
  bootLoaderName: 'bootproto',
  modules: [{ start: 0x400000, data: new Uint8Array([9, 8, 7]), string: 'initrd' }, { start: 0x401000, end: 0x402000 }],
  basicMeminfo: { memLower: 639, memUpper: 261120 },
  bootdev: { biosdev: 0x80, slice: 0, part: 0xffffffff },
  mmap: [{ addr: 0n, len: 0x9fc00n, type: 1 }, { addr: 0x100000n, len: 0x3ff00000n, type: 1 }, { addr: 0xfd00000000n, len: 0x300000000n, type: 2 }],
  elfSections: { num: 2, entsize: 64, shndx: 1, sections: new Uint8Array(128).fill(3) },
  framebuffer: { addr: 0x80000000n, pitch: 5120, width: 1280, height: 1024, bpp: 32, type: 1, rgb: { framebufferRedFieldPosition: 16, framebufferRedMaskSize: 8, framebufferGreenFieldPosition: 8, framebufferGreenMaskSize: 8, framebufferBlueFieldPosition: 0, framebufferBlueMaskSize: 8 } },
  vbe: { vbeMode: 0x118, vbeInterfaceSeg: 0xc000, vbeInterfaceOff: 0x10, vbeInterfaceLen: 0x20, vbeControlInfo: new Uint8Array(512).fill(1), vbeModeInfo: new Uint8Array(256).fill(2) },
  apm: { version: 0x102, cseg: 0xf000, offset: 0x1234, cseg16: 0xf000, dseg: 0xf000, flags: 3, csegLen: 0xfff0, cseg16Len: 0xfff0, dsegLen: 0xfff0 },
  efi32: 0x7fbee000,
  efi64: 0x7fbee018n,
  smbios: { major: 3, minor: 0, tables: new Uint8Array([0x5f, 0x53, 0x4d, 0x33, 0x5f]) },
  acpiOld: new TextEncoder().encode('RSD PTR \0\0\0\0\0\0\0\0\0\0\0\0'),
  acpiNew: new Uint8Array(36).fill(0x52),
  network: [new Uint8Array(300).fill(0x63)],
  efiMmap: { descrSize: 48, descrVers: 1, efiMmap: efiMap() },
  efiBs: true,
  efi32Ih: 0x7e000000,
  efi64Ih: 0x7e000000n,
  extraTags: [{ kind: 'unknown', type: 99, size: 0, data: new Uint8Array([1, 2, 3]) }],
};

describe('information: every tag type', () => {
  const memory = createPhysicalMemory([], { growable: true });
  const built = buildMb2Info(memory, everything, 0x10000);
  const info = readMb2Info(memory, built.infoPaddr);
  const bytes = memory.read(built.infoPaddr, built.totalSize);

  it('writes types 1–21 and an unknown one, each 8-byte aligned, and an end tag', () => {
    expect(info.tags.map((t) => t.type).sort((a, b) => a - b)).toEqual([1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 99]);
    expect(info.ended).toBe(true);
    expect(Object.keys(MB2_TAG_KINDS)).toHaveLength(22);
    const c = new Mb2TagCursor(bytes);
    while (c.next()) expect(c.offset % 8).toBe(0);
    expect(c.type).toBe(0);
  });

  it('decodes back to the description', () => {
    const spec = mb2TagsFromSpec(everything).map((t) => ({ ...t, size: expect.any(Number) as number }));
    expect(info.tags).toEqual(spec);
    expect(mb2Tag(info, 'unknown')?.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(mb2Tag(info, 'efi64')?.pointer).toBe(0x7fbee018n);
  });

  it('decode → encode gives the same bytes; validation is clean', () => {
    expect(encodeMb2Info(decodeMb2Info(bytes))).toEqual(bytes);
    expect(validateMb2Info(memory, built.infoPaddr).filter((p) => p.severity !== 'info')).toEqual([]);
    expect(validateMb2Info(memory, built.infoPaddr).map((p) => p.code)).toEqual(['UNKNOWN_TAG']);
  });

  it('the EFI memory map decodes through the efi-memmap module, descriptor size 48', () => {
    const tag = mb2Tag(info, 'efi-mmap');
    if (tag === undefined) throw new Error('no efi-mmap tag');
    const map = mb2EfiMemoryMap(tag);
    expect(map.descriptorSize).toBe(48);
    expect(map.descriptors.map((d) => [d.type, d.physicalStart, d.numberOfPages])).toEqual([
      [7, 0x100000n, 256n],
      [5, 0x7f000000n, 16n],
    ]);
  });

  it('garbage padding is read and written back', () => {
    const copy = bytes.slice();
    const first = new Mb2TagCursor(copy);
    first.next();
    first.next(); // cmdline: 8 + 19 bytes, so padding follows
    const padAt = first.offset + first.size;
    copy.fill(0xa5, padAt, (padAt + 7) & ~7);
    const decoded = decodeMb2Info(copy);
    expect(decoded.tags[1]?.padding?.every((b) => b === 0xa5)).toBe(true);
    expect(encodeMb2Info(decoded)).toEqual(copy);
    expect(validateMb2InfoBytes(copy).filter((p) => p.severity !== 'info')).toEqual([]);
  });
});

describe('header', () => {
  const header = (tags: Mb2Header['tags']): Uint8Array => {
    const len = 16 + tags.reduce((a, t) => a + ((t.size + 7) & ~7), 0);
    return encodeMb2Header({ magic: MULTIBOOT2_HEADER_MAGIC, architecture: 0, headerLength: len, checksum: mb2HeaderChecksum(0, len), tags });
  };
  const all: Mb2Header['tags'] = [
    { kind: 'information-request', type: 1, flags: 0, size: 20, requests: [1, 3, 6] },
    { kind: 'address', type: 2, flags: 0, size: 24, headerAddr: 0x100000, loadAddr: 0x100000, loadEndAddr: 0x110000, bssEndAddr: 0x120000 },
    { kind: 'entry-address', type: 3, flags: 0, size: 12, entryAddr: 0x100040 },
    { kind: 'console-flags', type: 4, flags: 1, size: 12, consoleFlags: 2 },
    { kind: 'framebuffer', type: 5, flags: 1, size: 20, width: 1024, height: 768, depth: 32 },
    { kind: 'module-align', type: 6, flags: 0, size: 8 },
    { kind: 'efi-bs', type: 7, flags: 1, size: 8 },
    { kind: 'entry-address-efi32', type: 8, flags: 1, size: 12, entryAddr: 0x100080 },
    { kind: 'entry-address-efi64', type: 9, flags: 1, size: 12, entryAddr: 0x1000c0 },
    { kind: 'relocatable', type: 10, flags: 1, size: 24, minAddr: 0x200000, maxAddr: 0xffffffff, align: 0x200000, preference: 2 },
    { kind: 'end', type: 0, flags: 0, size: 8 },
  ];

  it('every header tag round-trips and validates', () => {
    const bytes = header(all);
    const image = new Uint8Array(4096);
    image.set(bytes, 1024);
    const found = findMb2Header(image);
    expect(found?.offset).toBe(1024);
    expect(found?.header.tags).toEqual(all);
    expect(encodeMb2Header(decodeMb2Header(bytes))).toEqual(bytes);
    expect(validateMb2Header(image)).toEqual([]);
  });

  it('8-byte alignment, the 32 KiB window and the checksum are required', () => {
    const bytes = header(all);
    const img = new Uint8Array(40000);
    img.set(bytes, 1028);
    expect(findMb2Header(img)).toBeUndefined();
    img.set(bytes, 32768);
    expect(findMb2Header(img)).toBeUndefined();
    const bad = bytes.slice();
    bad[12] = (bad[12] ?? 0) ^ 1;
    expect(validateMb2Header(bad)).toMatchObject([{ code: 'BAD_CHECKSUM' }]);
  });

  it('an unknown required tag is an error, an optional one a warning; other rules', () => {
    const withUnknown = header([{ kind: 'unknown', type: 42, flags: 0, size: 8, data: new Uint8Array(0) }, { kind: 'unknown', type: 43, flags: 1, size: 12, data: new Uint8Array(4) }, { kind: 'end', type: 0, flags: 0, size: 8 }]);
    expect(validateMb2Header(withUnknown).map((p) => p.code)).toEqual(['UNKNOWN_REQUIRED_TAG', 'UNKNOWN_OPTIONAL_TAG']);
    const noEnd = header([{ kind: 'module-align', type: 6, flags: 0, size: 8 }]);
    expect(validateMb2Header(noEnd).map((p) => p.code)).toEqual(['NO_END_TAG']);
    const reloc = header([{ kind: 'relocatable', type: 10, flags: 0, size: 24, minAddr: 5, maxAddr: 4, align: 3, preference: 7 }, { kind: 'end', type: 0, flags: 0, size: 8 }]);
    expect(validateMb2Header(reloc).map((p) => p.code)).toEqual(['BAD_RELOCATABLE', 'BAD_RELOCATABLE', 'BAD_RELOCATABLE']);
    const req = header([{ kind: 'information-request', type: 1, flags: 0, size: 12, requests: [77] }, { kind: 'end', type: 0, flags: 0, size: 8 }]);
    expect(validateMb2Header(req).map((p) => p.code)).toEqual(['UNKNOWN_REQUEST']);
  });
});

describe('information validation, one rule at a time', () => {
  const good = (): Uint8Array => encodeMb2Info({ tags: mb2TagsFromSpec({ cmdline: 'x', modules: [{ start: 0x1000, end: 0x2000 }, { start: 0x3000, end: 0x4000 }], mmap: [{ addr: 0n, len: 0x1000n, type: 1 }] }) });
  const at = (b: Uint8Array): { c: Mb2TagCursor; dv: DataView } => ({ c: new Mb2TagCursor(b), dv: new DataView(b.buffer, b.byteOffset) });
  const seek = (b: Uint8Array, type: number, nth = 0): number => {
    const c = new Mb2TagCursor(b);
    let n = 0;
    while (c.next()) if (c.type === type && n++ === nth) return c.offset;
    throw new Error('no tag');
  };
  const codes = (b: Uint8Array, o = {}): string[] => validateMb2InfoBytes(b, 0, o).map((p) => p.code);

  it('clean', () => expect(codes(good())).toEqual([]));
  it('TAG_PAST_END, TAG_TOO_SMALL, NO_END_TAG', () => {
    const b = good();
    const { dv } = at(b);
    dv.setUint32(seek(b, 1) + 4, 0x1000, true);
    expect(codes(b)).toEqual(['TAG_PAST_END', 'NO_END_TAG']);
    expect(() => decodeMb2Info(b)).toThrow(BootprotoError);
    const b2 = good();
    new DataView(b2.buffer).setUint32(seek(b2, 1) + 4, 4, true);
    expect(codes(b2)).toEqual(['TAG_TOO_SMALL', 'NO_END_TAG']);
    expect(() => {
      const c = new Mb2TagCursor(b2);
      while (c.next());
    }).toThrow(BootprotoError);
  });
  it('mmap entry size too small, modules overlapping or reversed, overlap with the info', () => {
    const b = good();
    new DataView(b.buffer).setUint32(seek(b, 6) + 8, 16, true);
    expect(codes(b)).toEqual(['MMAP_ENTRY_SIZE_TOO_SMALL']);
    const b2 = good();
    new DataView(b2.buffer).setUint32(seek(b2, 3, 1) + 8, 0x1800, true);
    expect(codes(b2)).toEqual(['OVERLAP']);
    new DataView(b2.buffer).setUint32(seek(b2, 3, 1) + 12, 0x1000, true);
    expect(codes(b2)).toEqual(['MODULE_END_BEFORE_START']);
    expect(codes(good(), { paddr: 0x1800n, moduleAlign: true })).toEqual(['OVERLAP']);
    expect(codes(good(), { paddr: 0x1804n })).toEqual(['UNALIGNED', 'OVERLAP']);
  });
  it('unterminated string, reserved field, total_size', () => {
    const b = good();
    const o = seek(b, 1);
    b[o + 8 + 1] = 0x41; // overwrite the NUL of "x"
    expect(codes(b)).toEqual(['UNTERMINATED']);
    const b2 = good();
    new DataView(b2.buffer).setUint32(4, 1, true);
    expect(codes(b2)).toEqual(['RESERVED_NONZERO']);
    expect(codes(b2.subarray(0, 20))).toContain('TRUNCATED');
  });
  it('a structure of only tags of size 8 is walked in total_size / 8 steps at most', () => {
    const b = new Uint8Array(8 + 8 * 1000);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, b.length, true);
    for (let o = 8; o < b.length; o += 8) {
      dv.setUint32(o, 18, true);
      dv.setUint32(o + 4, 8, true);
    }
    expect(decodeMb2Info(b).tags).toHaveLength(1000);
    expect(codes(b)).toContain('NO_END_TAG');
  });
});
