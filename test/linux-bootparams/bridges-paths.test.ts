/**
 * The bridges' other paths, on handoffs built by the multiboot builders:
 * mem_lower/mem_upper without a map, the EFI map alone, efi32, EGA text and
 * indexed framebuffers, a framebuffer above 4 GiB, a module that ends before
 * it starts, no memory information at all.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, type PhysicalMemory } from '../../src/core/index.js';
import { encodeMemoryMap, fromE820 } from '../../src/efi-memmap/index.js';
import {
  VIDEO_CAPABILITY_64BIT_BASE,
  VIDEO_TYPE_VGAC,
  bootParamsFromMb1,
  bootParamsFromMb2,
  decodeBootParams,
  mb2TagOffsets,
} from '../../src/linux-bootparams/index.js';
import { buildMb1Info, buildMb2Info, decodeMb1Handoff, readMb2Info } from '../../src/multiboot/index.js';

const mem = (): PhysicalMemory => createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x20000) }]);

describe('Multiboot 1 → zero page', () => {
  it('without a map: RAM from mem_lower and mem_upper, the hole between reserved (info MEMMAP_FROM_MEM_FIELDS)', () => {
    const m = mem();
    const { infoPaddr } = buildMb1Info(m, { memory: { lower: 639, upper: 130048 }, cmdline: 'a=b' }, { info: 0x1000 });
    const built = bootParamsFromMb1(decodeMb1Handoff(m, infoPaddr));
    expect(built.problems.map((p) => [p.severity, p.code])).toEqual([['info', 'MEMMAP_FROM_MEM_FIELDS']]);
    const bp = decodeBootParams(built.zeroPage);
    expect(bp.e820Table).toEqual([
      { addr: 0n, size: 639n * 1024n, type: 1 },
      { addr: 0xa0000n, size: 0x60000n, type: 2 },
      { addr: 0x100000n, size: 130048n * 1024n, type: 1 },
    ]);
    expect(bp.hdr.typeOfLoader).toBe(0x70);
    expect(bp.hdr.version).toBe(0x020c);
  });
  it('no memory information at all: NO_MEMMAP; a module ending before it starts: BAD_MODULE', () => {
    const m = mem();
    const { infoPaddr } = buildMb1Info(m, { modules: [{ start: 0x8000, end: 0x7000 }] }, { info: 0x1000 });
    const built = bootParamsFromMb1(decodeMb1Handoff(m, infoPaddr));
    expect(built.problems.map((p) => p.code)).toEqual(['NO_MEMMAP', 'BAD_MODULE']);
  });
  it('an EGA text framebuffer becomes a VGA text console; options set the loader id and version', () => {
    const m = mem();
    const { infoPaddr } = buildMb1Info(m, { memory: { lower: 639, upper: 1024 }, framebuffer: { addr: 0xb8000n, pitch: 160, width: 80, height: 25, bpp: 16, type: 2 } }, { info: 0x1000 });
    const bp = decodeBootParams(bootParamsFromMb1(decodeMb1Handoff(m, infoPaddr), { typeOfLoader: 0x10, version: 0x020f }).zeroPage);
    expect([bp.screenInfo.origVideoIsVga, bp.screenInfo.origVideoCols, bp.screenInfo.origVideoLines]).toEqual([VIDEO_TYPE_VGAC, 80, 25]);
    expect([bp.hdr.typeOfLoader, bp.hdr.version]).toEqual([0x10, 0x020f]);
  });
});

describe('Multiboot 2 → zero page', () => {
  const e820 = [
    { addr: 0n, size: 0x9f000n, type: 1 },
    { addr: 0x100000n, size: 0x7f00000n, type: 1 },
    { addr: 0x8000000n, size: 0x10000n, type: 3 },
  ];
  const efi = fromE820(e820);
  const efiBytes = encodeMemoryMap(efi);

  it('the EFI map alone (through toE820), efi32: EL32, the map in place', () => {
    const m = mem();
    buildMb2Info(m, { efi32: 0x7f00000, efiMmap: { descrSize: efi.descriptorSize, descrVers: 1, efiMmap: efiBytes }, cmdline: 'x' }, 0x1000);
    const info = readMb2Info(m, 0x1000);
    const built = bootParamsFromMb2(info, 0x1000n);
    expect(built.problems).toEqual([]);
    const bp = decodeBootParams(built.zeroPage);
    expect(bp.e820Table).toEqual(e820);
    expect(bp.efiInfo.efiLoaderSignature).toBe(0x32334c45);
    expect(bp.efiInfo.efiSystab).toBe(0x7f00000);
    const tag = info.tags.findIndex((t) => t.kind === 'efi-mmap');
    expect(BigInt(bp.efiInfo.efiMemmap)).toBe(0x1000n + BigInt((mb2TagOffsets(info)[tag] ?? 0) + 16));
    expect(m.read(bp.efiInfo.efiMemmap, bp.efiInfo.efiMemmapSize)).toEqual(efiBytes);
  });
  it('memoryMap: efi-mmap prefers the EFI map when both are there', () => {
    const m = mem();
    buildMb2Info(m, { mmap: [{ addr: 0n, len: 0x1000n, type: 1 }], efiMmap: { descrSize: efi.descriptorSize, descrVers: 1, efiMmap: efiBytes } }, 0x1000);
    const info = readMb2Info(m, 0x1000);
    expect(decodeBootParams(bootParamsFromMb2(info, 0x1000n).zeroPage).e820Table).toEqual([{ addr: 0n, size: 0x1000n, type: 1 }]);
    expect(decodeBootParams(bootParamsFromMb2(info, 0x1000n, { memoryMap: 'efi-mmap' }).zeroPage).e820Table).toEqual(e820);
  });
  it('an EFI system table without an EFI map: NO_EFI_MEMMAP (warning), efi_info left 0', () => {
    const m = mem();
    buildMb2Info(m, { efi64: 0x7f00000n, mmap: [{ addr: 0n, len: 0x1000n, type: 1 }] }, 0x1000);
    const built = bootParamsFromMb2(readMb2Info(m, 0x1000), 0x1000n);
    expect(built.problems.map((p) => [p.severity, p.code])).toEqual([['warning', 'NO_EFI_MEMMAP']]);
    expect(decodeBootParams(built.zeroPage).efiInfo.efiLoaderSignature).toBe(0);
  });
  it('a framebuffer above 4 GiB: ext_lfb_base and VIDEO_CAPABILITY_64BIT_BASE; an indexed one is skipped', () => {
    const m = mem();
    const rgb = { framebufferRedFieldPosition: 16, framebufferRedMaskSize: 8, framebufferGreenFieldPosition: 8, framebufferGreenMaskSize: 8, framebufferBlueFieldPosition: 0, framebufferBlueMaskSize: 8 };
    buildMb2Info(m, { mmap: [{ addr: 0n, len: 0x1000n, type: 1 }], framebuffer: { addr: 0x80_0000_0000n, pitch: 4096, width: 1024, height: 768, bpp: 32, type: 1, rgb } }, 0x1000);
    const bp = decodeBootParams(bootParamsFromMb2(readMb2Info(m, 0x1000), 0x1000n).zeroPage);
    expect([bp.screenInfo.lfbBase, bp.screenInfo.extLfbBase, bp.screenInfo.capabilities]).toEqual([0, 0x80, VIDEO_CAPABILITY_64BIT_BASE]);
    const m2 = mem();
    buildMb2Info(m2, { mmap: [{ addr: 0n, len: 0x1000n, type: 1 }], framebuffer: { addr: 0xfd000000n, pitch: 1024, width: 1024, height: 768, bpp: 8, type: 0, palette: [{ red: 1, green: 2, blue: 3 }] } }, 0x1000);
    const built = bootParamsFromMb2(readMb2Info(m2, 0x1000), 0x1000n);
    expect(built.problems.map((p) => [p.severity, p.code])).toEqual([['info', 'FRAMEBUFFER_SKIPPED']]);
  });
  it('no map of either kind: NO_MEMMAP', () => {
    const m = mem();
    buildMb2Info(m, { cmdline: 'x' }, 0x1000);
    expect(bootParamsFromMb2(readMb2Info(m, 0x1000), 0x1000n).problems.map((p) => p.code)).toEqual(['NO_MEMMAP']);
  });
});
