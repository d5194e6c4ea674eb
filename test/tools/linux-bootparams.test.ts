/**
 * The current Debian amd64 kernel, decoded whole: `apt-get download` the
 * package `linux-image-amd64` depends on into `.cache/linux-bootparams/`,
 * unpack it with `dpkg-deb -x`, and check what bootproto reads against the
 * package's own metadata and against `objdump`, `file` and `xz`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  XLF_CAN_BE_LOADED_ABOVE_4G,
  XLF_EFI_HANDOVER_64,
  XLF_KERNEL_64,
  buildZeroPage,
  checkLoaderResult,
  inspectBzImage,
  validateSetupHeader,
  type BzImageInfo,
} from '../../src/linux-bootparams/index.js';
import { runOk } from './helpers.js';
import { CACHE, currentKernelPackage, debianPackage, vmlinuzOf } from './linux-bootparams/debian.js';

const cache = CACHE;
let pkg = '';
let version = '';
let vmlinuzPath = '';
let image: Uint8Array;
let info: BzImageInfo;

beforeAll(async () => {
  pkg = await currentKernelPackage();
  const unpacked = await debianPackage(pkg);
  version = unpacked.version;
  vmlinuzPath = vmlinuzOf(unpacked);
  image = new Uint8Array(fs.readFileSync(vmlinuzPath));
  info = inspectBzImage(image);
});

describe('the current Debian amd64 kernel', () => {
  it('speaks protocol 2.15 and is a 64-bit bzImage that may be loaded above 4 GiB', () => {
    expect(info.protocolText).toBe('2.15');
    expect(info.isBzImage).toBe(true);
    const x = info.header.xloadflags ?? 0;
    expect(x & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G)).toBe(XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
    expect(validateSetupHeader(image).filter((p) => p.severity === 'error')).toEqual([]);
    expect(info.notes).toEqual([]);
  });

  it('carries the package version in its kernel version string, as file(1) reads it', async () => {
    expect(info.kernelVersion).toContain(`Debian ${version} `);
    expect(info.kernelVersion?.startsWith(pkg.replace('linux-image-', ''))).toBe(true);
    const f = await runOk('file', ['-b', vmlinuzPath]);
    expect(f.stdout).toContain(`version ${info.kernelVersion}`);
  });

  it('holds a complete XZ payload that xz decompresses to an ELF kernel', async () => {
    expect(info.payload?.compression).toBe('xz');
    expect(info.payload?.complete).toBe(true);
    expect((info.payload?.fileOffset ?? 0) + (info.payload?.length ?? 0)).toBeLessThanOrEqual(info.setupSize + info.syssizeBytes);
    const tmp = path.join(cache, 'payload.xz');
    fs.writeFileSync(tmp, image.subarray(info.payload?.fileOffset, (info.payload?.fileOffset ?? 0) + (info.payload?.length ?? 0)));
    const r = await runOk('sh', ['-c', `xz -dc --single-stream < '${tmp}' | head -c 4 | od -An -tx1`]);
    expect(r.stdout.trim()).toBe('7f 45 4c 46');
  });

  it('has an EFI stub: a PE/COFF header objdump agrees with, and the 64-bit handover entry', async () => {
    expect(info.peCoff.present).toBe(true);
    expect((info.header.xloadflags ?? 0) & XLF_EFI_HANDOVER_64).toBe(XLF_EFI_HANDOVER_64);
    const o = await runOk('objdump', ['-f', vmlinuzPath]);
    expect(o.stdout).toContain('file format pei-x86-64');
  });

  it('carries the image checksum, which signing invalidates and the unsigned build keeps', async () => {
    // Debian's signed image: sbsign rewrote PE fields inside the covered part and appended the signature.
    expect(info.checksum?.ok).toBe(false);
    expect(info.checksum?.trailing).toBeGreaterThan(0);
    const unsigned = await debianPackage(`${pkg}-unsigned`);
    const plain = new Uint8Array(fs.readFileSync(vmlinuzOf(unsigned)));
    const u = inspectBzImage(plain);
    expect(u.checksum).toMatchObject({ ok: true, trailing: 0, covered: plain.length });
    expect(u.checksum?.stored).toBe(info.checksum?.stored);
    expect(u.kernelVersion).toBe(info.kernelVersion);
  });

  it('has a kernel_info that names the setup_data types it accepts', () => {
    expect(info.kernelInfo?.header).toBe(0x506f544c);
    expect((info.kernelInfo?.setupTypeMax ?? 0) >>> 31).toBe(1); // SETUP_INDIRECT understood
    expect((info.kernelInfo?.setupTypeMax ?? 0) & 0xff).toBeGreaterThanOrEqual(9); // at least SETUP_RNG_SEED
  });

  it('gets a clean zero page from the builder, which the loader check accepts', () => {
    const built = buildZeroPage({
      image,
      cmdline: 'console=ttyS0',
      cmdlinePaddr: 0x20000n,
      zeroPagePaddr: 0x7000n,
      initrd: { paddr: 0x7000000n, size: 0x800000n },
      e820: [{ addr: 0n, size: 0x9fc00n, type: 1 }, { addr: 0x100000n, size: 0x7f00000n, type: 1 }],
    });
    expect(built.problems).toEqual([]);
    expect(checkLoaderResult(image, built.zeroPage, { captured: 'boot_params' }).problems).toEqual([]);
  });
});
