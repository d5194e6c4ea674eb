/**
 * Linux's own PVH entry against bootParamsFromPvh: the Debian amd64 kernel's
 * vmlinux (the ELF inside its bzImage, which carries XEN_ELFNOTE_PHYS32_ENTRY)
 * booted by QEMU through PVH (`-kernel vmlinux`), with an initramfs whose
 * /init prints `/sys/kernel/boot_params/data` — the zero page Linux's
 * `init_pvh_bootparams` built from QEMU's start_info. QEMU's start_info for
 * the same machine and memory size is in test/fixtures/pvh (captured by our
 * PVH test guest); bootParamsFromPvh on it must give the kernel's zero page,
 * apart from where the command line and the initrd are (this boot's own).
 *
 * Needs qemu-system-x86_64, xz, apt-get/dpkg-deb (Debian's archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { bootParamsFromPvh, decodeBootParams, inspectBzImage } from '../../src/linux-bootparams/index.js';
import { decodeHandoff, findPvhEntry } from '../../src/pvh/index.js';
import { describeRun, makeTempDir, removeTempDir, run } from './helpers.js';
import { cpioNewc } from './linux-bootparams/cpio.js';
import { currentKernelPackage, debianPackage, vmlinuzOf } from './linux-bootparams/debian.js';
import { parsePvhDump } from './pvh-guest/dump.js';

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
echo BOOTPROTO-ZEROPAGE v1
/bin/busybox hexdump -v -e '32/1 "%02x" "\\n"' /sys/kernel/boot_params/data
echo end
/bin/busybox poweroff -f
`;
const APPEND = 'console=ttyS0 quiet loglevel=1 panic=-1 bootproto=pvh';

let tmp: string;
const files = { vmlinux: '', initrd: '' };

beforeAll(async () => {
  tmp = makeTempDir('lbp-pvh-');
  const kernel = await debianPackage(await currentKernelPackage());
  const busybox = await debianPackage('busybox-static');
  const bz = new Uint8Array(fs.readFileSync(vmlinuzOf(kernel)));
  const payload = inspectBzImage(bz).payload;
  if (payload === undefined || payload.compression !== 'xz') throw new Error(`expected an xz payload, got ${payload?.compression}`);
  const xzFile = path.join(tmp, 'payload.xz');
  fs.writeFileSync(xzFile, bz.subarray(payload.fileOffset, payload.fileOffset + payload.length));
  // The payload ends with the kernel's 4-byte size after the xz stream: --single-stream stops before it.
  const out = await run('sh', ['-c', `xz -dc --single-stream '${xzFile}' > '${path.join(tmp, 'vmlinux')}'`]);
  expect(out.code, describeRun('xz', out)).toBe(0);
  files.vmlinux = path.join(tmp, 'vmlinux');
  files.initrd = path.join(tmp, 'initramfs.cpio');
  fs.writeFileSync(
    files.initrd,
    cpioNewc([
      { name: 'bin', mode: 0o40755 },
      { name: 'sys', mode: 0o40755 },
      { name: 'dev', mode: 0o40755 },
      { name: 'dev/console', mode: 0o20600, rdevMajor: 5, rdevMinor: 1 },
      { name: 'bin/busybox', mode: 0o100755, data: new Uint8Array(fs.readFileSync(path.join(busybox.root, 'bin/busybox'))) },
      { name: 'init', mode: 0o100755, data: new TextEncoder().encode(INIT) },
    ]),
  );
});
afterAll(() => removeTempDir(tmp));

function zeroPageOf(serial: string): Uint8Array {
  const start = serial.indexOf('BOOTPROTO-ZEROPAGE v1');
  if (start < 0) throw new Error('no zero page in the serial output');
  const lines = serial.slice(start).replace(/\r/g, '').split('\n').slice(1);
  const hex = lines.slice(0, lines.findIndex((l) => l.trim() === 'end')).map((l) => l.trim()).join('');
  return Uint8Array.from((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
}

describe.each([
  ['pc', '128M', 'qemu-pc-128M.serial.txt'],
  ['q35', '512M', 'qemu-q35-512M.serial.txt'],
] as const)('Debian\'s vmlinux through PVH under QEMU -machine %s -m %s', (machine, mem, fixture) => {
  it('the vmlinux carries the PVH entry note', () => {
    expect(findPvhEntry(new Uint8Array(fs.readFileSync(files.vmlinux)))).toBeDefined();
  });

  it('Linux built the zero page bootParamsFromPvh builds from QEMU\'s start_info', async () => {
    // The dump crosses a 115200-baud serial console under TCG; a boot whose
    // dump came through short (seen once in several runs) is booted again.
    let linux: Uint8Array = new Uint8Array();
    for (let attempt = 0; attempt < 3 && linux.length !== 4096; attempt++) {
      const r = await run('qemu-system-x86_64', [
        '-machine', machine, '-m', mem, '-accel', 'tcg',
        '-kernel', files.vmlinux, '-initrd', files.initrd, '-append', APPEND,
        '-nodefaults', '-nographic', '-display', 'none', '-no-reboot', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
      ], { timeoutMs: 170_000 });
      expect(r.code, describeRun('qemu', r)).toBe(0);
      linux = zeroPageOf(r.stdout);
    }
    expect(linux.length).toBe(4096);

    const dump = parsePvhDump(fs.readFileSync(new URL(`../fixtures/pvh/${fixture}`, import.meta.url), 'utf8'));
    const handoff = decodeHandoff(createPhysicalMemory(dump.regions), dump.ebx);
    // This boot's initrd and command line are ours, not the fixture's: same pointers otherwise.
    const mod0 = handoff.modules[0];
    if (mod0 !== undefined) mod0.size = BigInt(fs.statSync(files.initrd).size);
    const ours = bootParamsFromPvh(handoff, { acpiRsdpAddr: false });
    expect(ours.problems).toEqual([]);

    const bpLinux = decodeBootParams(linux);
    const bpOurs = decodeBootParams(ours.zeroPage);
    expect(bpLinux.e820Table).toEqual(bpOurs.e820Table);
    expect(bpLinux.e820Entries).toBe(bpOurs.e820Entries);
    expect(bpLinux.hdr.version).toBe(0x020c);
    expect(bpLinux.hdr.typeOfLoader).toBe(0xb0);
    expect(bpLinux.hdr.ramdiskSize).toBe(bpOurs.hdr.ramdiskSize);
    expect(bpLinux.hdr.cmdLinePtr).not.toBe(0);
    // Every other byte: only where this boot's command line and initrd lie may differ.
    const differ = [...linux.keys()].filter((i) => linux[i] !== ours.zeroPage[i]);
    const allowed = (i: number): boolean => (i >= 0x218 && i < 0x21c) || (i >= 0x228 && i < 0x22c);
    expect(differ.filter((i) => !allowed(i)).map((i) => `0x${i.toString(16)}: linux ${linux[i]} ours ${ours.zeroPage[i]}`)).toEqual([]);
  });
});
