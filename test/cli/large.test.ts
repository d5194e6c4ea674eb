/**
 * `inspect` of a kernel or PE image larger than the whole-file limit
 * (16 MiB): its headers are read in slices (the checksum, digest and
 * directories need the whole file: `--whole`), while every other format and
 * `validate` read the file whole. The large files are sparse: real headers,
 * then zeros.
 */
import { closeSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, json, removeDir, runCli, sample, tempDir } from './helpers.js';

const LARGE = 17 * 1024 * 1024;
let dir: string;
beforeAll(() => {
  dir = tempDir('cli-large');
});
afterAll(() => removeDir(dir));

/** `bytes`, then zeros up to `size` (a sparse file). */
function large(name: string, bytes: Uint8Array, size = LARGE): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}

interface Pe {
  format: string;
  pe: { format: string; sections: unknown[]; headersOnly?: string; x86BzImage?: boolean; authenticodeSha256?: string };
  problems: unknown[];
}

describe('inspect of a large kernel or PE image', () => {
  it('a PE image: headers and sections read in slices, with a note; --whole reads it all', () => {
    const file = large('app64-large.efi', readFileSync(fixturePath('pecoff/app64.efi')));
    const r = runCli(['inspect', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PE32\+ image, machine IMAGE_FILE_MACHINE_AMD64, subsystem IMAGE_SUBSYSTEM_EFI_APPLICATION$/m);
    expect(r.stdout).toContain(`headers only: the file has ${LARGE} bytes`);
    const j = json<Pe>(runCli(['inspect', '--json', file]));
    expect(j.format).toBe('pe');
    expect(j.pe.headersOnly).toMatch(/^headers only/);
    expect(j.pe.sections.length).toBe(6);
    expect(j.pe.x86BzImage).toBe(false);
    const whole = json<Pe>(runCli(['inspect', '--json', '--whole', file]));
    expect(whole.pe.headersOnly).toBeUndefined();
    expect(whole.pe.authenticodeSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a bzImage with an EFI stub: the kernel headers and the PE view, both from slices', () => {
    const file = large('vmlinuz-large', readFileSync(sample('linux/vmlinuz-head.bin')));
    const r = runCli(['inspect', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The same file as a PE/COFF image (the EFI stub):');
    expect(r.stdout).toContain('headers only');
    const j = json<Pe & { bzImage: unknown }>(runCli(['inspect', '--json', file]));
    expect(j.format).toBe('bzimage');
    expect(j.bzImage).toBeDefined();
    expect(j.pe.x86BzImage).toBe(true);
  });

  it('a bzImage without an EFI stub: the kernel headers only', () => {
    const file = large('bzimage-large', readFileSync(fixturePath('linux-bootparams/qemu-guest.bzImage')));
    const r = runCli(['inspect', '--json', file]);
    expect(r.code).toBe(0);
    const j = json<{ format: string; pe?: unknown }>(r);
    expect(j.format).toBe('bzimage');
    expect(j.pe).toBeUndefined();
  });

  it('another format, and validate, read the file whole', () => {
    const dtb = large('large.dtb', readFileSync(sample('fdt/qemu-aarch64-virt.dtb')));
    const r = runCli(['inspect', '--json', dtb]);
    expect(json(r)['format']).toBe('fdt');
    const v = runCli(['validate', '--json', large('app64-large2.efi', readFileSync(fixturePath('pecoff/app64.efi')))]);
    // Read whole: the checks that need the whole image run (the zeros after the image are not a problem of its headers).
    expect([0, 1]).toContain(v.code);
    expect(Array.isArray(json(v)['problems'])).toBe(true);
  });

  it('a large file whose PE headers are damaged: a one-line error or problems, never a crash', () => {
    const pe = new Uint8Array(readFileSync(fixturePath('pecoff/app64.efi')));
    const lfanew = new DataView(pe.buffer).getUint32(60, true);
    new DataView(pe.buffer).setUint16(lfanew + 6, 0xffff, true); // NumberOfSections
    const r = runCli(['inspect', large('bad-large.efi', pe)]);
    expect([0, 1, 2]).toContain(r.code);
    if (r.code === 2) expect(r.stderr).toMatch(/^bootproto: [^\n]+\n$/);
    else expect(r.stderr).toBe('');
  });
});
