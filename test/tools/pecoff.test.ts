/**
 * PE/COFF against real images and real tools. Debian packages are taken
 * with `apt-get download` and unpacked with `dpkg-deb -x` into
 * `.cache/pecoff/`: the amd64 kernel (`vmlinuz`, a bzImage with an EFI
 * stub), `systemd-boot-efi` (the Linux stub and the boot manager),
 * `shim-signed`/`shim-unsigned`, and GRUB (`grub-efi-amd64-bin`, plus an
 * image made here with `grub-mkimage -O x86_64-efi`). A UKI is assembled
 * with `objcopy --add-section`, another with bootproto's own builder.
 *
 * Every header field, data directory, section and base relocation is
 * compared with python3-pefile (test/tools/pecoff/pefile-dump.py), the
 * sections with `objdump -h`, the checksum with pefile's
 * `generate_checksum()`, the Authenticode SHA-256 with `pesign --hash`;
 * a copy signed with `sbsign` (throwaway key) shows its certificate, and
 * `sbverify --list` counts the signatures we count.
 *
 * Needs: python3-pefile, pesign, sbsigntool, openssl, binutils, grub-common (grub-mkimage).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { specName, type Layout } from '../../src/core/index.js';
import {
  IMAGE_DOS_HEADER,
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_SECTION_HEADER,
  addSections,
  authenticodeSha256,
  buildUki,
  decodeBaseRelocations,
  decodeCertificates,
  decodeLinuxCompat,
  decodeLinuxImageHeader,
  decodePeImage,
  decodeSbat,
  decodeUki,
  encodePeHeaders,
  peChecksum,
  summarizePeImage,
  validatePeImage,
  validateUki,
  type PeImage,
} from '../../src/pecoff/index.js';
import { REPO_ROOT, makeTempDir, removeTempDir, runOk } from './helpers.js';

const cache = path.join(REPO_ROOT, '.cache/pecoff');
const x = path.join(cache, 'x');
const images: Record<string, string> = {};
let tmp = '';

interface PefileView {
  dos: Record<string, number | string>;
  file: Record<string, number>;
  optional: Record<string, number>;
  directories: [number, number][];
  sections: Record<string, number | string>[];
  relocations: [number, number, [number, number][]][];
  generateChecksum: number;
}
let pefile: Record<string, PefileView> = {};

const ARM64_APT = (dir: string): string[] => [
  '-o', 'APT::Architecture=arm64', '-o', 'APT::Architectures::=arm64',
  '-o', `Dir::State::Lists=${dir}/lists`, '-o', `Dir::Cache=${dir}/cache`, '-o', 'Dir::State::status=/dev/null',
];

/** Downloads arm64 packages into `.cache/pecoff/arm64` and unpacks them into `.cache/pecoff/arm64/x`. */
async function downloadArm64(): Promise<void> {
  const dir = path.join(cache, 'arm64');
  for (const d of ['lists/partial', 'cache/archives/partial', 'x']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const opts = ARM64_APT(dir);
  if (!fs.readdirSync(dir).some((f) => f.startsWith('linux-image-') && f.endsWith('.deb'))) {
    await runOk('apt-get', [...opts, 'update'], { timeoutMs: 600_000 });
    const deps = await runOk('apt-cache', [...opts, 'depends', 'linux-image-arm64']);
    const kpkg = /Depends: (linux-image-[0-9][^\s]*-arm64)\s/.exec(deps.stdout)?.[1] ?? '';
    expect(kpkg).not.toBe('');
    await runOk('apt-get', [...opts, 'download', kpkg, 'systemd-boot-efi'], { cwd: dir, timeoutMs: 600_000 });
  }
  for (const deb of fs.readdirSync(dir).filter((f) => f.endsWith('.deb'))) await runOk('dpkg-deb', ['-x', path.join(dir, deb), path.join(dir, 'x')]);
  const boot = path.join(dir, 'x/boot');
  images.arm64Kernel = path.join(boot, fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) as string);
  images.arm64Stub = path.join(dir, 'x/usr/lib/systemd/boot/efi/linuxaa64.efi.stub');
  images.arm64Sdboot = path.join(dir, 'x/usr/lib/systemd/boot/efi/systemd-bootaa64.efi');
}

