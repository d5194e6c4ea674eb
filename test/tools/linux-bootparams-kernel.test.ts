/**
 * The zero page a real kernel received: boot the current Debian amd64 kernel
 * in QEMU (`-kernel vmlinuz -initrd … -append … -dtb …`) with an initramfs of
 * Debian's static busybox whose /init prints `/sys/kernel/boot_params/data`
 * (the kernel's copy of its zero page), the `setup_data` nodes the kernel
 * exports, `/proc/cmdline` and the kernel's own "BIOS-e820" lines, then powers
 * off. Decode the zero page and compare it with what the kernel says.
 *
 * Needs qemu-system-x86_64, dtc, apt-get/dpkg-deb (Debian's archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/core/index.js';
import {
  E820_TYPE_ACPI,
  E820_TYPE_NVS,
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  KASLR_FLAG,
  SETUP_DTB,
  bootParamsAddresses,
  checkLoaderResult,
  decodeBootParams,
  validateBootParams,
  type BootE820Entry,
} from '../../src/linux-bootparams/index.js';
import { REPO_ROOT, describeRun, makeTempDir, removeTempDir, run, runOk } from './helpers.js';
import { cpioNewc } from './linux-bootparams/cpio.js';
import { currentKernelPackage, debianPackage, vmlinuzOf } from './linux-bootparams/debian.js';

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t proc proc /proc
echo BOOTPROTO-ZEROPAGE v1
/bin/busybox hexdump -v -e '32/1 "%02x" "\\n"' /sys/kernel/boot_params/data
echo end
echo BOOTPROTO-KERNEL-VIEW v1
echo version $(/bin/busybox cat /sys/kernel/boot_params/version)
for d in /sys/kernel/boot_params/setup_data/*; do
  [ -d "$d" ] || continue
  echo setup_data $(/bin/busybox cat $d/type)
  /bin/busybox hexdump -v -e '32/1 "%02x" "\\n"' $d/data
done
echo cmdline $(/bin/busybox cat /proc/cmdline)
/bin/busybox dmesg | /bin/busybox grep -e 'BIOS-e820'
echo end
/bin/busybox poweroff -f
`;
// loglevel=1: no kernel message may land inside the dump on the shared console.
const APPEND = 'console=ttyS0 quiet loglevel=1 panic=-1 bootproto=zero-page';
const DTS = '/dts-v1/;\n/ {\n\tcompatible = "bootproto,test";\n\tmodel = "bootproto linux-bootparams test";\n};\n';

let tmp: string;
let image: Uint8Array;
let dtb: Uint8Array;
const files = { kernel: '', initrd: '', dtb: '' };

beforeAll(async () => {
  tmp = makeTempDir('lbp-kernel-');
  const kernel = await debianPackage(await currentKernelPackage());
  const busybox = await debianPackage('busybox-static');
  files.kernel = vmlinuzOf(kernel);
  image = new Uint8Array(fs.readFileSync(files.kernel));
  files.initrd = path.join(tmp, 'initramfs.cpio');
  fs.writeFileSync(
    files.initrd,
    cpioNewc([
      { name: 'bin', mode: 0o40755 },
      { name: 'sys', mode: 0o40755 },
      { name: 'proc', mode: 0o40755 },
      { name: 'dev', mode: 0o40755 },
      { name: 'dev/console', mode: 0o20600, rdevMajor: 5, rdevMinor: 1 },
      { name: 'bin/busybox', mode: 0o100755, data: new Uint8Array(fs.readFileSync(path.join(busybox.root, 'bin/busybox'))) },
      { name: 'init', mode: 0o100755, data: new TextEncoder().encode(INIT) },
    ]),
  );
  fs.writeFileSync(path.join(tmp, 't.dts'), DTS);
  files.dtb = path.join(tmp, 't.dtb');
  await runOk('dtc', ['-I', 'dts', '-O', 'dtb', '-o', files.dtb, path.join(tmp, 't.dts')]);
  dtb = new Uint8Array(fs.readFileSync(files.dtb));
});
afterAll(() => removeTempDir(tmp));

/** The hex lines after `header` up to `end`, as bytes (busybox pads a short last line with spaces). */
function block(serial: string, header: string): string[] {
  const start = serial.indexOf(header);
  if (start < 0) throw new Error(`"${header}" not in the serial output`);
  const lines = serial.slice(start + header.length).replace(/\r/g, '').split('\n').slice(1);
  return lines.slice(0, lines.findIndex((l) => l.trim() === 'end'));
}
const hexBytes = (lines: string[]): Uint8Array => {
  const hex = lines.map((l) => l.trim()).filter((l) => /^[0-9a-f]+$/.test(l)).join('');
  return Uint8Array.from((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
};

const E820_NAMES: Record<string, number> = { usable: E820_TYPE_RAM, reserved: E820_TYPE_RESERVED, 'ACPI data': E820_TYPE_ACPI, 'ACPI NVS': E820_TYPE_NVS };

describe.each([
  ['pc', '256M'],
  ['q35', '512M'],
] as const)('the Debian kernel under QEMU -machine %s -m %s', (machine, mem) => {
  it('received a zero page that bootproto decodes as the kernel itself reads it', async () => {
    const r = await run('qemu-system-x86_64', [
      '-machine', machine, '-m', mem, '-accel', 'tcg',
      '-kernel', files.kernel, '-initrd', files.initrd, '-append', APPEND, '-dtb', files.dtb,
      '-nodefaults', '-nographic', '-display', 'none', '-no-reboot', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
    ], { timeoutMs: 170_000 });
    expect(r.code, describeRun('qemu', r)).toBe(0);
    const zp = hexBytes(block(r.stdout, 'BOOTPROTO-ZEROPAGE v1'));
    if (process.env.LBP_SAVE_FIXTURES === '1') {
      // The recipe of test/fixtures/linux-bootparams/kernel-*: run this file with LBP_SAVE_FIXTURES=1.
      const out = path.join(REPO_ROOT, 'test/fixtures/linux-bootparams');
      fs.writeFileSync(path.join(out, `kernel-${machine}-${mem}.zeropage.bin`), zp);
      fs.writeFileSync(path.join(out, `kernel-${machine}-${mem}.view.txt`), `${block(r.stdout, 'BOOTPROTO-KERNEL-VIEW v1').join('\n')}\n`);
    }
    expect(zp.length).toBe(4096);
    const view = block(r.stdout, 'BOOTPROTO-KERNEL-VIEW v1');

    const bp = decodeBootParams(zp);
    expect(validateBootParams(zp).filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    expect(`version 0x${bp.hdr.version.toString(16).padStart(4, '0')}`).toBe(view.find((l) => l.startsWith('version ')));
    expect(bp.hdr.typeOfLoader).toBe(0xb0);
    expect(bp.sentinel).toBe(0);
    expect(bootParamsAddresses(bp).ramdiskSize).toBe(BigInt(fs.statSync(files.initrd).size));
    expect(view.find((l) => l.startsWith('cmdline '))).toBe(`cmdline ${APPEND}`);

    // The e820 table, entry by entry, as the kernel printed it.
    const printed: BootE820Entry[] = view
      .map((l) => /BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ addr: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`) - BigInt(`0x${m[1]}`) + 1n, type: E820_NAMES[(m[3] as string).trim()] ?? -1 }));
    expect(printed.length).toBeGreaterThan(3);
    expect(bp.e820Table).toEqual(printed);

    // The SETUP_DTB node the kernel exports is the -dtb file.
    const typeLine = view.findIndex((l) => l.startsWith('setup_data '));
    expect(view[typeLine]).toBe(`setup_data 0x${SETUP_DTB.toString(16)}`);
    const next = view.findIndex((l, i) => i > typeLine && /^(setup_data|cmdline) /.test(l));
    expect(hexBytes(view.slice(typeLine + 1, next))).toEqual(dtb);
    expect(bp.hdr.setupData).not.toBe(0n);

    // Judged against the image: every loader change lawful; the kernel's own KASLR_FLAG recognised.
    const check = checkLoaderResult(image, zp, { captured: 'boot_params', kernelRan: true });
    expect(check.problems.map(formatProblem)).toEqual([]);
    const loadflags = check.changes.find((c) => c.field === 'loadflags');
    expect(loadflags?.allowed).toBe(true);
    const strict = checkLoaderResult(image, zp, { captured: 'boot_params' });
    const kaslr = (Number(loadflags?.after) & KASLR_FLAG) !== 0;
    expect(strict.changes.filter((c) => !c.allowed).map((c) => c.field)).toEqual(kaslr ? ['loadflags'] : []);
  });
});
