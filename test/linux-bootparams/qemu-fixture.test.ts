/**
 * What QEMU 7.2 wrote for `-kernel qemu-guest.bzImage -initrd … -append … -dtb …`,
 * as the guest dumped it over serial (see test/fixtures/linux-bootparams/README.md).
 */
import { readBytes } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { CAN_USE_HEAP, checkLoaderResult, decodeLoaderId, decodeSetupHeader, walkSetupData } from '../../src/linux-bootparams/index.js';
import { parseLinuxDump } from '../tools/linux-bootparams/guest/dump.js';

const file = (name: string): Uint8Array => readBytes(`test/fixtures/linux-bootparams/${name}`);
const image = file('qemu-guest.bzImage');
const dtb = file('qemu-test.dtb');
const initrd = file('qemu-initrd.bin');
const regions = parseLinuxDump(new TextDecoder().decode(file('qemu-pc-128M.serial.txt')));
const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes })));
const real = regions.find((r) => r.label === 'real')?.bytes ?? new Uint8Array();

describe('QEMU -kernel (pc, 128M), as dumped by our guest', () => {
  it('wrote what FIELD-NOTES says it writes, and nothing else', () => {
    const h = decodeSetupHeader(real);
    expect(decodeLoaderId(h.typeOfLoader ?? 0)).toEqual({ id: 0xb, version: 0 });
    expect((h.loadflags ?? 0) & CAN_USE_HEAP).toBe(CAN_USE_HEAP);
    expect(h.heapEndPtr).toBe(0xfe00);
    expect(h.cmdLinePtr).toBe(0x20000);
    expect(h.ramdiskImage).toBe(0x7fdf000);
    expect(h.ramdiskSize).toBe(3000);
    expect(h.vidMode).toBe(0x317);
    const r = checkLoaderResult(image, real, {
      memory,
      expectCmdline: 'console=ttyS0 vga=0x317 quoted="a b" last',
      expectInitrd: initrd,
      expectDtb: dtb,
    });
    expect(r.problems).toEqual([]);
    expect(r.changes.map((c) => [c.field, c.allowed])).toEqual([
      ['vid_mode', true],
      ['type_of_loader', true],
      ['loadflags', true],
      ['ramdisk_image', true],
      ['ramdisk_size', true],
      ['heap_end_ptr', true],
      ['cmd_line_ptr', true],
      ['setup_data', true],
    ]);
  });

  it('put one SETUP_DTB node after the kernel holding the -dtb file', () => {
    const nodes = walkSetupData(memory, decodeSetupHeader(real).setupData ?? 0n);
    // Right after the protected-mode part, which QEMU loads at 0x100000 (the real-mode part is 8 sectors).
    expect(nodes.map((n) => [n.paddr, n.typeName, n.len])).toEqual([[0x100000n + BigInt(image.length - 8 * 512), 'SETUP_DTB', dtb.length]]);
    expect(nodes[0]?.payload?.kind === 'SETUP_DTB' && nodes[0].payload.fdtMagic).toBe(true);
    expect(nodes[0]?.data).toEqual(dtb);
  });

  it('a loader that rewrote read-only fields would be caught', () => {
    const bad = real.slice();
    bad[0x234] = 1; // relocatable_kernel
    bad[0x1f1] = 4; // setup_sects
    const r = checkLoaderResult(image, bad, { memory });
    expect(r.changes.filter((c) => !c.allowed).map((c) => c.field)).toEqual(['setup_sects', 'relocatable_kernel']);
  });
});

describe('checkLoaderResult on QEMU\'s capture changed at a named field', () => {
  const patched = (at: number, value: number): Uint8Array => {
    const b = real.slice();
    new DataView(b.buffer).setUint32(at, value, true);
    return b;
  };

  it('a command line or setup_data pointer into unbacked memory is reported, not thrown', () => {
    const r = checkLoaderResult(image, patched(0x228, 0x5000000), { memory });
    expect(r.cmdline).toBeUndefined();
    expect(r.problems).toMatchObject([{ severity: 'error', code: 'UNMAPPED', structure: 'setup_header', field: 'cmd_line_ptr', paddr: 0x5000000n }]);
    const s = checkLoaderResult(image, patched(0x250, 0x5000000), { memory });
    expect(s.setupData).toBeUndefined();
    expect(s.problems).toMatchObject([{ severity: 'error', code: 'UNMAPPED', structure: 'setup_data', paddr: 0x5000000n }]);
  });

  it('INITRD_MISMATCH for a ramdisk_size other than the initrd\'s; an initrd outside memory is UNMAPPED', () => {
    const r = checkLoaderResult(image, patched(0x21c, initrd.length + 1), { memory, expectInitrd: initrd });
    expect(r.problems).toMatchObject([{ severity: 'error', code: 'INITRD_MISMATCH', field: 'ramdisk_size', message: `ramdisk_size is ${initrd.length + 1}, the initrd has ${initrd.length} bytes` }]);
    const u = checkLoaderResult(image, patched(0x218, 0x5000000), { memory, expectInitrd: initrd });
    expect(u.problems).toMatchObject([{ severity: 'error', code: 'UNMAPPED', paddr: 0x5000000n }]);
  });

  it('DTB_MISSING without a SETUP_DTB node; DTB_MISMATCH when the node holds another tree', () => {
    const r = checkLoaderResult(image, patched(0x250, 0), { memory, expectDtb: dtb });
    expect(r.problems).toMatchObject([{ severity: 'error', code: 'DTB_MISSING', field: 'setup_data', message: 'no SETUP_DTB node, although the loader was given a device tree' }]);
    const other = dtb.slice();
    other[other.length - 1] = (other[other.length - 1] ?? 0) ^ 0xff;
    const m = checkLoaderResult(image, real, { memory, expectDtb: other });
    expect(m.problems).toMatchObject([{ severity: 'error', code: 'DTB_MISMATCH', field: 'setup_data', paddr: m.setupData?.[0]?.paddr }]);
  });
});
