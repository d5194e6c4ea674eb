/**
 * End to end against QEMU: boot our own tiny bzImage (test/tools/linux-bootparams/guest:
 * a valid setup header and real-mode setup code that dumps the header region
 * and what it points to over COM1) with -kernel, -initrd, -append and -dtb,
 * decode what QEMU wrote, and check it: type_of_loader, the command line at
 * cmd_line_ptr equal to -append, the initrd fields and bytes equal to the
 * file, heap_end_ptr and CAN_USE_HEAP, vid_mode from vga=, the SETUP_DTB node
 * equal to the -dtb file; then the "what a loader left" check must find no
 * violation.
 *
 * Needs qemu-system-x86_64, gcc (-m16), as, ld and dtc.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysicalMemory, formatProblem } from '../../src/core/index.js';
import {
  CAN_USE_HEAP,
  LOADED_HIGH,
  SETUP_DTB,
  checkLoaderResult,
  decodeSetupHeader,
  inspectBzImage,
  validateSetupHeader,
  walkSetupData,
} from '../../src/linux-bootparams/index.js';
import { REPO_ROOT, describeRun, makeTempDir, removeTempDir, run, runOk, seededBytes } from './helpers.js';
import { parseLinuxDump } from './linux-bootparams/guest/dump.js';

const GUEST = path.join(REPO_ROOT, 'test/tools/linux-bootparams/guest');
const INITRD = seededBytes(0x11a0b00f, 3000);
const APPEND = 'console=ttyS0 vga=0x317 quoted="a b" punct=!#$%&()*+,-./:;<=>?@[\\]^_`{|}~ last';
const DTS = '/dts-v1/;\n/ {\n\tcompatible = "bootproto,test";\n\tmodel = "bootproto linux-bootparams test";\n\tchosen { bootargs = "from-dtb"; };\n};\n';

let tmp: string;
let image: Uint8Array;
let dtb: Uint8Array;
let files: { kernel: string; initrd: string; dtb: string };

beforeAll(async () => {
  tmp = makeTempDir('lbp-qemu-');
  await runOk('bash', [path.join(GUEST, 'build.sh'), tmp]);
  files = { kernel: path.join(tmp, 'bzImage'), initrd: path.join(tmp, 'initrd.bin'), dtb: path.join(tmp, 'test.dtb') };
  fs.writeFileSync(files.initrd, INITRD);
  fs.writeFileSync(path.join(tmp, 'test.dts'), DTS);
  await runOk('dtc', ['-I', 'dts', '-O', 'dtb', '-o', files.dtb, path.join(tmp, 'test.dts')]);
  image = new Uint8Array(fs.readFileSync(files.kernel));
  dtb = new Uint8Array(fs.readFileSync(files.dtb));
});
afterAll(() => removeTempDir(tmp));

async function boot(machine: string, mem: string, withDtb: boolean): Promise<string> {
  const args = [
    '-machine', machine, '-m', mem, '-accel', 'tcg',
    '-kernel', files.kernel, '-initrd', files.initrd, '-append', APPEND,
    ...(withDtb ? ['-dtb', files.dtb] : []),
    '-nodefaults', '-nographic', '-display', 'none', '-no-reboot', '-nic', 'none',
    '-serial', 'stdio', '-monitor', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  const r = await run('qemu-system-x86_64', args, { timeoutMs: 60_000 });
  expect(r.code, describeRun('qemu', r)).toBe(33);
  return r.stdout;
}

describe('our test bzImage', () => {
  it('is a valid 2.15 bzImage by our own decoder', () => {
    expect(validateSetupHeader(image)).toEqual([]);
    const info = inspectBzImage(image);
    expect(info.protocolText).toBe('2.15');
    expect(info.setupSects).toBe(7);
    expect(info.payload?.compression).toBe('gzip');
    expect(info.kernelInfo?.setupTypeMax).toBe(0x80000009);
    expect(info.kernelVersion).toBe('bootproto-test-guest 1.0 (linux-bootparams)');
    expect(info.notes).toEqual([]);
  });
});

describe.each([
  ['pc', '128M', true],
  ['q35', '512M', true],
  ['pc', '256M', false],
] as const)('QEMU -machine %s -m %s (dtb: %s)', (machine, mem, withDtb) => {
  it('leaves a header and pointers that bootproto reads and finds lawful', async () => {
    const serial = await boot(machine, mem, withDtb);
    const regions = parseLinuxDump(serial);
    const real = regions.find((r) => r.label === 'real');
    expect(real?.paddr).toBe(0x10000n); // boot.rst's suggested base, QEMU's choice for a bzImage
    const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes, label: r.label })));
    const h = decodeSetupHeader(real?.bytes ?? new Uint8Array());
    expect(h.typeOfLoader).toBe(0xb0); // QEMU, version 0
    expect((h.loadflags ?? 0) & (CAN_USE_HEAP | LOADED_HIGH)).toBe(CAN_USE_HEAP | LOADED_HIGH);
    expect(h.cmdLinePtr).toBe(0x20000);
    expect(h.heapEndPtr).toBe(0x20000 - 0x10000 - 0x200);
    expect(h.vidMode).toBe(0x317);
    expect(h.ramdiskSize).toBe(INITRD.length);
    expect((h.ramdiskImage ?? 0) % 4096).toBe(0);
    expect((h.ramdiskImage ?? 0) + INITRD.length).toBeLessThanOrEqual(h.initrdAddrMax ?? 0);
    const check = checkLoaderResult(image, real?.bytes ?? new Uint8Array(), {
      memory,
      expectCmdline: APPEND,
      expectInitrd: INITRD,
      ...(withDtb ? { expectDtb: dtb } : {}),
    });
    expect(check.problems.map(formatProblem)).toEqual([]);
    expect(check.cmdline).toBe(APPEND);
    expect(check.changes.filter((c) => !c.allowed)).toEqual([]);
    expect(check.changes.map((c) => c.field).sort()).toEqual(
      ['cmd_line_ptr', 'heap_end_ptr', 'loadflags', 'ramdisk_image', 'ramdisk_size', 'type_of_loader', 'vid_mode', ...(withDtb ? ['setup_data'] : [])].sort(),
    );
    if (withDtb) {
      const nodes = walkSetupData(memory, h.setupData ?? 0n);
      expect(nodes.map((n) => n.type)).toEqual([SETUP_DTB]);
      expect(nodes[0]?.data).toEqual(dtb);
      // FIELD-NOTES: QEMU puts the node right after the kernel, inside init_size.
      const pmEnd = 0x100000 + (image.length - 8 * 512);
      expect(Number(nodes[0]?.paddr)).toBeGreaterThanOrEqual(pmEnd);
      expect(Number(nodes[0]?.paddr)).toBeLessThan(0x100000 + (h.initSize ?? 0));
    } else {
      expect(h.setupData).toBe(0n);
    }
  });
});
