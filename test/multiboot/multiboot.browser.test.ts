/**
 * Runs in Chromium (vitest browser project): the Multiboot module and the
 * dump parser need nothing from Node. Fixtures come through Vite: the serial
 * dumps as `?raw` strings, a kernel image by fetch.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, multiboot } from '../../src/index.js';
import {
  Mb2TagCursor,
  buildMb2Info,
  decodeMb1Handoff,
  encodeMb2Info,
  findMb1Header,
  mb2Tag,
  readMb2Info,
  validateMb1Handoff,
  validateMb2Info,
} from '../../src/multiboot/index.js';
import { memoryRegions, parseMbDump, regionOf } from './dump.js';
import mb1Serial from '../fixtures/multiboot/qemu-mb1-elf-128M.serial.txt?raw';
import mb2Serial from '../fixtures/multiboot/grub-mb2-128M.serial.txt?raw';


const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('Multiboot in the browser', () => {
  it.runIf(inBrowser)('runs in Chromium, without Node', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(multiboot.decodeMb1Handoff).toBe(decodeMb1Handoff);
  });

  it('decodes and validates what QEMU wrote (Multiboot 1)', () => {
    const dump = parseMbDump(mb1Serial);
    const memory = createPhysicalMemory(memoryRegions(dump));
    const h = decodeMb1Handoff(memory, dump.ebx);
    expect(h.cmdline).toBe('guest.elf console=ttyS0 hello=world');
    expect(h.modules?.map((m) => m.string)).toEqual(['mod1.bin first arg', 'mod2.bin']);
    expect(validateMb1Handoff(memory, dump.ebx)).toEqual([]);
  });

  it('decodes, walks and re-encodes what GRUB wrote (Multiboot 2)', () => {
    const dump = parseMbDump(mb2Serial, 'BOOTPROTO-MB2-DUMP v1');
    const bytes = regionOf(dump, 'info').bytes;
    const memory = createPhysicalMemory(memoryRegions(dump));
    const info = readMb2Info(memory, dump.ebx);
    expect(mb2Tag(info, 'cmdline')?.string).toBe('console=ttyS0 hello=world');
    expect(encodeMb2Info(info)).toEqual(bytes);
    const c = new Mb2TagCursor(bytes);
    let n = 0;
    while (c.next()) n++;
    expect(n).toBe(info.tags.length);
    expect(validateMb2Info(memory, dump.ebx)).toEqual([]);
    const out = createPhysicalMemory([], { growable: true });
    const built = buildMb2Info(out, { cmdline: 'x', modules: [{ start: 0x100000, data: new Uint8Array(3) }] }, 0x8000);
    expect(validateMb2Info(out, built.infoPaddr)).toEqual([]);
  });

  it.runIf(inBrowser)('finds the header of a kernel fetched over HTTP', async () => {
    const image = new Uint8Array(await (await fetch(new URL('../fixtures/multiboot/mb1-guest.elf', import.meta.url))).arrayBuffer());
    expect(findMb1Header(image)?.offset).toBe(0x1000);
  });
});
