/**
 * Multiboot 2 against what Debian's GRUB 2.06 wrote (BIOS, i386-pc), captured
 * by our Multiboot 2 test kernel (test/fixtures/multiboot, see its README).
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import {
  MULTIBOOT2_BOOTLOADER_MAGIC,
  MULTIBOOT2_MEMORY_AVAILABLE,
  Mb2TagCursor,
  buildMb2Info,
  decodeMb2Info,
  encodeMb2Info,
  findMb2Header,
  mb2EfiMemoryMap,
  mb2Tag,
  mb2Tags,
  readMb2Info,
  validateMb2Header,
  validateMb2Info,
  validateMb2InfoBytes,
} from '../../src/multiboot/index.js';
import { readBytes, readText } from '../helpers/files.js';
import { memoryRegions, parseMbDump, regionOf } from './dump.js';

const dir = 'test/fixtures/multiboot';
const read = (name: string): Uint8Array => readBytes(`${dir}/${name}`);

describe('GRUB multiboot2 /boot/kernel.elf console=ttyS0 hello=world, two module2 lines (128M)', () => {
  const dump = parseMbDump(readText(`${dir}/grub-mb2-128M.serial.txt`), 'BOOTPROTO-MB2-DUMP v1');
  const infoBytes = regionOf(dump, 'info').bytes;
  const memory = createPhysicalMemory(memoryRegions(dump));
  const info = readMb2Info(memory, dump.ebx);

  it('entered with MULTIBOOT2_BOOTLOADER_MAGIC, information 8-byte aligned', () => {
    expect(dump.eax).toBe(MULTIBOOT2_BOOTLOADER_MAGIC);
    expect(dump.ebx % 8).toBe(0);
    expect(info.totalSize).toBe(infoBytes.length);
    expect(info.ended).toBe(true);
  });

  it('the command line has no kernel file name in front (GRUB, unlike QEMU)', () => {
    expect(mb2Tag(info, 'cmdline')?.string).toBe('console=ttyS0 hello=world');
    expect(mb2Tag(info, 'boot-loader-name')?.string).toMatch(/^GRUB 2\.06/);
  });

  it('modules: strings from module2, contents at [mod_start, mod_end), page aligned as the header asked', () => {
    const mods = mb2Tags(info, 'module');
    expect(mods.map((m) => m.string)).toEqual(['mod1.bin arg0', 'mod2.bin arg1']);
    expect(memory.read(mods[0]?.modStart ?? 0, 31)).toEqual(read('mod1.bin'));
    expect(memory.read(mods[1]?.modStart ?? 0, 256)).toEqual(read('mod2.bin'));
    expect(mods.map((m) => m.modEnd - m.modStart)).toEqual([31, 256]);
    for (const m of mods) expect(m.modStart % 4096).toBe(0);
  });

  it('basic meminfo and a memory map of about 128 MiB of RAM, 24-byte entries', () => {
    const mem = mb2Tag(info, 'basic-meminfo');
    expect(mem?.memLower).toBe(639);
    const mmap = mb2Tag(info, 'mmap');
    expect(mmap?.entrySize).toBe(24);
    expect(mmap?.entryVersion).toBe(0);
    const ram = (mmap?.entries ?? []).filter((e) => e.type === MULTIBOOT2_MEMORY_AVAILABLE).reduce((a, e) => a + e.len, 0n);
    expect(ram).toBeGreaterThan(127n << 20n);
    expect(ram).toBeLessThanOrEqual(128n << 20n);
  });

  it('GRUB gave the optional tags it could: ELF sections with u32 fields, ACPI RSDPs', () => {
    expect(info.tags.map((t) => t.kind)).toEqual([
      'load-base-addr', 'cmdline', 'boot-loader-name', 'apm', 'module', 'module', 'mmap', 'elf-sections', 'basic-meminfo', 'bootdev', 'framebuffer', 'acpi-old',
    ]);
    const elf = mb2Tag(info, 'elf-sections');
    expect(elf).toBeDefined();
    expect(elf?.entsize).toBe(40);
    expect((elf?.num ?? 0) * 40).toBeLessThanOrEqual(elf?.sections.length ?? 0);
    const rsdp = mb2Tag(info, 'acpi-old');
    expect(new TextDecoder().decode(rsdp?.rsdp.subarray(0, 8))).toBe('RSD PTR ');
  });

  it('GRUB left garbage in the padding between tags; it is kept, not an error', () => {
    expect(info.tags.filter((t) => t.padding !== undefined).length).toBeGreaterThan(2);
  });

  it('booted from the CD (BIOS drive 0xe0), EGA text console 80×25 at 0xb8000', () => {
    expect(mb2Tag(info, 'bootdev')).toMatchObject({ biosdev: 0xe0, slice: 0xffffffff, part: 0xffffffff });
    expect(mb2Tag(info, 'framebuffer')).toMatchObject({ framebufferAddr: 0xb8000n, framebufferType: 2, framebufferWidth: 80, framebufferHeight: 25, framebufferBpp: 16, framebufferPitch: 160 });
  });

  it('validates clean, module alignment asked', () => {
    expect(validateMb2Info(memory, dump.ebx, { moduleAlign: true })).toEqual([]);
    expect(validateMb2InfoBytes(infoBytes).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('decode → encode gives the same bytes (padding included)', () => {
    expect(encodeMb2Info(decodeMb2Info(infoBytes))).toEqual(infoBytes);
  });

  it('the cursor visits the same tags without decoding them', () => {
    const c = new Mb2TagCursor(infoBytes);
    const seen: number[] = [];
    while (c.next()) seen.push(c.type);
    expect(seen).toEqual(info.tags.map((t) => t.type));
    c.reset();
    while (c.next()) if (c.type === 6) expect(c.mmap().count).toBe(mb2Tag(info, 'mmap')?.entries.length);
  });

  it('the builder rebuilds an equivalent structure', () => {
    const out = createPhysicalMemory([], { growable: true });
    const built = buildMb2Info(out, { extraTags: info.tags }, 0x10000);
    expect(readMb2Info(out, built.infoPaddr).tags).toEqual(info.tags);
  });

  it('the kernel\'s own header validates', () => {
    const image = read('mb2-guest.elf');
    const found = findMb2Header(image);
    expect(found?.header.tags.map((t) => t.kind)).toEqual(['information-request', 'information-request', 'module-align', 'end']);
    expect(validateMb2Header(image)).toEqual([]);
  });
});

describe('GRUB x86_64-efi under OVMF, same grub.cfg (256M)', () => {
  const dump = parseMbDump(readText(`${dir}/grub-efi-mb2-256M.serial.txt`), 'BOOTPROTO-MB2-DUMP v1');
  const infoBytes = regionOf(dump, 'info').bytes;
  const memory = createPhysicalMemory(memoryRegions(dump));
  const info = readMb2Info(memory, dump.ebx);

  it('GRUB exited boot services and gave the EFI tags: system table, RSDPs, the EFI memory map', () => {
    expect(dump.eax).toBe(MULTIBOOT2_BOOTLOADER_MAGIC);
    expect(info.tags.map((t) => t.kind)).toEqual([
      'load-base-addr', 'cmdline', 'boot-loader-name', 'module', 'module', 'mmap', 'elf-sections', 'basic-meminfo', 'framebuffer', 'efi64', 'acpi-old', 'acpi-new', 'efi-mmap',
    ]);
    expect(mb2Tag(info, 'efi-bs')).toBeUndefined();
    // With a video driver loaded (insmod all_video) GRUB passes OVMF's GOP framebuffer on, as RGB.
    expect(mb2Tag(info, 'framebuffer')?.framebufferType).toBe(1);
    expect(mb2Tag(info, 'framebuffer')?.rgb?.framebufferRedMaskSize).toBe(8);
    expect(mb2Tag(info, 'efi64')?.pointer).toBeGreaterThan(0n);
    expect(new TextDecoder().decode(mb2Tag(info, 'acpi-new')?.rsdp.subarray(0, 8))).toBe('RSD PTR ');
  });

  it('the EFI memory map decodes through efi-memmap: 48-byte descriptors, version 1, conventional memory near 256 MiB', () => {
    const tag = mb2Tag(info, 'efi-mmap');
    if (tag === undefined) throw new Error('no efi-mmap tag');
    expect([tag.descrSize, tag.descrVers]).toEqual([48, 1]);
    const map = mb2EfiMemoryMap(tag);
    expect(map.descriptors.length * 48).toBe(tag.efiMmap.length);
    const conventional = map.descriptors.filter((d) => d.type === 7).reduce((a, d) => a + d.numberOfPages, 0n) * 4096n;
    expect(conventional).toBeGreaterThan(128n << 20n);
    expect(conventional).toBeLessThan(256n << 20n);
  });

  it('modules below 1 MiB, the same contents and strings as under BIOS', () => {
    const mods = mb2Tags(info, 'module');
    expect(mods.map((m) => m.string)).toEqual(['mod1.bin arg0', 'mod2.bin arg1']);
    expect(memory.read(mods[0]?.modStart ?? 0, 31)).toEqual(read('mod1.bin'));
    expect(mods.every((m) => m.modEnd < 0x100000)).toBe(true);
  });

  it('validates with one warning: a memory map entry of GRUB\'s own type 20', () => {
    expect(validateMb2Info(memory, dump.ebx, { moduleAlign: true }).map((p) => [p.severity, p.code])).toEqual([['warning', 'UNKNOWN_TYPE']]);
    expect(mb2Tag(info, 'mmap')?.entries.filter((e) => e.type === 20)).toHaveLength(1);
  });

  it('decode → encode gives the same bytes', () => {
    expect(encodeMb2Info(decodeMb2Info(infoBytes))).toEqual(infoBytes);
  });
});

describe('GRUB, Multiboot 2 header asking for a 1024x768x32 framebuffer (BIOS, VBE)', () => {
  const dump = parseMbDump(readText(`${dir}/grub-mb2-video-128M.serial.txt`), 'BOOTPROTO-MB2-DUMP v1');
  const bytes = regionOf(dump, 'info').bytes;
  const info = decodeMb2Info(bytes);

  it('the framebuffer tag: colour information at offset 32 (after a u16 reserved), 38 bytes', () => {
    const fb = mb2Tag(info, 'framebuffer');
    expect(fb).toMatchObject({ size: 38, framebufferType: 1, framebufferBpp: 32, framebufferWidth: 1024, framebufferHeight: 768, framebufferPitch: 4096, reserved: 0 });
    expect(fb?.rgb).toEqual({
      framebufferRedFieldPosition: 16,
      framebufferRedMaskSize: 8,
      framebufferGreenFieldPosition: 8,
      framebufferGreenMaskSize: 8,
      framebufferBlueFieldPosition: 0,
      framebufferBlueMaskSize: 8,
    });
  });

  it('with a VBE tag: 784 bytes, control block "VESA"', () => {
    const vbe = mb2Tag(info, 'vbe');
    expect(vbe?.size).toBe(784);
    expect(new TextDecoder().decode(vbe?.vbeControlInfo.subarray(0, 4))).toBe('VESA');
  });

  it('validates and round-trips', () => {
    expect(validateMb2InfoBytes(bytes)).toEqual([]);
    expect(encodeMb2Info(info)).toEqual(bytes);
  });
});
