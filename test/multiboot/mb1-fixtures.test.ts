/**
 * Multiboot 1 against what QEMU 7.2's own Multiboot loader wrote, captured
 * by our test kernel (test/fixtures/multiboot, see its README): the
 * information structure and everything it points to, decoded, validated,
 * re-encoded byte for byte, and rebuilt by the builder.
 */
import { describe, expect, it } from 'vitest';
import { ELF32_SHDR, createPhysicalMemory, decodeLayout, readElfHeader } from '../../src/core/index.js';
import {
  MULTIBOOT_AOUT_KLUDGE,
  MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT,
  MULTIBOOT_INFO_BOOTDEV,
  MULTIBOOT_INFO_ELF_SHDR,
  MULTIBOOT_INFO_FRAMEBUFFER_INFO,
  MULTIBOOT_INFO_VBE_INFO,
  MULTIBOOT_INFO_BOOT_LOADER_NAME,
  MULTIBOOT_INFO_CMDLINE,
  MULTIBOOT_INFO_MEMORY,
  MULTIBOOT_INFO_MEM_MAP,
  MULTIBOOT_INFO_MODS,
  MULTIBOOT_MEMORY_AVAILABLE,
  MULTIBOOT_MEMORY_INFO,
  MULTIBOOT_PAGE_ALIGN,
  buildMb1Info,
  decodeMb1Handoff,
  decodeMb1Info,
  detectMultiboot1,
  encodeMb1Header,
  encodeMb1Info,
  findMb1Header,
  mb1AoutLoad,
  validateMb1Handoff,
  validateMb1Header,
} from '../../src/multiboot/index.js';
import { readBytes, readText } from '../helpers/files.js';
import { memoryRegions, parseMbDump, regionOf } from './dump.js';

const dir = 'test/fixtures/multiboot';
const read = (name: string): Uint8Array => readBytes(`${dir}/${name}`);
const text = (name: string): string => readText(`${dir}/${name}`);

