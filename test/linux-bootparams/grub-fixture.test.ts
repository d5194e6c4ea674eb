/**
 * What GRUB 2.06 (i386-pc) left for our test bzImage under QEMU, with `linux16`
 * (16-bit protocol, the header region) and `linux` (32-bit protocol, the zero
 * page it built). See test/fixtures/linux-bootparams/README.md.
 */
import { readBytes } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, formatProblem } from '../../src/core/index.js';
import {
  E820_TYPE_RAM,
  checkLoaderResult,
  decodeBootParams,
  decodeLoaderId,
  decodeSetupHeader,
  validateZeroPageInMemory,
} from '../../src/linux-bootparams/index.js';
import { parseLinuxDump } from '../tools/linux-bootparams/guest/dump.js';

const file = (name: string): Uint8Array => readBytes(`test/fixtures/linux-bootparams/${name}`);
const image = file('qemu-guest.bzImage');
const initrd = file('qemu-initrd.bin');
const dump = (name: string): ReturnType<typeof parseLinuxDump> => parseLinuxDump(new TextDecoder().decode(file(name)));
// GRUB puts BOOT_IMAGE= first and re-quotes the argument it split: what the kernel gets is not the grub.cfg line.
const GRUB_CMDLINE = 'BOOT_IMAGE=/boot/bzImage console=ttyS0 vga=0x317 "quoted=a b" last';

describe('GRUB linux16 (16-bit boot protocol)', () => {
  const regions = dump('grub-linux16-pc-128M.serial.txt');
  const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes })));
  const real = regions.find((r) => r.label === 'real');

  it('loads the real-mode part at 0x90000 and writes only loader fields', () => {
    expect(real?.paddr).toBe(0x90000n);
    const h = decodeSetupHeader(real?.bytes ?? new Uint8Array());
    expect(decodeLoaderId(h.typeOfLoader ?? 0)).toEqual({ id: 7, version: 2 }); // GRUB
    const r = checkLoaderResult(image, real?.bytes ?? new Uint8Array(), { memory, expectCmdline: GRUB_CMDLINE, expectInitrd: initrd });
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.changes.map((c) => [c.field, c.allowed])).toEqual([
      ['vid_mode', true],
      ['type_of_loader', true],
      ['loadflags', true],
      ['ramdisk_image', true],
      ['ramdisk_size', true],
      ['heap_end_ptr', true],
      ['cmd_line_ptr', true],
    ]);
    // The command line right after the heap: real-mode base + heap end.
    expect(h.cmdLinePtr).toBe(0x90000 + (h.heapEndPtr ?? 0) + 0x200);
  });
});

describe('GRUB linux (32-bit boot protocol)', () => {
  const regions = dump('grub-linux-pc-128M.serial.txt');
  const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes })));
  const zp = regions.find((r) => r.label === 'zeropage');

  it('builds a zero page with an e820 map and screen_info, leaving boot_flag 0', () => {
    expect(zp?.paddr).toBe(0x8c000n);
    const bp = decodeBootParams(zp?.bytes ?? new Uint8Array(4096));
    expect(bp.e820Entries).toBe(bp.e820Table.length);
    expect(bp.e820Table.filter((e) => e.type === E820_TYPE_RAM).reduce((a, e) => a + e.size, 0n)).toBeGreaterThan(120n << 20n);
    expect(bp.screenInfo.origVideoCols).toBe(80);
    expect(bp.sentinel).toBe(0);
    expect(bp.hdr.bootFlag).toBe(0);
    expect(bp.hdr.rootDev).toBe(0x100);
    const f = validateZeroPageInMemory(memory, zp?.paddr ?? 0n);
    expect(f.cmdline).toBe(GRUB_CMDLINE);
    expect(f.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
  });

  it('is judged lawful except for the inert boot_flag, a warning', () => {
    const r = checkLoaderResult(image, zp?.bytes ?? new Uint8Array(), {
      captured: 'boot_params',
      memory,
      zeroPagePaddr: zp?.paddr ?? 0n,
      expectCmdline: GRUB_CMDLINE,
      expectInitrd: initrd,
    });
    expect(r.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    expect(r.problems.map((p) => p.code).sort()).toEqual(['BAD_MAGIC', 'INERT_FIELD_CHANGED']);
    expect(r.changes.filter((c) => !c.allowed).map((c) => c.field)).toEqual(['boot_flag']);
    expect(r.changes.map((c) => c.field)).toEqual(['root_dev', 'boot_flag', 'type_of_loader', 'loadflags', 'ramdisk_image', 'ramdisk_size', 'heap_end_ptr', 'cmd_line_ptr']);
  });
});
