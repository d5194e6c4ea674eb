import { readBytes } from '../helpers/files.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import {
  CAN_USE_HEAP,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  SETUP_DTB,
  SETUP_E820_EXT,
  buildZeroPage,
  checkLoaderResult,
  decodeLoaderId,
  detectBootParams,
  detectBzImage,
  encodeLoaderId,
  validateBootParams,
  validateZeroPageInMemory,
  vgaMode,
  walkSetupData,
  writeZeroPage,
  type BootE820Entry,
} from '../../src/linux-bootparams/index.js';

const head = readBytes('test/fixtures/linux-bootparams/vmlinuz-head.bin');
const MiB = 0x100000n;
const map128M: BootE820Entry[] = [
  { addr: 0n, size: 0x9fc00n, type: E820_TYPE_RAM },
  { addr: 0x9fc00n, size: 0x400n, type: E820_TYPE_RESERVED },
  { addr: 0xf0000n, size: 0x10000n, type: E820_TYPE_RESERVED },
  { addr: MiB, size: 127n * MiB, type: E820_TYPE_RAM },
];
const codes = (b: { problems: { code: string }[] }): string[] => b.problems.map((p) => p.code);

describe('building the zero page for the real Debian kernel', () => {
  const base = {
    image: head,
    cmdline: 'console=ttyS0 root=/dev/vda ro vga=0x317',
    cmdlinePaddr: 0x20000n,
    initrd: { paddr: 120n * MiB, size: 4n * MiB },
    zeroPagePaddr: 0x7000n,
    e820: map128M,
  };

  it('follows boot.rst: header copied, loader fields set, nothing else', () => {
    const built = buildZeroPage(base);
    expect(built.problems).toEqual([]);
    const bp = built.bootParams;
    expect(bp.hdr.version).toBe(0x20f);
    expect(bp.hdr.typeOfLoader).toBe(0xff);
    expect(bp.hdr.cmdLinePtr).toBe(0x20000);
    expect(bp.hdr.ramdiskImage).toBe(120 * 0x100000);
    expect(bp.hdr.ramdiskSize).toBe(4 * 0x100000);
    expect(bp.hdr.vidMode).toBe(0x317);
    expect(bp.hdr.payloadLength).toBe(new DataView(head.buffer).getUint32(0x24c, true));
    expect(bp.sentinel).toBe(0);
    expect(bp.e820Entries).toBe(4);
    expect(bp.e820Table).toEqual(map128M);
    expect(bp.hdr.setupData).toBe(0n);
    // bytes outside the header and the loader's fields are zero
    expect(built.zeroPage.subarray(0x26c, 0x290).every((x) => x === 0)).toBe(true);
    expect(validateBootParams(built.zeroPage).filter((p) => p.severity === 'error')).toEqual([]);
    expect(detectBootParams(built.zeroPage)).toBe(true);
    expect(detectBootParams(head)).toBe(false);
    expect(detectBootParams(head.subarray(0, 4096))).toBe(false); // MZ
    expect(detectBzImage(head)).toBe(true);
    // written into memory, the in-memory validation agrees and finds the command line
    const mem = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x40000) }]);
    writeZeroPage(mem, built);
    const f = validateZeroPageInMemory(mem, 0x7000n);
    expect(f.cmdline).toBe(base.cmdline);
    expect(f.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('puts e820 entries beyond 128 into a SETUP_E820_EXT node and adds the caller\'s nodes after it', () => {
    const map: BootE820Entry[] = [];
    for (let i = 0; i < 200; i++) map.push({ addr: BigInt(i) * 0x10000000n + 0x100000000n, size: 0x1000000n, type: E820_TYPE_RAM });
    const all = [...map128M, ...map];
    const dtb = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 8]);
    const built = buildZeroPage({ ...base, e820: all, e820ExtPaddr: 0x30000n, setupData: [{ paddr: 0x38000n, type: SETUP_DTB, data: dtb }] });
    expect(codes(built)).toEqual([]);
    expect(built.bootParams.e820Entries).toBe(128);
    expect(built.bootParams.hdr.setupData).toBe(0x30000n);
    const mem = createPhysicalMemory([], { growable: true });
    writeZeroPage(mem, built);
    const nodes = walkSetupData(mem, 0x30000n);
    expect(nodes.map((n) => n.typeName)).toEqual(['SETUP_E820_EXT', 'SETUP_DTB']);
    const ext = nodes[0]?.payload;
    expect(ext?.kind === 'SETUP_E820_EXT' ? ext.entries : []).toEqual(all.slice(128));
    expect(buildZeroPage({ ...base, e820: all }).problems.map((p) => p.code)).toContain('MISSING_ADDRESS');
    expect(nodes[0]?.type).toBe(SETUP_E820_EXT);
  });

  it('checks every rule a loader must keep', () => {
    expect(codes(buildZeroPage({ ...base, cmdline: 'x'.repeat(2048) }))).toContain('CMDLINE_TOO_LONG');
    expect(codes(buildZeroPage({ ...base, cmdline: 'x'.repeat(2047) }))).not.toContain('CMDLINE_TOO_LONG');
    expect(codes(buildZeroPage({ ...base, initrd: { paddr: 20n * MiB, size: MiB } }))).toContain('OVERLAP'); // inside init_size
    expect(codes(buildZeroPage({ ...base, initrd: { paddr: 200n * MiB, size: MiB } }))).toContain('NOT_IN_RAM');
    expect(codes(buildZeroPage({ ...base, kernelPaddr: 0x1100000n }))).toContain('KERNEL_UNALIGNED');
    expect(codes(buildZeroPage({ ...base, cmdlinePaddr: 0x7800n }))).toContain('OVERLAP'); // inside the zero page
    // a kernel without XLF_CAN_BE_LOADED_ABOVE_4G: the initrd must stay below initrd_addr_max and 4 GiB
    const low = head.slice();
    new DataView(low.buffer).setUint16(0x236, 0x1, true);
    new DataView(low.buffer).setUint32(0x22c, 0x37ffffff, true);
    const big = [...map128M, { addr: 0x100000000n, size: 0x100000000n, type: E820_TYPE_RAM }];
    const r = buildZeroPage({ ...base, image: low, e820: big, initrd: { paddr: 0x100000000n, size: MiB } });
    expect(codes(r)).toEqual(expect.arrayContaining(['INITRD_ABOVE_MAX', 'ABOVE_4G']));
    expect(codes(buildZeroPage({ ...base, image: low, initrd: { paddr: 0x37f00000n, size: 2n * MiB } }))).toContain('INITRD_ABOVE_MAX');
    // with the flag, the ext_ halves carry the high bits
    const hi = buildZeroPage({ ...base, e820: big, initrd: { paddr: 0x100000000n, size: MiB } });
    expect(codes(hi)).toEqual([]);
    expect(hi.bootParams.extRamdiskImage).toBe(1);
    expect(hi.bootParams.hdr.ramdiskImage).toBe(0);
  });

  it('writes only fields the kernel\'s protocol version has', () => {
    const old = head.slice();
    new DataView(old.buffer).setUint16(0x206, 0x0208, true);
    const r = buildZeroPage({ ...base, image: old, setupData: [{ paddr: 0x30000n, type: SETUP_DTB, data: new Uint8Array(8) }] });
    expect(codes(r)).toContain('VERSION_GATED');
    expect(r.bootParams.hdr.setupData).toBe(0n);
    const ancient = head.slice();
    new DataView(ancient.buffer).setUint16(0x206, 0x0201, true);
    expect(codes(buildZeroPage({ ...base, image: ancient }))).toContain('PROTOCOL_TOO_OLD');
  });

  it('fills efi_info, screen_info and hardware_subarch for an EFI loader', () => {
    const r = buildZeroPage({
      ...base,
      efi: { bits: 64, systab: 0x1_7fe0_0018n, memmap: 0x7f00_0000n, memmapSize: 48 * 20, memdescSize: 48, memdescVersion: 1 },
      screenInfo: { origVideoIsVga: 0x70, lfbWidth: 1024, lfbHeight: 768, lfbDepth: 32, lfbBase: 0x8000_0000, lfbLinelength: 4096 },
      hardwareSubarch: 0,
    });
    expect(codes(r)).toEqual([]);
    expect(r.bootParams.efiInfo).toEqual({
      efiLoaderSignature: 0x34364c45, efiSystab: 0x7fe00018, efiMemdescSize: 48, efiMemdescVersion: 1,
      efiMemmap: 0x7f000000, efiMemmapSize: 960, efiSystabHi: 1, efiMemmapHi: 0,
    });
    expect(r.bootParams.screenInfo).toMatchObject({ origVideoIsVga: 0x70, lfbWidth: 1024, lfbBase: 0x80000000, origX: 0 });
    expect(codes(buildZeroPage({ ...base, efi: { bits: 32, systab: 0x1_0000_0000n, memmap: 0n, memmapSize: 50, memdescSize: 48, memdescVersion: 1 } }))).toEqual(['ABOVE_4G', 'BAD_EFI_MEMMAP']);
  });

  it('sets heap_end_ptr with CAN_USE_HEAP for a 16-bit entry', () => {
    const r = buildZeroPage({ ...base, heapEnd: 0xe000, loader: { id: 0xb, version: 0 } });
    expect(r.bootParams.hdr.heapEndPtr).toBe(0xde00);
    expect(r.bootParams.hdr.loadflags & CAN_USE_HEAP).toBe(CAN_USE_HEAP);
    expect(r.bootParams.hdr.typeOfLoader).toBe(0xb0);
    expect(codes(buildZeroPage({ ...base, heapEnd: 0xe000, cmdlinePaddr: 0x200000n }))).toContain('CMDLINE_HIGH');
  });
});

