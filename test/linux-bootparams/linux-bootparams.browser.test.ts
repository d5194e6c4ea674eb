/**
 * Runs in Chromium (vitest browser project): the linux-bootparams module
 * needs nothing from Node. The real kernel head comes through Vite (`?url`
 * and fetch); no node: imports here.
 */
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, linuxBootparams, toJson } from '../../src/index.js';
import {
  E820_TYPE_RAM,
  SETUP_DTB,
  buildZeroPage,
  checkLoaderResult,
  inspectBzImage,
  validateZeroPageInMemory,
  writeZeroPage,
} from '../../src/linux-bootparams/index.js';
import headUrl from '../fixtures/linux-bootparams/vmlinuz-head.bin?url';

const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('linux-bootparams in the browser', () => {
  it.runIf(inBrowser)('inspects the real Debian kernel head, builds and checks a zero page', async () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    const head = new Uint8Array(await (await fetch(headUrl)).arrayBuffer());
    const info = inspectBzImage(head);
    expect(info.protocolText).toBe('2.15');
    expect(info.payload?.compression).toBe('xz');
    expect(info.peCoff.present).toBe(true);
    expect(info.kernelVersion).toMatch(/^6\.1\.0-/);
    const built = buildZeroPage({
      image: head,
      cmdline: 'console=ttyS0',
      cmdlinePaddr: 0x20000n,
      zeroPagePaddr: 0x7000n,
      e820: [{ addr: 0n, size: 0x9fc00n, type: E820_TYPE_RAM }, { addr: 0x100000n, size: 0x7f00000n, type: E820_TYPE_RAM }],
      setupData: [{ paddr: 0x30000n, type: SETUP_DTB, data: new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]) }],
    });
    expect(built.problems).toEqual([]);
    const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x40000) }]);
    writeZeroPage(memory, built);
    const f = validateZeroPageInMemory(memory, 0x7000n);
    expect(f.cmdline).toBe('console=ttyS0');
    expect(f.setupData?.[0]?.typeName).toBe('SETUP_DTB');
    expect(checkLoaderResult(head, built.zeroPage, { captured: 'boot_params' }).problems).toEqual([]);
    expect(toJson(built.bootParams.e820Table)).toContain('"0x9fc00"');
  });

  it('is reachable through the package namespace', () => {
    expect(linuxBootparams.inspectBzImage).toBe(inspectBzImage);
  });
});