describe('QEMU -kernel mb1-guest.elf -initrd "mod1.bin first arg,mod2.bin" (128M)', () => {
  const dump = parseMbDump(text('qemu-mb1-elf-128M.serial.txt'));
  const memory = createPhysicalMemory(memoryRegions(dump));
  const handoff = decodeMb1Handoff(memory, dump.ebx);

  it('entered with MULTIBOOT_BOOTLOADER_MAGIC in %eax', () => {
    expect(dump.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
  });

  it('QEMU set exactly memory, boot device, command line, modules, memory map and loader name', () => {
    expect(handoff.info.flags).toBe(
      MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_BOOTDEV | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME,
    );
    expect(Object.keys(handoff.info).sort()).toEqual(
      ['flags', 'memLower', 'memUpper', 'bootDevice', 'cmdline', 'modsCount', 'modsAddr', 'mmapLength', 'mmapAddr', 'bootLoaderName'].sort(),
    );
    expect(handoff.aoutSyms).toBeUndefined();
    expect(handoff.vbe).toBeUndefined();
  });

  it('the command line starts with the kernel file name, which is kept', () => {
    expect(handoff.cmdline).toBe('guest.elf console=ttyS0 hello=world');
  });

  it('modules carry their -initrd strings and contents; mod_end is exclusive', () => {
    expect(handoff.modules?.map((m) => m.string)).toEqual(['mod1.bin first arg', 'mod2.bin']);
    const [m1, m2] = handoff.modules ?? [];
    expect(m1 && m1.modEnd - m1.modStart).toBe(read('mod1.bin').length);
    expect(m2 && m2.modEnd - m2.modStart).toBe(256);
    expect(memory.read(m1?.modStart ?? 0, read('mod1.bin').length)).toEqual(read('mod1.bin'));
    expect(memory.read(m2?.modStart ?? 0, 256)).toEqual(read('mod2.bin'));
    // The kernel asked for MULTIBOOT_PAGE_ALIGN: QEMU page-aligned them.
    for (const m of handoff.modules ?? []) expect(m.modStart % 4096).toBe(0);
  });

  it('the memory map steps by size + 4 and covers about 128 MiB of RAM', () => {
    const mmap = handoff.mmap ?? [];
    expect(mmap.length).toBeGreaterThan(2);
    for (const e of mmap) expect(e.size).toBe(20);
    const ram = mmap.filter((e) => e.type === MULTIBOOT_MEMORY_AVAILABLE).reduce((a, e) => a + e.len, 0n);
    expect(ram).toBeLessThanOrEqual(128n << 20n);
    expect(ram).toBeGreaterThan(127n << 20n);
    expect(handoff.memory?.lower).toBe(639);
    expect(handoff.memory && BigInt(handoff.memory.upper) * 1024n + (1n << 20n)).toBeLessThanOrEqual(128n << 20n);
  });

  it('boot device and loader name', () => {
    expect(handoff.bootDevice).toEqual({ drive: 0x80, part1: 0, part2: 0xff, part3: 0xff });
    expect(handoff.bootLoaderName).toBe('qemu');
  });

  it('validates clean, with page alignment asked', () => {
    expect(validateMb1Handoff(memory, dump.ebx, { pageAlign: true })).toEqual([]);
  });

  it('decode → encode gives the same 88 bytes', () => {
    const bytes = regionOf(dump, 'info').bytes;
    expect(bytes.length).toBe(88);
    expect(encodeMb1Info(decodeMb1Info(bytes))).toEqual(bytes);
  });

  it('the builder lays out the same description, which decodes to the same handoff', () => {
    const out = createPhysicalMemory([], { growable: true });
    const built = buildMb1Info(
      out,
      {
        ...(handoff.memory ? { memory: handoff.memory } : {}),
        ...(handoff.bootDevice ? { bootDevice: handoff.bootDevice } : {}),
        ...(handoff.cmdline !== undefined ? { cmdline: handoff.cmdline } : {}),
        modules: (handoff.modules ?? []).map((m) => ({
          start: m.modStart,
          end: m.modEnd,
          ...(m.string !== undefined ? { string: m.string } : {}),
          data: memory.read(m.modStart, m.modEnd - m.modStart),
        })),
        mmap: (handoff.mmap ?? []).map((e) => ({ addr: e.addr, len: e.len, type: e.type, size: e.size })),
        ...(handoff.bootLoaderName !== undefined ? { bootLoaderName: handoff.bootLoaderName } : {}),
      },
      { info: 0x9500, data: 0x10000 },
    );
    const again = decodeMb1Handoff(out, built.infoPaddr);
    expect(again.info.flags).toBe(handoff.info.flags);
    expect({ ...again, info: undefined, modules: again.modules?.map(({ cmdline: _c, ...m }) => m) }).toEqual({
      ...handoff,
      info: undefined,
      modules: handoff.modules?.map(({ cmdline: _c, ...m }) => m),
    });
    expect(validateMb1Handoff(out, built.infoPaddr)).toEqual([]);
  });
});

describe('QEMU with the a.out kludge kernel (64M)', () => {
  const dump = parseMbDump(text('qemu-mb1-aout-64M.serial.txt'));
  const memory = createPhysicalMemory(memoryRegions(dump));
  const handoff = decodeMb1Handoff(memory, dump.ebx);

  it('loads, and hands over one module', () => {
    expect(dump.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    expect(handoff.cmdline).toBe('guest-aout.bin aout kernel');
    expect(handoff.modules?.map((m) => m.string)).toEqual(['mod2.bin']);
    expect(validateMb1Handoff(memory, dump.ebx, { pageAlign: true })).toEqual([]);
  });
});

describe('the test kernels\' headers', () => {
  it('the ELF kernel: header in .multiboot at file offset 0x1000, flags page align and memory info', () => {
    const image = read('mb1-guest.elf');
    expect(detectMultiboot1(image)).toBe(true);
    const found = findMb1Header(image);
    expect(found?.offset).toBe(0x1000);
    expect(found?.header).toEqual({ magic: 0x1badb002, flags: MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO, checksum: (0x100000000 - 0x1badb005) >>> 0 });
    expect(validateMb1Header(image)).toEqual([]);
    expect(encodeMb1Header(found?.header ?? { magic: 0, flags: 0, checksum: 0 })).toEqual(image.subarray(0x1000, 0x100c));
  });

  it('the flat kernel: a.out kludge fields say load the whole 4 KiB file at 1 MiB', () => {
    const image = read('mb1-guest-aout.bin');
    const found = findMb1Header(image);
    expect(found?.offset).toBe(0);
    expect((found?.header.flags ?? 0) & MULTIBOOT_AOUT_KLUDGE).toBe(MULTIBOOT_AOUT_KLUDGE);
    expect(found?.header.headerAddr).toBe(0x100000);
    expect(found?.header.loadAddr).toBe(0x100000);
    const load = found && mb1AoutLoad(image, found);
    expect(load).toMatchObject({ fileOffset: 0, loadAddr: 0x100000, loadSize: 4096, bssEnd: 0x105000 });
    expect(load?.entry).toBe(found?.header.entryAddr);
    expect(validateMb1Header(image)).toEqual([]);
    expect(encodeMb1Header(found?.header ?? { magic: 0, flags: 0, checksum: 0 })).toEqual(image.subarray(0, 32));
  });
});

describe('GRUB 2.06 (BIOS) booting the same ELF kernel with multiboot/module', () => {
  const dump = parseMbDump(text('grub-mb1-128M.serial.txt'));
  const memory = createPhysicalMemory(memoryRegions(dump));
  const h = decodeMb1Handoff(memory, dump.ebx);
  const [shdrLE] = ELF32_SHDR;

  it('GRUB writes the whole structure: ELF sections, VBE and framebuffer besides QEMU\'s fields', () => {
    expect(dump.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    expect(regionOf(dump, 'info').bytes.length).toBe(120); // the kernel dumps 4 bytes past the specification's 116
    expect(h.info.flags).toBe(
      MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_BOOTDEV | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_ELF_SHDR |
        MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME | MULTIBOOT_INFO_VBE_INFO | MULTIBOOT_INFO_FRAMEBUFFER_INFO,
    );
    expect(h.cmdline).toBe('console=ttyS0 hello=world');
    expect(h.bootLoaderName).toBe('GRUB 2.06-13+deb12u2');
    expect(h.modules?.map((m) => m.string)).toEqual(['mod1.bin arg0', 'mod2.bin arg1']);
    expect(memory.read(h.modules?.[0]?.modStart ?? 0, 31)).toEqual(read('mod1.bin'));
  });

  it('VBE: the control block starts with "VESA"; the framebuffer is EGA text 80x25 at 0xb8000', () => {
    expect(new TextDecoder().decode(h.vbe?.controlInfo.subarray(0, 4))).toBe('VESA');
    expect(h.vbe?.mode).toBe(3);
    expect(h.framebuffer).toEqual({ addr: 0xb8000n, pitch: 160, width: 80, height: 25, bpp: 16, type: MULTIBOOT_FRAMEBUFFER_TYPE_EGA_TEXT });
  });

  it("the ELF section headers are the kernel file's, with addresses for the sections GRUB loaded", () => {
    const file = read('mb1-guest.elf');
    const eh = readElfHeader(file);
    const t = h.elfSections?.table;
    expect(t).toEqual({ num: eh.eShnum, size: eh.eShentsize, addr: t?.addr, shndx: 7 });
    for (let i = 0; i < eh.eShnum; i++) {
      const want = decodeLayout(shdrLE, file, eh.eShoff + i * 40);
      const got = decodeLayout(shdrLE, h.elfSections?.headers ?? new Uint8Array(0), i * 40);
      expect({ ...got, shAddr: 0 }).toEqual({ ...want, shAddr: 0 });
      if (want.shAddr !== 0) expect(got.shAddr).toBe(want.shAddr);
      else if (i > 0) expect(got.shAddr).toBeGreaterThan(0x100000); // .symtab, .strtab, .shstrtab loaded after the image
    }
  });

  it('validates with only warnings: GRUB leaves garbage in the module entries\' reserved field', () => {
    const problems = validateMb1Handoff(memory, dump.ebx, { pageAlign: true });
    expect(problems.map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'RESERVED_NONZERO'],
      ['warning', 'RESERVED_NONZERO'],
    ]);
  });

  it('decode → encode gives the same 116 bytes', () => {
    const bytes = regionOf(dump, 'info').bytes.subarray(0, 116);
    expect(encodeMb1Info(decodeMb1Info(bytes))).toEqual(bytes);
  });
});

describe('GRUB 2.06, Multiboot 1 header asking for a 1024x768x32 linear framebuffer (flag 2)', () => {
  const dump = parseMbDump(text('grub-mb1-video-128M.serial.txt'));
  const memory = createPhysicalMemory(memoryRegions(dump));
  const rgb = {
    framebufferRedFieldPosition: 16,
    framebufferRedMaskSize: 8,
    framebufferGreenFieldPosition: 8,
    framebufferGreenMaskSize: 8,
    framebufferBlueFieldPosition: 0,
    framebufferBlueMaskSize: 8,
  };

  it('the header asks for it: flag 2 with the graphics fields and no a.out kludge', () => {
    // (the kernel file itself is not a fixture; its header is rebuilt here as entry.s writes it)
    const info = decodeMb1Info(regionOf(dump, 'info').bytes);
    expect(info.flags & MULTIBOOT_INFO_FRAMEBUFFER_INFO).toBe(MULTIBOOT_INFO_FRAMEBUFFER_INFO);
    expect(info).toMatchObject({ framebufferWidth: 1024, framebufferHeight: 768, framebufferBpp: 32, framebufferType: 1, framebufferPitch: 4096 });
  });

  it("GRUB 2.06 puts the RGB fields at 112, not the specification's 110: 'auto' finds them, 110 reads padding", () => {
    const bytes = regionOf(dump, 'info').bytes;
    expect([...bytes.subarray(110, 118)]).toEqual([0, 0, 16, 8, 8, 8, 0, 8]);
    expect(decodeMb1Handoff(memory, dump.ebx).framebuffer).toMatchObject({ type: 1, rgb, colorInfoOffset: 112 });
    expect(decodeMb1Handoff(memory, dump.ebx, { colorInfoOffset: 110 }).framebuffer?.rgb?.framebufferRedMaskSize).toBe(0);
    expect(validateMb1Handoff(memory, dump.ebx).map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'RESERVED_NONZERO'],
      ['warning', 'COLOR_INFO_AT_112'],
    ]);
  });

  it('a structure laid out as the specification says is read at 110 by auto', () => {
    const out = createPhysicalMemory([], { growable: true });
    const built = buildMb1Info(out, { framebuffer: { addr: 0xfd000000n, pitch: 4096, width: 1024, height: 768, bpp: 32, type: 1, rgb } }, { info: 0x9000 });
    const fb = decodeMb1Handoff(out, built.infoPaddr).framebuffer;
    expect(fb?.rgb).toEqual(rgb);
    expect(fb?.colorInfoOffset).toBeUndefined();
  });
});
