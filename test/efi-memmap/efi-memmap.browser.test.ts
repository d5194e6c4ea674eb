/**
 * Runs in Chromium (vitest browser project): the module needs nothing from
 * Node. No node: imports here; the OVMF fixture comes through Vite as `?raw`.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError, efiMemmap } from '../../src/index.js';
import {
  E820_TYPE_RAM,
  attributeHasBit,
  decodeMemoryMap,
  encodeMemoryMap,
  linuxMemmapLines,
  toE820,
  validateMemoryMap,
  viewMemoryMap,
} from '../../src/efi-memmap/index.js';
import { parseEfiMemmapDump } from '../tools/efi-memmap-app/dump.js';
import q35Serial from '../fixtures/efi-memmap/ovmf-q35-256M.serial.txt?raw';

const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('efi-memmap in the browser', () => {
  it.runIf(inBrowser)('runs in Chromium, without Node', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(efiMemmap.decodeMemoryMap).toBe(decodeMemoryMap);
  });

  it('reads, checks, converts and prints the OVMF map', () => {
    const dump = parseEfiMemmapDump(q35Serial);
    const where = { descriptorSize: dump.descriptorSize, mapSize: dump.mapSize };
    const map = decodeMemoryMap(dump.bytes, where);
    expect(map.descriptors).toHaveLength(120);
    expect(encodeMemoryMap(map)).toEqual(dump.bytes);
    expect(validateMemoryMap(dump.bytes, where)).toEqual([]);
    expect(toE820(map).entries[0]).toEqual({ addr: 0n, size: 0xa0000n, type: E820_TYPE_RAM });
    expect(linuxMemmapLines(map)[119]).toMatch(/^efi: mem119: \[MMIO {8}\|RUN\|/);
    const view = viewMemoryMap(dump.bytes, where);
    let runtime = 0;
    for (let i = 0; i < view.count; i++) if (attributeHasBit(view.get(i).attributeLo, view.get(i).attributeHi, 63)) runtime++;
    expect(runtime).toBe(5);
    expect(() => decodeMemoryMap(dump.bytes, { descriptorSize: 0 })).toThrow(BootprotoError);
  });
});
