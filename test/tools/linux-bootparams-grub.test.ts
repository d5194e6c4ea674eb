/**
 * GRUB 2 as the loader: grub-mkrescue (i386-pc) makes an ISO whose grub.cfg
 * boots our test bzImage with `linux16` (16-bit boot protocol; the guest's
 * real-mode code dumps the header region) or `linux` (32-bit boot protocol; the
 * guest's 32-bit entry dumps the zero page GRUB built); QEMU boots it. The
 * check of what the loader left must find no error: GRUB's one deviation,
 * boot_flag left 0 in the zero page, is a warning.
 *
 * Needs grub-mkrescue (grub-common, grub-pc-bin), xorriso, mtools, qemu-system-x86_64, gcc, binutils.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhysicalMemory, formatProblem } from '../../src/core/index.js';
import { checkLoaderResult, decodeBootParams, decodeLoaderId, decodeSetupHeader } from '../../src/linux-bootparams/index.js';
import { REPO_ROOT, describeRun, makeTempDir, removeTempDir, run, runOk, seededBytes } from './helpers.js';
import { parseLinuxDump } from './linux-bootparams/guest/dump.js';

const INITRD = seededBytes(0x6b0b, 4000);
let tmp: string;
let image: Uint8Array;

beforeAll(async () => {
  tmp = makeTempDir('lbp-grub-');
  await runOk('bash', [path.join(REPO_ROOT, 'test/tools/linux-bootparams/guest/build.sh'), tmp]);
  image = new Uint8Array(fs.readFileSync(path.join(tmp, 'bzImage')));
});
afterAll(() => removeTempDir(tmp));

async function grubBoot(mode: 'linux' | 'linux16'): Promise<ReturnType<typeof parseLinuxDump>> {
  const iso = path.join(tmp, `iso-${mode}`);
  fs.mkdirSync(path.join(iso, 'boot/grub'), { recursive: true });
  fs.writeFileSync(path.join(iso, 'boot/bzImage'), image);
  fs.writeFileSync(path.join(iso, 'boot/initrd.bin'), INITRD);
  fs.writeFileSync(
    path.join(iso, 'boot/grub/grub.cfg'),
    `set timeout=0\nserial --unit=0 --speed=115200\nterminal_output serial\nmenuentry "bootproto" {\n  ${mode} /boot/bzImage console=ttyS0 x=1\n  ${mode === 'linux' ? 'initrd' : 'initrd16'} /boot/initrd.bin\n  boot\n}\n`,
  );
  const out = path.join(tmp, `${mode}.iso`);
  await runOk('grub-mkrescue', ['-o', out, iso, '-d', '/usr/lib/grub/i386-pc'], { timeoutMs: 120_000 });
  const r = await run('qemu-system-x86_64', [
    '-machine', 'pc', '-m', '256M', '-accel', 'tcg', '-cdrom', out,
    '-nodefaults', '-nographic', '-display', 'none', '-no-reboot', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ], { timeoutMs: 60_000 });
  expect(r.code, describeRun('qemu', r)).toBe(33);
  return parseLinuxDump(r.stdout);
}

describe('GRUB 2 (i386-pc) as the loader', () => {
  it('linux16: only loader fields change, the pointers hold what GRUB was given', async () => {
    const regions = await grubBoot('linux16');
    const real = regions.find((r) => r.label === 'real');
    const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes })));
    expect(decodeLoaderId(decodeSetupHeader(real?.bytes ?? new Uint8Array()).typeOfLoader ?? 0).id).toBe(7);
    const check = checkLoaderResult(image, real?.bytes ?? new Uint8Array(), { memory, expectCmdline: 'BOOT_IMAGE=/boot/bzImage console=ttyS0 x=1', expectInitrd: INITRD });
    expect(check.problems.map(formatProblem)).toEqual([]);
    expect(check.changes.every((c) => c.allowed)).toBe(true);
  });

  it('linux: the zero page GRUB built validates, with boot_flag 0 the one (warned) deviation', async () => {
    const regions = await grubBoot('linux');
    const zp = regions.find((r) => r.label === 'zeropage');
    const memory = createPhysicalMemory(regions.map((r) => ({ paddr: r.paddr, bytes: r.bytes })));
    const bp = decodeBootParams(zp?.bytes ?? new Uint8Array(4096));
    expect(bp.e820Entries).toBeGreaterThan(2);
    const check = checkLoaderResult(image, zp?.bytes ?? new Uint8Array(), {
      captured: 'boot_params',
      memory,
      zeroPagePaddr: zp?.paddr ?? 0n,
      expectCmdline: 'BOOT_IMAGE=/boot/bzImage console=ttyS0 x=1',
      expectInitrd: INITRD,
    });
    expect(check.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    expect(check.changes.filter((c) => !c.allowed).map((c) => c.field)).toEqual(['boot_flag']);
  });
});
