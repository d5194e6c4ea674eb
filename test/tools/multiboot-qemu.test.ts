/**
 * Live boots of our Multiboot test kernels (test/tools/multiboot-guest):
 * Multiboot 1 through QEMU's own loader (`qemu-system-i386 -kernel`, an ELF
 * kernel and an a.out-kludge flat binary, modules from `-initrd 'a arg,b'`),
 * and Multiboot 2 through Debian's GRUB (`grub-mkrescue` ISO booted with
 * `qemu-system-x86_64 -cdrom`, by SeaBIOS and by OVMF). What the loaders wrote is decoded and
 * validated with the library and compared with what we asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import {
  MULTIBOOT2_BOOTLOADER_MAGIC,
  MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_MEMORY_AVAILABLE,
  decodeMb1Handoff,
  encodeMb2Info,
  findMb1Header,
  findMb2Header,
  mb2EfiMemoryMap,
  mb2Tag,
  mb2Tags,
  readMb2Info,
  readMb2InfoBytes,
  validateMb1Handoff,
  validateMb1Header,
  validateMb2Header,
  validateMb2Info,
} from '../../src/multiboot/index.js';
import { memoryRegions, parseMbDump } from '../multiboot/dump.js';
import { REPO_ROOT, makeTempDir, removeTempDir, runOk, seededBytes } from './helpers.js';

const guestDir = path.join(REPO_ROOT, 'test/tools/multiboot-guest');
let tmp: string;

beforeAll(async () => {
  tmp = makeTempDir('multiboot');
  await runOk(path.join(guestDir, 'build.sh'), [tmp]);
  fs.writeFileSync(path.join(tmp, 'a.bin'), seededBytes(7, 5000));
  fs.writeFileSync(path.join(tmp, 'b.bin'), seededBytes(8, 123));
});
afterAll(() => removeTempDir(tmp));

async function bootMb1(kernel: string, mem: string, initrd: string, append: string): Promise<ReturnType<typeof parseMbDump>> {
  const out = path.join(tmp, `${path.basename(kernel)}-${mem}.txt`);
  await runOk(path.join(guestDir, 'run.sh'), [kernel, mem, initrd, append, out], { cwd: tmp, timeoutMs: 90_000 });
  return parseMbDump(fs.readFileSync(out, 'utf8'));
}

for (const [kernel, mem] of [
  ['guest.elf', '128M'],
  ['guest.elf', '1G'],
  ['guest-aout.bin', '64M'],
] as const) {
  describe(`QEMU Multiboot 1: ${kernel}, ${mem}`, () => {
    let dump: ReturnType<typeof parseMbDump>;
    const append = 'console=ttyS0 quiet x="a b"';
    beforeAll(async () => {
      const file = path.join(tmp, kernel);
      expect(validateMb1Header(new Uint8Array(fs.readFileSync(file)))).toEqual([]);
      expect(findMb1Header(new Uint8Array(fs.readFileSync(file)))).toBeDefined();
      dump = await bootMb1(file, mem, `${path.join(tmp, 'a.bin')} one two,${path.join(tmp, 'b.bin')}`, append);
    });

    it('decodes: magic, command line with the kernel path first, modules with their strings and bytes', () => {
      expect(dump.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
      const memory = createPhysicalMemory(memoryRegions(dump));
      const h = decodeMb1Handoff(memory, dump.ebx);
      expect(h.cmdline).toBe(`${path.join(tmp, kernel)} ${append}`);
      expect(h.modules?.map((m) => m.string)).toEqual([`${path.join(tmp, 'a.bin')} one two`, path.join(tmp, 'b.bin')]);
      const [a, b] = h.modules ?? [];
      expect(memory.read(a?.modStart ?? 0, 5000)).toEqual(seededBytes(7, 5000));
      expect(memory.read(b?.modStart ?? 0, 123)).toEqual(seededBytes(8, 123));
      expect(a && a.modEnd - a.modStart).toBe(5000);
      expect(h.bootLoaderName).toBe('qemu');
      const ram = (h.mmap ?? []).filter((e) => e.type === MULTIBOOT_MEMORY_AVAILABLE).reduce((s, e) => s + e.len, 0n);
      const size = BigInt(Number.parseInt(mem, 10)) << (mem.endsWith('G') ? 30n : 20n);
      expect(ram).toBeLessThanOrEqual(size);
      expect(ram).toBeGreaterThan(size - (2n << 20n));
      expect(validateMb1Handoff(memory, dump.ebx, { pageAlign: true })).toEqual([]);
    });
  });
}

describe('GRUB Multiboot 1 (multiboot/module, BIOS)', () => {
  it('decodes everything GRUB wrote, ELF section headers and VBE included', async () => {
    const out = path.join(tmp, 'grub-mb1.txt');
    await runOk(path.join(guestDir, 'run-grub.sh'), [path.join(tmp, 'guest.elf'), '128M', out, path.join(tmp, 'a.bin'), path.join(tmp, 'b.bin')], {
      timeoutMs: 180_000,
      env: { ...process.env, PROTOCOL: '1' },
    });
    const dump = parseMbDump(fs.readFileSync(out, 'utf8'));
    expect(dump.eax).toBe(MULTIBOOT_BOOTLOADER_MAGIC);
    const memory = createPhysicalMemory(memoryRegions(dump));
    const h = decodeMb1Handoff(memory, dump.ebx);
    expect(h.cmdline).toBe('console=ttyS0 hello=world');
    expect(h.modules?.map((m) => m.string)).toEqual(['a.bin arg0', 'b.bin arg1']);
    expect(memory.read(h.modules?.[0]?.modStart ?? 0, 5000)).toEqual(seededBytes(7, 5000));
    expect(h.elfSections?.table.num).toBeGreaterThan(3);
    expect(h.vbe?.controlInfo.length).toBe(512);
    // GRUB leaves the module entries' reserved field unset: warnings only.
    expect(validateMb1Handoff(memory, dump.ebx, { pageAlign: true }).filter((p) => p.severity === 'error')).toEqual([]);
  });
});

describe('GRUB with kernels that ask for a 1024x768x32 framebuffer', () => {
  it('Multiboot 1: RGB fields found (at 112 for GRUB 2.06)', async () => {
    const out = path.join(tmp, 'grub-video1.txt');
    await runOk(path.join(guestDir, 'run-grub.sh'), [path.join(tmp, 'guest-video.elf'), '128M', out], { timeoutMs: 180_000, env: { ...process.env, PROTOCOL: '1' } });
    const dump = parseMbDump(fs.readFileSync(out, 'utf8'));
    const h = decodeMb1Handoff(createPhysicalMemory(memoryRegions(dump)), dump.ebx);
    expect(h.framebuffer).toMatchObject({ width: 1024, height: 768, bpp: 32, type: 1 });
    expect([h.framebuffer?.rgb?.framebufferRedMaskSize, h.framebuffer?.rgb?.framebufferGreenMaskSize, h.framebuffer?.rgb?.framebufferBlueMaskSize]).toEqual([8, 8, 8]);
  });

  it('Multiboot 2: the framebuffer tag with RGB colour information at 32', async () => {
    const out = path.join(tmp, 'grub-video2.txt');
    await runOk(path.join(guestDir, 'run-grub.sh'), [path.join(tmp, 'guest-mb2-video.elf'), '128M', out], { timeoutMs: 180_000 });
    const dump = parseMbDump(fs.readFileSync(out, 'utf8'), 'BOOTPROTO-MB2-DUMP v1');
    const info = readMb2Info(createPhysicalMemory(memoryRegions(dump)), dump.ebx);
    expect(mb2Tag(info, 'framebuffer')).toMatchObject({ framebufferWidth: 1024, framebufferHeight: 768, framebufferBpp: 32, framebufferType: 1 });
    expect(mb2Tag(info, 'framebuffer')?.rgb?.framebufferRedFieldPosition).toBe(16);
  });
});

for (const firmware of ['bios', 'efi'] as const) describe(`GRUB Multiboot 2 (grub-mkrescue ISO, ${firmware === 'efi' ? 'x86_64-efi under OVMF' : 'BIOS'})`, () => {
  let dump: ReturnType<typeof parseMbDump>;
  beforeAll(async () => {
    const image = new Uint8Array(fs.readFileSync(path.join(tmp, 'guest-mb2.elf')));
    expect(findMb2Header(image)).toBeDefined();
    expect(validateMb2Header(image)).toEqual([]);
    const out = path.join(tmp, `grub-${firmware}.txt`);
    await runOk(path.join(guestDir, 'run-grub.sh'), [path.join(tmp, 'guest-mb2.elf'), '256M', out, path.join(tmp, 'a.bin'), path.join(tmp, 'b.bin')], {
      timeoutMs: 180_000,
      env: { ...process.env, FIRMWARE: firmware },
    });
    dump = parseMbDump(fs.readFileSync(out, 'utf8'), 'BOOTPROTO-MB2-DUMP v1');
  });

  it('decodes every tag; command lines and modules match grub.cfg', () => {
    expect(dump.eax).toBe(MULTIBOOT2_BOOTLOADER_MAGIC);
    const memory = createPhysicalMemory(memoryRegions(dump));
    const info = readMb2Info(memory, dump.ebx);
    expect(info.ended).toBe(true);
    expect(info.tags.every((t) => t.kind !== 'unknown')).toBe(true);
    expect(mb2Tag(info, 'cmdline')?.string).toBe('console=ttyS0 hello=world');
    const mods = mb2Tags(info, 'module');
    expect(mods.map((m) => m.string)).toEqual(['a.bin arg0', 'b.bin arg1']);
    expect(memory.read(mods[0]?.modStart ?? 0, 5000)).toEqual(seededBytes(7, 5000));
    expect(memory.read(mods[1]?.modStart ?? 0, 123)).toEqual(seededBytes(8, 123));
    // Under EFI GRUB passes one memory map entry of its own type 20 through: a warning.
    expect(validateMb2Info(memory, dump.ebx, { moduleAlign: true }).filter((p) => p.code !== 'UNKNOWN_TYPE')).toEqual([]);
    expect(encodeMb2Info(info)).toEqual(readMb2InfoBytes(memory, dump.ebx));
    if (firmware === 'efi') {
      const efi = mb2Tag(info, 'efi-mmap');
      expect(efi && mb2EfiMemoryMap(efi).descriptors.length).toBeGreaterThan(10);
      expect(mb2Tag(info, 'efi64')).toBeDefined();
    }
  });
});
