/**
 * Runs in Chromium (vitest browser project): the bridges and the conformance
 * checks need nothing from Node. The QEMU PVH dump and the GRUB Multiboot 2
 * dump come through Vite (`?raw`); no node: imports here.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { bootParamsFromMb2, bootParamsFromPvh, decodeBootParams } from '../../src/linux-bootparams/index.js';
import { checkMb2Handoff, readMb2Info } from '../../src/multiboot/index.js';
import { checkPvhHandoff, decodeHandoff } from '../../src/pvh/index.js';
import pvhText from '../fixtures/pvh/qemu-pc-128M.serial.txt?raw';
import mb2Text from '../fixtures/multiboot/grub-mb2-128M.serial.txt?raw';
import { memoryRegions, parseMbDump } from '../multiboot/dump.js';
import { parsePvhDump } from '../tools/pvh-guest/dump.js';

const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('bridges and conformance in the browser', () => {
  it.runIf(inBrowser)('QEMU\'s PVH handoff: clean, and its zero page has the memmap, the hole, 2.12 and 0xB0', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    const dump = parsePvhDump(pvhText);
    const memory = createPhysicalMemory(dump.regions);
    expect(checkPvhHandoff(memory, dump.ebx, { linux: true })).toEqual([]);
    const h = decodeHandoff(memory, dump.ebx);
    const bp = decodeBootParams(bootParamsFromPvh(h).zeroPage);
    expect(bp.e820Entries).toBe(h.memmap.length + 1);
    expect([bp.hdr.version, bp.hdr.typeOfLoader]).toEqual([0x020c, 0xb0]);
  });
  it.runIf(inBrowser)('GRUB\'s Multiboot 2 information: no error, and a zero page with its command line', () => {
    const dump = parseMbDump(mb2Text, 'BOOTPROTO-MB2-DUMP v1');
    const memory = createPhysicalMemory(memoryRegions(dump));
    expect(checkMb2Handoff(memory, dump.ebx, { eax: dump.eax }).filter((p) => p.severity === 'error')).toEqual([]);
    const built = bootParamsFromMb2(readMb2Info(memory, dump.ebx), BigInt(dump.ebx));
    expect(built.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(decodeBootParams(built.zeroPage).hdr.cmdLinePtr).toBeGreaterThan(dump.ebx);
  });
});
