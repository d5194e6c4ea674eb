/**
 * Runs in Chromium (vitest browser project): the library, the dump parser and
 * the ELF builder need nothing from Node. No node: imports here. Fixtures come
 * through Vite: the serial dump as a `?raw` string, the ELF image by fetch.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, detectFormat, hasErrors, pvh, toJson } from '../../src/index.js';
import {
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_MEMMAP_TYPE_RESERVED,
  buildHandoff,
  decodeHandoff,
  encodeMemmap,
  encodePvhNote,
  encodeStartInfo,
  findPvhEntry,
  validateHandoff,
} from '../../src/pvh/index.js';
import { makeElf } from '../helpers/elf-builder.js';
import { parsePvhDump } from '../tools/pvh-guest/dump.js';
import pcSerial from '../fixtures/pvh/qemu-pc-128M.serial.txt?raw';

/**
 * The node project runs this file too (it includes every test file); the two
 * tests that need a browser (a window, fetch of a served file) run only in
 * Chromium. The node project reads guest32.elf in fixtures.test.ts.
 */
const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('PVH in the browser', () => {
  it.runIf(inBrowser)('runs in Chromium, without Node', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(typeof document.createElement).toBe('function');
    expect(pvh.decodeHandoff).toBe(decodeHandoff);
  });

  it('builds a handoff, decodes and validates it', () => {
    const memory = createPhysicalMemory([], { growable: true });
    const data = new Uint8Array(300).map((_, i) => i & 0xff);
    const spec = {
      cmdline: 'console=hvc0 \u00e9 \ufeff',
      modules: [{ paddr: 0x400000n, cmdline: 'initrd', data }],
      memmap: [
        { addr: 0n, size: 0x9fc00n, type: XEN_HVM_MEMMAP_TYPE_RAM },
        { addr: 0x100000n, size: 0x7f00000n, type: XEN_HVM_MEMMAP_TYPE_RAM },
        { addr: 0xfeffc000n, size: 0x4000n, type: XEN_HVM_MEMMAP_TYPE_RESERVED },
      ],
      rsdpPaddr: 0xf5a40n,
    };
    const built = buildHandoff(memory, spec, { startInfo: 0x6000n });
    const h = decodeHandoff(memory, built.startInfoPaddr);
    expect(h.cmdline).toBe(spec.cmdline);
    expect(h.modules).toMatchObject([{ paddr: 0x400000n, size: 300n, cmdline: 'initrd' }]);
    expect(memory.read(0x400000n, 300)).toEqual(data);
    expect(h.memmap.map(({ addr, size, type }) => ({ addr, size, type }))).toEqual(spec.memmap);
    expect(h.rsdpPaddr).toBe(0xf5a40n);
    expect(validateHandoff(memory, 0x6000n, { checkModuleData: true })).toEqual([]);
    expect(JSON.parse(toJson(h.startInfo))).toMatchObject({ version: 1, modlistPaddr: '0x6038', rsdpPaddr: '0xf5a40' });
    // And a broken one: the validator reports, the decoder throws BootprotoError.
    memory.write(0x6000n, new Uint8Array(4));
    expect(hasErrors(validateHandoff(memory, 0x6000n))).toBe(true);
    expect(() => decodeHandoff(memory, 0x6000n)).toThrow(BootprotoError);
  });

  it('decodes the QEMU pc 128M serial dump (imported ?raw)', () => {
    expect(pcSerial).toContain('BOOTPROTO-PVH-DUMP v1');
    const dump = parsePvhDump(pcSerial);
    const memory = createPhysicalMemory(dump.regions);
    const h = decodeHandoff(memory, dump.ebx);
    expect(h.startInfo.version).toBe(1);
    expect(h.cmdline).toBe('console=ttyS0 bootproto-test="a b" x=1');
    expect(h.modules).toHaveLength(1);
    expect(h.modules[0]?.size).toBe(3000n);
    expect(h.modules[0]?.cmdline).toBeUndefined();
    const ram = h.memmap.filter((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM).reduce((a, e) => a + e.size, 0n);
    expect(ram).toBe(0x7f7fc00n);
    expect(validateHandoff(memory, dump.ebx, { checkModuleData: true })).toEqual([]);
    const region = (label: string): Uint8Array => dump.regions.find((r) => r.label === label)?.bytes ?? new Uint8Array(0);
    expect(encodeStartInfo(h.startInfo)).toEqual(region('start_info'));
    expect(encodeMemmap(h.memmap)).toEqual(region('memmap'));
    expect(region('mod0-data').every((b, i) => b === ((i * 7 + 3) & 255))).toBe(true);
  });

  it.runIf(inBrowser)('finds the PVH entry of guest32.elf (fetched)', async () => {
    const response = await fetch(new URL('../fixtures/pvh/guest32.elf', import.meta.url));
    expect(response.ok).toBe(true);
    const file = new Uint8Array(await response.arrayBuffer());
    expect(file.length).toBe(6076);
    expect(findPvhEntry(file)).toEqual({ entry: 0x100000n, descSize: 4, sources: ['segment', 'section'], offset: 0x14fc, elfClass: 32 });
    expect(encodePvhNote(0x100000n)).toEqual(file.subarray(0x14fc, 0x14fc + 0x14));
    expect(detectFormat(file)).toBe('pvh-elf');
  });

  it('finds the entry in a synthetic big-endian ELF64, and encodePvhNote writes that note', () => {
    const note = encodePvhNote(0x2000000n, 8, false);
    const { file, noteOffset } = makeElf({
      elfClass: 64,
      littleEndian: false,
      notes: [{ name: 'Xen', type: 18, desc: note.subarray(16) }],
      section: true,
    });
    expect(file.subarray(noteOffset, noteOffset + note.length)).toEqual(note);
    expect(findPvhEntry(file)).toEqual({ entry: 0x2000000n, descSize: 8, sources: ['segment', 'section'], offset: noteOffset, elfClass: 64 });
  });
});