async function download(pkg: string): Promise<string> {
  let deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (deb === undefined) {
    await runOk('apt-get', ['download', pkg], { cwd: cache, timeoutMs: 600_000 });
    deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  }
  const p = path.join(cache, deb as string);
  await runOk('dpkg-deb', ['-x', p, x]);
  return p;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const read = (p: string): Uint8Array => new Uint8Array(fs.readFileSync(p));

beforeAll(async () => {
  fs.mkdirSync(cache, { recursive: true });
  tmp = makeTempDir('pecoff');
  const deps = await runOk('apt-cache', ['depends', 'linux-image-amd64']);
  const kpkg = /Depends: (linux-image-[0-9][^\s]*-amd64)\s/.exec(deps.stdout)?.[1] ?? '';
  expect(kpkg).not.toBe('');
  for (const p of [kpkg, 'systemd-boot-efi', 'shim-signed', 'shim-unsigned', 'grub-efi-amd64-bin']) await download(p);
  const boot = path.join(x, 'boot');
  images.vmlinuz = path.join(boot, fs.readdirSync(boot).find((f) => f.startsWith(`vmlinuz-`) && kpkg.endsWith(f.slice('vmlinuz-'.length))) as string);
  images.stub = path.join(x, 'usr/lib/systemd/boot/efi/linuxx64.efi.stub');
  images.sdboot = path.join(x, 'usr/lib/systemd/boot/efi/systemd-bootx64.efi');
  images.shimSigned = path.join(x, 'usr/lib/shim/shimx64.efi.signed');
  images.shim = path.join(x, 'usr/lib/shim/shimx64.efi');
  images.mm = path.join(x, 'usr/lib/shim/mmx64.efi');
  images.grubMonolithic = path.join(x, 'usr/lib/grub/x86_64-efi/monolithic/grubx64.efi');
  // GRUB as Debian's grub-mkimage makes it.
  images.grub = path.join(tmp, 'grub-mkimage.efi');
  await runOk('grub-mkimage', ['-O', 'x86_64-efi', '-d', path.join(x, 'usr/lib/grub/x86_64-efi'), '-p', '/EFI/debian', '-o', images.grub, 'normal', 'part_gpt', 'fat', 'linux', 'echo']);
  // A UKI as Debian assembles one without ukify.
  fs.writeFileSync(path.join(tmp, 'osrel'), 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  fs.writeFileSync(path.join(tmp, 'cmdline'), 'console=ttyS0 root=/dev/vda1 quiet');
  fs.writeFileSync(path.join(tmp, 'initrd'), Buffer.alloc(100_000, 0x42));
  images.uki = path.join(tmp, 'uki-objcopy.efi');
  await runOk('objcopy', [
    '--add-section', `.osrel=${tmp}/osrel`, '--change-section-vma', '.osrel=0x20000',
    '--add-section', `.cmdline=${tmp}/cmdline`, '--change-section-vma', '.cmdline=0x30000',
    '--add-section', `.initrd=${tmp}/initrd`, '--change-section-vma', '.initrd=0x3000000',
    '--add-section', `.linux=${images.vmlinuz}`, '--change-section-vma', '.linux=0x2000000',
    images.stub, images.uki,
  ]);
  // bootproto's own UKI from the same parts.
  images.ukiOurs = path.join(tmp, 'uki-bootproto.efi');
  fs.writeFileSync(images.ukiOurs, buildUki({
    stub: read(images.stub),
    linux: read(images.vmlinuz),
    initrd: read(path.join(tmp, 'initrd')),
    cmdline: 'console=ttyS0 root=/dev/vda1 quiet',
    osrel: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  }));
  // arm64: the kernel, systemd's stub and boot manager, and a UKI of them made by bootproto.
  await downloadArm64();
  images.arm64Uki = path.join(tmp, 'uki-arm64.efi');
  fs.writeFileSync(images.arm64Uki, buildUki({ stub: read(images.arm64Stub as string), linux: read(images.arm64Kernel as string), cmdline: 'console=ttyAMA0', osrel: 'ID=debian\n' }));
  // A signed copy of the stub.
  await runOk('openssl', ['req', '-new', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=bootproto throwaway/', '-keyout', `${tmp}/key.pem`, '-out', `${tmp}/cert.pem`]);
  images.stubSigned = path.join(tmp, 'stub-signed.efi');
  await runOk('sbsign', ['--key', `${tmp}/key.pem`, '--cert', `${tmp}/cert.pem`, '--output', images.stubSigned, images.stub]);
  const dump = await runOk('/usr/bin/python3', [path.join(REPO_ROOT, 'test/tools/pecoff/pefile-dump.py'), ...Object.values(images)], { timeoutMs: 300_000 });
  pefile = JSON.parse(dump.stdout) as Record<string, PefileView>;
}, 900_000);

const PEFILE_NAME: Record<string, string> = { Win32VersionValue: 'Reserved1', VirtualSize: 'Misc_VirtualSize' };
function compare(layout: Layout, ours: Record<string, unknown>, theirs: Record<string, number | string>, what: string): void {
  for (const key of layout.order) {
    const f = layout.fields[key];
    if (f === undefined) continue;
    const name = specName(key, f);
    if (name === 'Name') continue;
    const v = ours[key];
    const t = theirs[PEFILE_NAME[name] ?? name];
    if (v instanceof Uint8Array) expect(hex(v), `${what} ${name}`).toBe(t);
    else expect(Number(v), `${what} ${name}`).toBe(Number(t));
  }
}

const NAMES = ['vmlinuz', 'stub', 'sdboot', 'shimSigned', 'shim', 'mm', 'grubMonolithic', 'grub', 'uki', 'ukiOurs', 'stubSigned', 'arm64Kernel', 'arm64Stub', 'arm64Sdboot', 'arm64Uki'];

describe.each(NAMES)('%s', (name) => {
  let bytes: Uint8Array;
  let image: PeImage;
  beforeAll(() => {
    bytes = read(images[name] as string);
    image = decodePeImage(bytes);
  });

  it('has every header field, directory and section pefile reads', () => {
    const p = pefile[images[name] as string] as PefileView;
    compare(IMAGE_DOS_HEADER, image.dosHeader, p.dos, 'dos');
    compare(IMAGE_FILE_HEADER, image.fileHeader, p.file, 'file');
    compare(image.pe32Plus ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32, image.optionalHeader, p.optional, 'optional');
    expect(image.dataDirectories.map((d) => [d.virtualAddress, d.size])).toEqual(p.directories);
    expect(image.sections.length).toBe(p.sections.length);
    image.sections.forEach((s, i) => {
      compare(IMAGE_SECTION_HEADER, s as unknown as Record<string, unknown>, p.sections[i] as Record<string, number | string>, `section ${i}`);
      expect(s.rawName).toBe(p.sections[i]?.Name);
    });
  });

  it('has the base relocations pefile reads', () => {
    const p = pefile[images[name] as string] as PefileView;
    // pefile stops reading a block at the first repeated (offset, type) pair (a guard of its
    // own: the repeats it meets are IMAGE_REL_BASED_ABSOLUTE padding); bootproto lists every
    // entry. Cut ours the same way to compare.
    const ours = decodeBaseRelocations(image).map((b) => {
      const seen = new Set<number>();
      const entries: [number, number][] = [];
      for (const e of b.entries) {
        const k = e.type * 0x10000 + e.offset;
        if (seen.has(k)) break;
        seen.add(k);
        entries.push([e.type, e.rva]);
      }
      return [b.virtualAddress, b.sizeOfBlock, entries];
    });
    expect(ours).toEqual(p.relocations);
  });

  it.skipIf(name.startsWith('arm64'))('has the sections objdump -h lists (long names resolved, as objdump resolves them)', async () => {
    const out = (await runOk('objdump', ['-h', images[name] as string])).stdout;
    const rows = [...out.matchAll(/^\s*(\d+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)].map((m) => [m[2], parseInt(m[4] as string, 16), parseInt(m[5] as string, 16)]);
    const base = BigInt(image.optionalHeader.imageBase);
    expect(rows).toEqual(image.sections.map((s) => [s.resolvedName, Number(base + BigInt(s.virtualAddress)), s.pointerToRawData]));
    // objdump -x reads the whole image (headers, directories, relocations) without complaint.
    const all = await runOk('objdump', ['-x', images[name] as string], { timeoutMs: 120_000 });
    expect(all.stderr).toBe('');
    expect(all.stdout).toContain(`SizeOfImage\t\t${image.optionalHeader.sizeOfImage.toString(16).padStart(8, '0')}`);
  });

  it('has the checksum pefile computes and the Authenticode digest pesign prints', async () => {
    const p = pefile[images[name] as string] as PefileView;
    expect(peChecksum(image)).toBe(p.generateChecksum);
    const h = (await runOk('pesign', ['--hash', '-i', images[name] as string])).stdout.trim().split(/\s+/).pop();
    expect(hex(authenticodeSha256(image))).toBe(h);
  });

  it('re-encodes its headers to the same bytes and validates without errors', () => {
    expect(Buffer.compare(Buffer.from(encodePeHeaders(image)), Buffer.from(bytes))).toBe(0);
    expect(validatePeImage(bytes).filter((p) => p.severity === 'error')).toEqual([]);
  });
});

describe('certificates', () => {
  it('the sbsign-signed stub shows its one certificate, holding our digest; sbverify agrees', async () => {
    const im = decodePeImage(read(images.stubSigned as string));
    const certs = decodeCertificates(im);
    expect(certs.map((c) => [c.revisionName, c.typeName])).toEqual([['WIN_CERT_REVISION_2_0', 'WIN_CERT_TYPE_PKCS_SIGNED_DATA']]);
    expect(hex(certs[0]?.bCertificate ?? new Uint8Array())).toContain(hex(authenticodeSha256(im)));
    const list = await runOk('sbverify', ['--list', images.stubSigned as string]);
    expect((list.stdout.match(/^signature \d+/gm) ?? []).length).toBe(1);
    await runOk('sbverify', ['--cert', `${tmp}/cert.pem`, images.stubSigned as string]);
  });
  it('a UKI bootproto built, signed by sbsign, verifies with sbverify, and its signature holds our digest', async () => {
    const signed = path.join(tmp, 'uki-bootproto-signed.efi');
    await runOk('sbsign', ['--key', `${tmp}/key.pem`, '--cert', `${tmp}/cert.pem`, '--output', signed, images.ukiOurs as string]);
    await runOk('sbverify', ['--cert', `${tmp}/cert.pem`, signed]);
    const im = decodePeImage(read(signed));
    expect(hex(decodeCertificates(im)[0]?.bCertificate ?? new Uint8Array())).toContain(hex(authenticodeSha256(im)));
    const h = (await runOk('pesign', ['--hash', '-i', signed])).stdout.trim().split(/\s+/).pop();
    expect(hex(authenticodeSha256(im))).toBe(h);
  });
  it('Debian\'s signed shim carries two certificates, as sbverify lists', async () => {
    const im = decodePeImage(read(images.shimSigned as string));
    const certs = decodeCertificates(im);
    expect(certs.length).toBe(2);
    const list = await runOk('sbverify', ['--list', images.shimSigned as string]);
    expect((list.stdout.match(/^signature \d+/gm) ?? []).length).toBe(2);
  });
  it('Debian\'s kernel is signed', () => {
    expect(decodeCertificates(decodePeImage(read(images.vmlinuz as string))).length).toBeGreaterThan(0);
  });
});

describe('EFI and Linux specifics', () => {
  it('the arm64 kernel is an Image whose header is also the MS-DOS header, signed, with the PE header at res5', () => {
    const bytes = read(images.arm64Kernel as string);
    const h = decodeLinuxImageHeader(bytes);
    expect(h?.arch).toBe('arm64');
    expect(h?.efiStub).toBe(true);
    const im = decodePeImage(bytes);
    if (h?.arch === 'arm64') {
      expect(h.header.res5).toBe(im.peOffset);
      expect(h.header.imageSize).toBeGreaterThan(BigInt(bytes.length) / 2n);
    }
    expect(im.fileHeader.machine).toBe(0xaa64);
    expect(decodeCertificates(im).length).toBeGreaterThan(0);
  });
  it('the UKIs keep the stub\'s layout rules (validateUki)', () => {
    for (const n of ['ukiOurs', 'arm64Uki']) expect(validateUki(read(images[n] as string)), n).toEqual([]);
    // The objcopy recipe here (as older guides give it) puts .initrd above .linux: allowed, but not ukify's layout.
    expect(validateUki(read(images.uki as string)).map((p) => `${p.severity}:${p.code}:${p.message}`)).toEqual(['warning:UKI_LINUX_NOT_LAST:.initrd lies above .linux in memory']);
  });
  it('the arm64 UKI holds the arm64 kernel whole', () => {
    const u = decodeUki(decodePeImage(read(images.arm64Uki as string)));
    expect(Buffer.compare(Buffer.from(u.linux as Uint8Array), fs.readFileSync(images.arm64Kernel as string))).toBe(0);
    expect(u.cmdline).toBe('console=ttyAMA0');
  });
  it('summarizePeImage sees the kernel as both a PE image and an x86 bzImage, signed and error-free', () => {
    const s = summarizePeImage(read(images.vmlinuz as string));
    expect(s.x86BzImage).toBe(true);
    expect(s.machine).toBe('IMAGE_FILE_MACHINE_AMD64');
    expect(s.certificates.length).toBeGreaterThan(0);
    expect(s.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(summarizePeImage(read(images.arm64Kernel as string)).linuxImage?.arch).toBe('arm64');
  });
  it('the kernel\'s .compat names its ia32 entry point, inside .text', () => {
    const im = decodePeImage(read(images.vmlinuz as string));
    const e = decodeLinuxCompat(im);
    expect(e.length).toBe(1);
    expect(e[0]?.machineType).toBe(0x14c);
    const text = im.sections.find((s) => s.resolvedName === '.text');
    expect(e[0]?.entryPoint).toBeGreaterThanOrEqual(text?.virtualAddress ?? Infinity);
  });
  it('systemd-boot, the stub, shim and GRUB carry SBAT records starting with the sbat line', () => {
    for (const n of ['stub', 'sdboot', 'shim', 'grubMonolithic']) {
      const r = decodeSbat(decodePeImage(read(images[n] as string)));
      expect(r[0]?.componentName, n).toBe('sbat');
      expect(r.length, n).toBeGreaterThan(1);
    }
  });
  it('the objcopy-made UKI and bootproto\'s decode to the same parts', () => {
    const a = decodeUki(decodePeImage(read(images.uki as string)));
    const b = decodeUki(decodePeImage(read(images.ukiOurs as string)));
    expect(a.osrel).toEqual({ ID: 'debian', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' });
    expect(b.osrel).toEqual(a.osrel);
    expect(b.cmdline).toBe(a.cmdline);
    expect(Buffer.compare(Buffer.from(b.initrd as Uint8Array), Buffer.from(a.initrd as Uint8Array))).toBe(0);
    expect(Buffer.compare(Buffer.from(b.linux as Uint8Array), Buffer.from(a.linux as Uint8Array))).toBe(0);
    expect(Buffer.compare(Buffer.from(a.linux as Uint8Array), fs.readFileSync(images.vmlinuz as string))).toBe(0);
  });
  it('addSections with objcopy\'s VMAs gives objcopy\'s section table', () => {
    const ours = addSections(read(images.stub as string), [
      { name: '.osrel', data: fs.readFileSync(`${tmp}/osrel`), virtualAddress: 0x20000 },
      { name: '.cmdline', data: fs.readFileSync(`${tmp}/cmdline`), virtualAddress: 0x30000 },
      { name: '.initrd', data: fs.readFileSync(`${tmp}/initrd`), virtualAddress: 0x3000000 },
      { name: '.linux', data: read(images.vmlinuz as string), virtualAddress: 0x2000000 },
    ]);
    const shape = (im: PeImage): unknown[] => im.sections.map((s) => [s.resolvedName, s.virtualAddress, s.virtualSize, s.sizeOfRawData, s.pointerToRawData, s.characteristics]);
    const theirs = decodePeImage(read(images.uki as string));
    const mine = decodePeImage(ours);
    expect(shape(mine)).toEqual(shape(theirs));
    expect(mine.optionalHeader.sizeOfImage).toBe(theirs.optionalHeader.sizeOfImage);
    expect(mine.optionalHeader.checkSum).toBe(peChecksum(mine));
  });
});

describe('cleanup', () => {
  it('removes the temporary directory', () => {
    removeTempDir(tmp);
  });
});
