/**
 * The Multiboot headers of a real hypervisor: Debian's Xen (`xen-hypervisor-*-amd64`)
 * carries both a Multiboot 1 and a Multiboot 2 header in `/boot/xen-*.gz`.
 * The package is fetched with `apt-get download` into `.cache/multiboot/`
 * and unpacked with `dpkg-deb -x`; each header is decoded and validated,
 * and its offset is checked against GNU grep's byte offsets of the magic.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MULTIBOOT2_ARCHITECTURE_I386,
  MULTIBOOT2_HEADER_TAG_OPTIONAL,
  MULTIBOOT_AOUT_KLUDGE,
  detectMultiboot1,
  detectMultiboot2,
  encodeMb2Header,
  findMb1Header,
  findMb2Header,
  validateMb1Header,
  validateMb2Header,
  type FoundMb1Header,
  type FoundMb2Header,
} from '../../src/multiboot/index.js';
import { REPO_ROOT, runOk } from './helpers.js';

const cache = path.join(REPO_ROOT, '.cache/multiboot');
let image: Uint8Array;
let efiImage: Uint8Array | undefined;
let pkg: string;

/** Byte offsets of `magic` (little-endian) in the file, as GNU grep finds them. */
async function grepOffsets(file: string, magic: number): Promise<number[]> {
  const pattern = [0, 8, 16, 24].map((s) => `\\x${((magic >>> s) & 0xff).toString(16).padStart(2, '0')}`).join('');
  const r = await runOk('bash', ['-c', `LC_ALL=C grep -obUaP '${pattern}' "$1" || true`, 'grep', file]);
  return r.stdout.split('\n').filter(Boolean).map((l) => Number.parseInt(l.split(':')[0] ?? '', 10));
}

beforeAll(async () => {
  fs.mkdirSync(cache, { recursive: true });
  const search = await runOk('apt-cache', ['search', '--names-only', '^xen-hypervisor-[0-9.]+-amd64$']);
  const names = search.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => /^xen-hypervisor-[0-9.]+-amd64$/.test(n));
  pkg = names.sort().pop() ?? '';
  if (pkg === '') throw new Error(`no xen-hypervisor-*-amd64 package in apt-cache\n${search.stdout}`);
  let deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (deb === undefined) {
    await runOk('apt-get', ['download', pkg], { cwd: cache, timeoutMs: 300_000 });
    deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  }
  const out = path.join(cache, `x-${pkg}`);
  if (!fs.existsSync(out)) await runOk('dpkg-deb', ['-x', path.join(cache, deb as string), out]);
  const gz = fs.readdirSync(path.join(out, 'boot')).find((f) => /^xen-.*\.gz$/.test(f));
  if (gz === undefined) throw new Error(`no /boot/xen-*.gz in ${pkg}`);
  image = new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(out, 'boot', gz))));
  fs.writeFileSync(path.join(cache, 'xen.bin'), image);
  const efi = fs.readdirSync(path.join(out, 'boot')).find((f) => /^xen-.*\.efi$/.test(f));
  if (efi !== undefined) efiImage = new Uint8Array(fs.readFileSync(path.join(out, 'boot', efi)));
});

describe('Debian Xen hypervisor headers', () => {
  let mb1: FoundMb1Header | undefined;
  let mb2: FoundMb2Header | undefined;

  beforeAll(() => {
    mb1 = findMb1Header(image);
    mb2 = findMb2Header(image);
  });

  it('carries a Multiboot 1 header where grep finds the magic, and it validates', async () => {
    expect(detectMultiboot1(image)).toBe(true);
    const offsets = await grepOffsets(path.join(cache, 'xen.bin'), 0x1badb002);
    expect(offsets).toContain(mb1?.offset);
    expect(mb1?.offset).toBe(offsets.find((o) => o % 4 === 0 && o < 8192));
    expect(validateMb1Header(image)).toEqual([]);
    // An ELF image: no a.out kludge.
    expect((mb1?.header.flags ?? 0) & MULTIBOOT_AOUT_KLUDGE).toBe(0);
  });

  it('carries a Multiboot 2 header where grep finds the magic, and it validates', async () => {
    expect(detectMultiboot2(image)).toBe(true);
    const offsets = await grepOffsets(path.join(cache, 'xen.bin'), 0xe85250d6);
    expect(mb2?.offset).toBe(offsets.find((o) => o % 8 === 0 && o < 32768));
    expect(mb2?.header.architecture).toBe(MULTIBOOT2_ARCHITECTURE_I386);
    expect(validateMb2Header(image).filter((p) => p.severity === 'error')).toEqual([]);
    const kinds = mb2?.header.tags.map((t) => t.kind) ?? [];
    expect(kinds[kinds.length - 1]).toBe('end');
    // Xen boots from EFI through Multiboot 2: it asks for an EFI amd64 entry and boot services.
    expect(kinds).toContain('entry-address-efi64');
    expect(kinds).toContain('efi-bs');
    expect(kinds).toContain('information-request');
    // It asks for basic memory information and the memory map, and can be relocated.
    const request = mb2?.header.tags.find((t) => t.kind === 'information-request');
    expect(request?.kind === 'information-request' ? request.requests : []).toEqual(expect.arrayContaining([4, 6]));
    const reloc = mb2?.header.tags.find((t) => t.kind === 'relocatable');
    expect(reloc?.kind).toBe('relocatable');
    if (reloc?.kind === 'relocatable') {
      expect(reloc.minAddr).toBeLessThanOrEqual(reloc.maxAddr);
      expect(reloc.align & (reloc.align - 1)).toBe(0);
    }
    // Its optional tags say so in bit 0 of their flags; the end tag is required.
    expect(mb2?.header.tags.some((t) => (t.flags & MULTIBOOT2_HEADER_TAG_OPTIONAL) !== 0)).toBe(true);
    // Xen's assembler pads between header tags with 0xc2, not 0: kept on the tags.
    expect(mb2?.header.tags.some((t) => t.padding !== undefined)).toBe(true);
  });

  it('the EFI build (xen-*.efi, a PE image) carries the same two headers after its PE headers, but for the EFI entry', () => {
    if (efiImage === undefined) throw new Error(`no /boot/xen-*.efi in ${pkg}`);
    const e1 = findMb1Header(efiImage);
    const e2 = findMb2Header(efiImage);
    expect(e1?.header).toEqual(mb1?.header);
    // The same tags; only the EFI amd64 entry address differs (the EFI build links elsewhere).
    const strip = (h: typeof mb2): unknown => h?.header.tags.map((t) => (t.kind === 'entry-address-efi64' ? { ...t, entryAddr: 0 } : t));
    expect(strip(e2)).toEqual(strip(mb2));
    expect(e2?.header.headerLength).toBe(mb2?.header.headerLength);
    expect((e2?.offset ?? 0) - (e1?.offset ?? 0)).toBe((mb2?.offset ?? 0) - (mb1?.offset ?? 0));
    expect(validateMb2Header(efiImage).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('decode → encode gives the header\'s bytes back', () => {
    if (mb2 === undefined) throw new Error('no header');
    const bytes = image.subarray(mb2.offset, mb2.offset + mb2.header.headerLength);
    expect(encodeMb2Header(mb2.header)).toEqual(bytes);
  });
});