describe('loader ids and vga=', () => {
  it('encodes boot.rst\'s example T = 0x15, V = 0x234 as 0xE4, 0x05, 0x23', () => {
    expect(encodeLoaderId({ id: 0x15, version: 0x234 })).toEqual({ typeOfLoader: 0xe4, extLoaderType: 0x05, extLoaderVer: 0x23 });
    expect(decodeLoaderId(0xe4, 0x05, 0x23)).toEqual({ id: 0x15, version: 0x234 });
    expect(decodeLoaderId(0xb0)).toEqual({ id: 0xb, version: 0 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xfff }), (id, version) => {
      if (id === 0xe || id === 0xf) return;
      expect(decodeLoaderId(...(Object.values(encodeLoaderId({ id, version })) as [number, number, number]))).toEqual({ id, version: id < 0xe ? version & 0xfff : version });
    }));
  });

  it('parses vga= as boot.rst defines it', () => {
    expect(vgaMode('vga=normal')).toBe(0xffff);
    expect(vgaMode('quiet vga=ext')).toBe(0xfffe);
    expect(vgaMode('vga=ask')).toBe(0xfffd);
    expect(vgaMode('vga=0x317')).toBe(0x317);
    expect(vgaMode('vga=791')).toBe(791);
    expect(vgaMode('vga=017')).toBe(15);
    expect(vgaMode('novga=1')).toBeUndefined();
  });
});

describe('checking what a loader left', () => {
  /** What QEMU's 16-bit path writes (FIELD-NOTES): type_of_loader, CAN_USE_HEAP, heap_end_ptr, cmd_line_ptr, ramdisk, vid_mode. */
  function qemuLike(): { captured: Uint8Array; mem: ReturnType<typeof createPhysicalMemory>; initrd: Uint8Array } {
    const captured = head.slice(0, 0x1000);
    const dv = new DataView(captured.buffer);
    captured[0x210] = 0xb0;
    captured[0x211] = (captured[0x211] as number) | CAN_USE_HEAP;
    dv.setUint16(0x224, 0xfe00, true);
    dv.setUint32(0x228, 0x20000, true);
    dv.setUint32(0x218, 0x7f00000, true);
    dv.setUint32(0x21c, 16, true);
    dv.setUint16(0x1fa, 0xffff, true);
    const mem = createPhysicalMemory([{ paddr: 0x20000n, bytes: new Uint8Array(0x1000) }, { paddr: 0x7f00000n, bytes: new Uint8Array(0x1000) }]);
    mem.write(0x20000n, new TextEncoder().encode('console=ttyS0\0'));
    const initrd = new Uint8Array(16).map((_, i) => i * 7);
    mem.write(0x7f00000n, initrd);
    return { captured, mem, initrd };
  }

  it('finds every change allowed and the pointers consistent', () => {
    const { captured, mem, initrd } = qemuLike();
    const r = checkLoaderResult(head, captured, { memory: mem, expectCmdline: 'console=ttyS0', expectInitrd: initrd });
    expect(r.problems).toEqual([]);
    expect(r.cmdline).toBe('console=ttyS0');
    expect(r.changes.map((c) => c.field).sort()).toEqual(['cmd_line_ptr', 'heap_end_ptr', 'loadflags', 'ramdisk_image', 'ramdisk_size', 'type_of_loader']);
    expect(r.changes.every((c) => c.allowed)).toBe(true);
  });

  it('flags read-only fields changed, LOADED_HIGH cleared, and wrong contents', () => {
    const { captured, mem, initrd } = qemuLike();
    captured[0x1f1] = 7; // setup_sects
    captured[0x211] = (captured[0x211] as number) & ~1; // LOADED_HIGH
    new DataView(captured.buffer).setUint32(0x24c, 1, true); // payload_length
    const r = checkLoaderResult(head, captured, { memory: mem, expectCmdline: 'console=ttyS1', expectInitrd: initrd.map((x) => x ^ 1) });
    const bad = r.changes.filter((c) => !c.allowed).map((c) => c.field).sort();
    expect(bad).toEqual(['loadflags', 'payload_length', 'setup_sects']);
    expect(codes(r)).toEqual(expect.arrayContaining(['DISALLOWED_CHANGE', 'CMDLINE_MISMATCH', 'INITRD_MISMATCH']));
    // Each problem names its rule in boot.rst.
    expect(r.problems.find((p) => p.code === 'DISALLOWED_CHANGE')?.rule).toMatch(/boot\.rst, "Details of Header Fields"/);
    expect(r.problems.find((p) => p.code === 'INITRD_MISMATCH')?.rule).toMatch(/ramdisk_image and ramdisk_size/);
    for (const p of r.problems) expect(p.rule).toMatch(/^Linux Documentation\/arch\/x86\/boot\.rst/);
    expect(checkLoaderResult(head, captured.subarray(0, 0x100)).problems.map((p) => p.code)).toEqual(['TRUNCATED']);
    expect(checkLoaderResult(new Uint8Array(10), captured).problems.map((p) => p.code)).toEqual(['TRUNCATED']);
  });

  it('judges a zero page built by buildZeroPage as a clean loader', () => {
    const built = buildZeroPage({ image: head, cmdline: 'quiet', cmdlinePaddr: 0x20000n, zeroPagePaddr: 0x7000n, e820: map128M, setupData: [{ paddr: 0x30000n, type: SETUP_DTB, data: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]) }] });
    const mem = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x40000) }]);
    writeZeroPage(mem, built);
    const r = checkLoaderResult(head, built.zeroPage, { captured: 'boot_params', memory: mem, zeroPagePaddr: 0x7000n, expectCmdline: 'quiet', expectDtb: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]) });
    expect(r.problems).toEqual([]);
    expect(r.changes.every((c) => c.allowed)).toBe(true);
    expect(r.setupData?.[0]?.typeName).toBe('SETUP_DTB');
  });
});
