/**
 * The PE writer against GNU objcopy on real images, and RISC-V images from
 * Debian's archive.
 *
 * amd64 (bookworm, `apt-get download` into `.cache/pecoff/`): systemd's
 * Linux stub (`systemd-boot-efi`), a copy stripped by `objcopy --strip-all`,
 * the kernel, and a UKI assembled with `objcopy --add-section`. On them:
 * `replaceSection` against `objcopy --update-section` (grown in place) and
 * against `objcopy --remove-section X --add-section X=… --change-section-vma`
 * (moved to the end), `addSections` with names longer than 8 bytes against
 * `objcopy --long-section-names enable --add-section` (with and without a
 * symbol table) — byte for byte except `TimeDateStamp` and `CheckSum`
 * (objcopy stamps the time) and, for `--update-section`, the `VirtualSize`
 * objcopy leaves stale — and `objdump -t` lists the same symbols. Every
 * result: python3-pefile reads the same header fields and sections as our
 * decoder, `objdump -x` reads it without complaint, the checksum equals
 * pefile's `generate_checksum()`, the Authenticode digest equals
 * `pesign --hash`, `validatePeImage` finds no error.
 *
 * riscv64 (Debian trixie, which has the port; bookworm has none): the
 * kernel (an `Image` that is also a PE image) and systemd's stub and boot
 * manager, fetched with a private apt configuration (source list, lists and
 * cache under `.cache/pecoff/riscv64`, `APT::Architecture=riscv64`; the
 * system's apt configuration is not touched): every PE header field and
 * section against pefile, the RISC-V Image header against the bytes read by
 * Python's `struct` per Linux's `boot-image-header.rst`, the digest against
 * pesign, and a UKI of them. bookworm's binutils (2.40, also its
 * riscv64-linux-gnu build) has no PE target for RISC-V, so objdump is not
 * asked about those.
 *
 * SBAT: `buildUki`'s merged `.sbat` is compared byte for byte with what
 * systemd's own ukify (257, `systemd-ukify` from trixie, architecture all, run
 * with bookworm's python3-pefile) writes for the same stub and kernel.
 *
 * Needs: python3-pefile, pesign, binutils, dpkg, apt (network to Debian's archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BootprotoError, specName, type Layout } from '../../src/core/index.js';
import {
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_SECTION_HEADER,
  addSections,
  authenticodeSha256,
  buildUki,
  decodeLinuxImageHeader,
  decodePeImage,
  decodeSbat,
  decodeUki,
  findSection,
  peChecksum,
  replaceSection,
  replacementPlacement,
  validatePeImage,
  validateUki,
  type PeImage,
} from '../../src/pecoff/index.js';
import { REPO_ROOT, makeTempDir, removeTempDir, run, runOk } from './helpers.js';

const cache = path.join(REPO_ROOT, '.cache/pecoff');
let tmp = '';
const files: Record<string, string> = {};
const read = (p: string): Uint8Array => new Uint8Array(fs.readFileSync(p));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function downloadAmd64(pkg: string): Promise<void> {
  const x = path.join(cache, 'x');
  let deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (deb === undefined) {
    await runOk('apt-get', ['download', pkg], { cwd: cache, timeoutMs: 600_000 });
    deb = fs.readdirSync(cache).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  }
  await runOk('dpkg-deb', ['-x', path.join(cache, deb as string), x]);
}

/** apt options that keep everything under `.cache/pecoff/riscv64`: trixie's riscv64 lists, no system state. */
function riscvApt(dir: string): string[] {
  return [
    '-o', 'APT::Architecture=riscv64', '-o', 'APT::Architectures::=riscv64',
    '-o', `Dir::Etc::sourcelist=${dir}/etc/sources.list`, '-o', 'Dir::Etc::sourceparts=/nonexistent',
    '-o', `Dir::State::Lists=${dir}/lists`, '-o', `Dir::Cache=${dir}/cache`, '-o', 'Dir::State::status=/dev/null',
  ];
}

async function downloadRiscv(): Promise<void> {
  const dir = path.join(cache, 'riscv64');
  for (const d of ['lists/partial', 'cache/archives/partial', 'x', 'etc']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/sources.list'), 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n');
  const opts = riscvApt(dir);
  if (!fs.readdirSync(dir).some((f) => f.startsWith('linux-image-') && f.endsWith('.deb'))) {
    await runOk('apt-get', [...opts, 'update'], { timeoutMs: 600_000 });
    const deps = await runOk('apt-cache', [...opts, 'depends', 'linux-image-riscv64']);
    const kpkg = /Depends: (linux-image-[0-9][^\s]*-riscv64)\s/.exec(deps.stdout)?.[1] ?? '';
    expect(kpkg).not.toBe('');
    await runOk('apt-get', [...opts, 'download', kpkg, 'systemd-boot-efi'], { cwd: dir, timeoutMs: 900_000 });
  }
  // systemd's ukify (architecture all; not in bookworm), to compare the SBAT it merges with ours.
  if (!fs.readdirSync(dir).some((f) => f.startsWith('systemd-ukify_') && f.endsWith('.deb'))) {
    await runOk('apt-get', [...opts, 'download', 'systemd-ukify'], { cwd: dir, timeoutMs: 600_000 });
  }
  for (const deb of fs.readdirSync(dir).filter((f) => f.endsWith('.deb'))) await runOk('dpkg-deb', ['-x', path.join(dir, deb), path.join(dir, 'x')]);
  const boot = path.join(dir, 'x/boot');
  files.rvKernel = path.join(boot, fs.readdirSync(boot).find((f) => /^vmlinu[xz]-/.test(f)) as string);
  files.rvStub = path.join(dir, 'x/usr/lib/systemd/boot/efi/linuxriscv64.efi.stub');
  files.rvSdboot = path.join(dir, 'x/usr/lib/systemd/boot/efi/systemd-bootriscv64.efi');
  files.ukify = path.join(dir, 'x/usr/lib/systemd/ukify');
}

/** Runs trixie's ukify (Python, with bookworm's python3-pefile) and returns the UKI it wrote. */
async function ukify(stub: string, linux: string, out: string): Promise<Uint8Array> {
  fs.writeFileSync(path.join(tmp, 'ukify-cmdline'), 'quiet');
  await runOk('/usr/bin/python3', [files.ukify as string, 'build', `--stub=${stub}`, `--linux=${linux}`, '--uname=6.1.0-test', `--cmdline=@${tmp}/ukify-cmdline`, `--output=${out}`], { timeoutMs: 300_000 });
  return read(out);
}

interface PefileView {
  file: Record<string, number>;
  optional: Record<string, number>;
  directories: [number, number][];
  sections: Record<string, number | string>[];
  generateChecksum: number;
}

async function pefile(paths: string[]): Promise<Record<string, PefileView>> {
  const out = await runOk('/usr/bin/python3', [path.join(REPO_ROOT, 'test/tools/pecoff/pefile-dump.py'), ...paths], { timeoutMs: 300_000 });
  return JSON.parse(out.stdout) as Record<string, PefileView>;
}

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

/** pefile, objdump -x (x86 only), pesign and our validator all accept the image and agree with our decoder. */
async function checkWithTools(file: string, objdump = true): Promise<PeImage> {
  const bytes = read(file);
  const im = decodePeImage(bytes);
  const p = (await pefile([file]))[file] as PefileView;
  compare(IMAGE_FILE_HEADER, im.fileHeader, p.file, 'file');
  compare(im.pe32Plus ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32, im.optionalHeader, p.optional, 'optional');
  expect(im.dataDirectories.map((d) => [d.virtualAddress, d.size])).toEqual(p.directories);
  expect(im.sections.length).toBe(p.sections.length);
  im.sections.forEach((s, i) => {
    compare(IMAGE_SECTION_HEADER, s as unknown as Record<string, unknown>, p.sections[i] as Record<string, number | string>, `section ${i}`);
    expect(s.rawName, `section ${i} Name`).toBe(p.sections[i]?.Name);
  });
  expect(peChecksum(im)).toBe(p.generateChecksum);
  const h = (await runOk('pesign', ['--hash', '-i', file])).stdout.trim().split(/\s+/).pop();
  expect(hex(authenticodeSha256(im))).toBe(h);
  expect(validatePeImage(bytes).filter((x) => x.severity === 'error')).toEqual([]);
  if (objdump) {
    const all = await runOk('objdump', ['-x', file], { timeoutMs: 120_000 });
    expect(all.stderr).toBe('');
    const rows = [...all.stdout.matchAll(/^\s*(\d+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)].map((m) => [m[2], parseInt(m[4] as string, 16), parseInt(m[5] as string, 16)]);
    const base = BigInt(im.optionalHeader.imageBase);
    expect(rows).toEqual(im.sections.map((s) => [s.resolvedName, Number(base + BigInt(s.virtualAddress)), s.pointerToRawData]));
  }
  return im;
}

/** Offsets where two images differ, leaving out TimeDateStamp and CheckSum. */
function differences(ours: Uint8Array, theirs: Uint8Array): number[] {
  const im = decodePeImage(theirs);
  const skip = new Set<number>();
  for (let i = 0; i < 4; i++) {
    skip.add(im.fileHeaderOffset + 4 + i);
    skip.add(im.checksumOffset + i);
  }
  const out: number[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) if (!skip.has(i) && ours[i] !== theirs[i]) out.push(i);
  return out;
}

async function symbolsOf(file: string): Promise<string> {
  return (await runOk('objdump', ['-t', file])).stdout.split('\n').slice(2).join('\n');
}

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

beforeAll(async () => {
  fs.mkdirSync(path.join(cache, 'x'), { recursive: true });
  tmp = makeTempDir('pecoff-writer');
  const deps = await runOk('apt-cache', ['depends', 'linux-image-amd64']);
  const kpkg = /Depends: (linux-image-[0-9][^\s]*-amd64)\s/.exec(deps.stdout)?.[1] ?? '';
  expect(kpkg).not.toBe('');
  for (const p of [kpkg, 'systemd-boot-efi']) await downloadAmd64(p);
  const boot = path.join(cache, 'x/boot');
  files.kernel = path.join(boot, fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-') && kpkg.endsWith(f.slice('vmlinuz-'.length))) as string);
  files.stub = path.join(cache, 'x/usr/lib/systemd/boot/efi/linuxx64.efi.stub');
  files.stripped = path.join(tmp, 'stub-stripped.efi');
  await runOk('objcopy', ['--strip-all', files.stub, files.stripped]);
  fs.writeFileSync(path.join(tmp, 'osrel'), 'ID=debian\n');
  fs.writeFileSync(path.join(tmp, 'cmdline'), 'console=ttyS0 quiet');
  fs.writeFileSync(path.join(tmp, 'initrd'), Buffer.alloc(100_000, 0x42));
  files.uki = path.join(tmp, 'uki-objcopy.efi');
  await runOk('objcopy', [
    '--add-section', `.osrel=${tmp}/osrel`, '--change-section-vma', '.osrel=0x20000',
    '--add-section', `.cmdline=${tmp}/cmdline`, '--change-section-vma', '.cmdline=0x30000',
    '--add-section', `.linux=${files.kernel}`, '--change-section-vma', '.linux=0x2000000',
    '--add-section', `.initrd=${tmp}/initrd`, '--change-section-vma', '.initrd=0x3000000',
    files.stub, files.uki,
  ]);
  await downloadRiscv();
}, 1_800_000);

describe('replaceSection against objcopy on systemd\'s stub and Debian\'s kernel', () => {
  it('grows .cmdline in place as objcopy --update-section does (the kernel and initrd after it move in the file)', async () => {
    const data = Buffer.alloc(3000, 'x');
    fs.writeFileSync(path.join(tmp, 'cmdline-long'), data);
    const theirs = path.join(tmp, 'update-objcopy.efi');
    await runOk('objcopy', ['--update-section', `.cmdline=${tmp}/cmdline-long`, files.uki as string, theirs]);
    expect(replacementPlacement(read(files.uki as string), '.cmdline', data.length)).toBe('in-place');
    const oursBytes = replaceSection(read(files.uki as string), '.cmdline', data);
    const header = findSection(decodePeImage(oursBytes), '.cmdline')?.headerOffset ?? 0;
    // objcopy leaves VirtualSize at the old length (19): the only other difference.
    expect(findSection(decodePeImage(read(theirs)), '.cmdline')?.virtualSize).toBe(19);
    expect(differences(oursBytes, read(theirs))).toEqual([header + 8, header + 9]);
    const im = await checkWithTools(write('update-ours.efi', oursBytes));
    expect(decodeUki(im).cmdline).toBe(data.toString());
    expect(Buffer.compare(Buffer.from(decodeUki(im).linux as Uint8Array), fs.readFileSync(files.kernel as string))).toBe(0);
    expect(validateUki(oursBytes).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('grows the highest section (.initrd) and SizeOfImage with it; objcopy leaves both VirtualSize and SizeOfImage short', async () => {
    const data = Buffer.alloc(250_000, 0x43);
    fs.writeFileSync(path.join(tmp, 'initrd-big'), data);
    const theirs = path.join(tmp, 'initrd-objcopy.efi');
    await runOk('objcopy', ['--update-section', `.initrd=${tmp}/initrd-big`, files.uki as string, theirs]);
    const ours = replaceSection(read(files.uki as string), '.initrd', data);
    const o = decodePeImage(ours);
    const t = decodePeImage(read(theirs));
    expect(t.optionalHeader.sizeOfImage).toBe(decodePeImage(read(files.uki as string)).optionalHeader.sizeOfImage);
    expect(o.optionalHeader.sizeOfImage).toBeGreaterThan(t.optionalHeader.sizeOfImage);
    const s = findSection(o, '.initrd');
    const vs = (s?.headerOffset ?? 0) + 8;
    const soi = o.optionalHeaderOffset + 56;
    const allowed = [vs, vs + 1, vs + 2, vs + 3, soi, soi + 1, soi + 2, soi + 3];
    expect(differences(ours, read(theirs)).filter((x) => !allowed.includes(x))).toEqual([]);
    await checkWithTools(write('initrd-ours.efi', ours));
  });

  it('moves the stub\'s .sbat to the end as objcopy --remove-section/--add-section/--change-section-vma places it, symbols renumbered', async () => {
    const stub = read(files.stub as string);
    const data = Buffer.from(`sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n${'x,1,y,z,1,https://example.invalid/\n'.repeat(12)}`);
    fs.writeFileSync(path.join(tmp, 'sbat-big'), data);
    expect(replacementPlacement(stub, '.sbat', data.length)).toBe('moved-to-end');
    const ours = replaceSection(stub, '.sbat', data);
    const o = decodePeImage(ours);
    const moved = o.sections.at(-1);
    expect(moved?.resolvedName).toBe('.sbat');
    const vma = `0x${(BigInt(o.optionalHeader.imageBase) + BigInt(moved?.virtualAddress ?? 0)).toString(16)}`;
    const theirs = path.join(tmp, 'moved-objcopy.efi');
    await runOk('objcopy', ['--remove-section', '.sbat', '--add-section', `.sbat=${tmp}/sbat-big`, '--change-section-vma', `.sbat=${vma}`, files.stub as string, theirs]);
    // objcopy's remove-then-add drops the symbols of the section it removed (the stub's `sbat`);
    // bootproto keeps them, numbered for the section's new slot. Up to the symbol table the
    // bytes are objcopy's, bar NumberOfSymbols; the symbols are objcopy's plus those.
    const t = decodePeImage(read(theirs));
    const symAt = t.fileHeader.pointerToSymbolTable;
    expect(o.fileHeader.pointerToSymbolTable).toBe(symAt);
    expect(differences(ours, read(theirs)).filter((x) => x < symAt)).toEqual([t.fileHeaderOffset + 12]);
    const mine = write('moved-ours.efi', ours);
    const names = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('[')).map((l) => l.replace(/^\[\s*\d+\]/, ''));
    const last = o.sections.length;
    const ourSyms = names(await symbolsOf(mine));
    const movedSyms = ourSyms.filter((l) => l.startsWith(`(sec ${String(last).padStart(2)})`));
    expect(movedSyms.length).toBeGreaterThan(0);
    expect(ourSyms.filter((l) => !movedSyms.includes(l))).toEqual(names(await symbolsOf(theirs)));
    expect(o.fileHeader.numberOfSymbols - t.fileHeader.numberOfSymbols).toBe(movedSyms.length);
    await checkWithTools(mine);
  });

  it('refuses what would break the image, with the field and the reason', () => {
    const stub = read(files.stub as string);
    const big = new Uint8Array(0x20000);
    const err = (f: () => unknown): BootprotoError => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(BootprotoError);
        return e as BootprotoError;
      }
      throw new Error('no error');
    };
    expect(err(() => replaceSection(stub, '.text', big))).toMatchObject({ field: 'Characteristics' });
    expect(err(() => replaceSection(stub, '.reloc', big))).toMatchObject({ structure: 'IMAGE_DATA_DIRECTORY', field: 'VirtualAddress' });
    // systemd's stub relocates itself (.dynamic/.rela) and its code reaches .data PC-relatively: no table shows it.
    expect(err(() => replaceSection(stub, '.data', big))).toMatchObject({ structure: 'IMAGE_SECTION_HEADER', field: 'Name' });
    expect(err(() => replaceSection(read(files.kernel as string), '.text', new Uint8Array(16))).code).toBe('BAD_VALUE');
  });
});

describe('long section names against objcopy --long-section-names enable', () => {
  it.each(['stub', 'stripped'])('%s: the same bytes, objdump -h shows the name, pefile the /N', async (which) => {
    const input = files[which] as string;
    const theirs = path.join(tmp, `long-${which}-objcopy.efi`);
    fs.writeFileSync(path.join(tmp, 'payload'), 'hello');
    await runOk('objcopy', ['--long-section-names', 'enable', '--add-section', `.averylongname=${tmp}/payload`, '--change-section-vma', '.averylongname=0x20000', '--add-section', `.another.long.one=${tmp}/cmdline`, '--change-section-vma', '.another.long.one=0x21000', input, theirs]);
    const ours = addSections(read(input), [
      { name: '.averylongname', data: read(path.join(tmp, 'payload')), virtualAddress: 0x20000 },
      { name: '.another.long.one', data: read(path.join(tmp, 'cmdline')), virtualAddress: 0x21000 },
    ]);
    expect(differences(ours, read(theirs))).toEqual([]);
    const mine = write(`long-${which}-ours.efi`, ours);
    const im = await checkWithTools(mine);
    expect(im.sections.slice(-2).map((s) => s.resolvedName)).toEqual(['.averylongname', '.another.long.one']);
    expect(im.sections.slice(-2).every((s) => /^\/\d+$/.test(s.rawName))).toBe(true);
    expect(await symbolsOf(mine)).toBe(await symbolsOf(theirs));
  });
});

describe('buildUki merges SBAT on systemd\'s stub', () => {
  it('the stub\'s records, then the uki record, in the stub\'s .sbat moved past .sdmagic (no room below it); pefile, objdump and pesign read it', async () => {
    const stub = read(files.stub as string);
    const uki = buildUki({ stub, linux: read(files.kernel as string), cmdline: 'quiet', osrel: 'ID=debian\n' });
    const im = await checkWithTools(write('uki-merged.efi', uki));
    const stubRecords = decodeSbat(decodePeImage(stub)).map((r) => r.componentName);
    expect(decodeSbat(im).map((r) => r.componentName)).toEqual([...stubRecords, 'uki']);
    expect(im.sections.filter((s) => s.resolvedName === '.sbat').length).toBe(1);
    expect(validateUki(uki)).toEqual([]);
    // Debian bookworm's kernel (6.1) has no .sbat of its own, so only the stub's records and the default one are merged.
    expect(findSection(decodePeImage(read(files.kernel as string)), '.sbat')).toBeUndefined();
  });
});

describe('SBAT merged as systemd\'s ukify (257, from trixie) merges it', () => {
  const sbatOf = (b: Uint8Array): Uint8Array => {
    const s = findSection(decodePeImage(b), '.sbat');
    return s === undefined ? new Uint8Array() : s.data.subarray(0, s.virtualSize);
  };
  it.each([
    ['systemd 252\'s x86-64 stub, Debian\'s kernel (no .sbat)', 'stub', 'kernel'],
    ['the same stub, systemd-boot standing in for the kernel (a second .sbat to merge)', 'stub', 'sdboot'],
    ['systemd 257\'s riscv64 stub, trixie\'s riscv64 kernel', 'rvStub', 'rvKernel'],
  ])('%s: the same .sbat bytes', async (_what, stubName, linuxName) => {
    const stub = files[stubName] as string;
    const linux = linuxName === 'sdboot' ? path.join(cache, 'x/usr/lib/systemd/boot/efi/systemd-bootx64.efi') : (files[linuxName] as string);
    const theirs = await ukify(stub, linux, path.join(tmp, `ukify-${stubName}-${linuxName}.efi`));
    const ours = buildUki({ stub: read(stub), linux: read(linux), cmdline: 'quiet' });
    expect(new TextDecoder().decode(sbatOf(ours))).toBe(new TextDecoder().decode(sbatOf(theirs)));
    expect(hex(sbatOf(ours))).toBe(hex(sbatOf(theirs)));
    const t = decodePeImage(theirs);
    const stubIm = decodePeImage(read(stub));
    const room = (stubIm.sections.find((x) => x.virtualAddress > (findSection(stubIm, '.sbat')?.virtualAddress ?? 0))?.virtualAddress ?? Infinity) - (findSection(stubIm, '.sbat')?.virtualAddress ?? 0);
    if (sbatOf(ours).length > room) {
      // ukify writes the merged .sbat in the stub's slot whatever its room in memory: it overlaps the next section.
      expect(validatePeImage(theirs).map((p) => p.code)).toContain('SECTION_OVERLAP');
      // bootproto moves it past the stub's sections instead.
      expect(decodePeImage(ours).sections.map((x) => x.resolvedName).indexOf('.sbat')).toBe(stubIm.sections.length - 1);
    } else {
      expect(findSection(decodePeImage(ours), '.sbat')?.virtualAddress).toBe(findSection(t, '.sbat')?.virtualAddress);
    }
    await checkWithTools(write(`ours-${stubName}-${linuxName}.efi`, ours), !stubName.startsWith('rv'));
  });
});

describe('RISC-V images from Debian trixie', () => {
  it.each(['rvKernel', 'rvStub', 'rvSdboot'])('%s: every PE header field and section as pefile reads them, the digest as pesign computes it', async (name) => {
    const im = await checkWithTools(files[name] as string, false);
    expect(im.fileHeader.machine).toBe(0x5064);
  });

  it('the kernel\'s RISC-V Image header, as Python reads the bytes per boot-image-header.rst, and the PE header at its last word', async () => {
    const bytes = read(files.rvKernel as string);
    const h = decodeLinuxImageHeader(bytes);
    expect(h?.arch).toBe('riscv');
    expect(h?.efiStub).toBe(true);
    const py = await runOk('/usr/bin/python3', ['-c', [
      'import struct, sys, json',
      'b = open(sys.argv[1], "rb").read(64)',
      'code0, code1, text_offset, image_size, flags, version, res1, res2, magic, magic2, res3 = struct.unpack("<IIQQQIIQQII", b)',
      'print(json.dumps([code0, code1, text_offset, image_size, flags, version, res1, res2, magic, magic2, res3]))',
    ].join('\n'), files.rvKernel as string]);
    const t = JSON.parse(py.stdout) as number[];
    if (h?.arch === 'riscv') {
      const r = h.header;
      expect([r.code0, r.code1, Number(r.textOffset), Number(r.imageSize), Number(r.flags), r.version, r.res1, Number(r.res2), Number(r.magic), r.magic2, r.res3]).toEqual(t);
      expect(r.res3).toBe(decodePeImage(bytes).peOffset);
      expect(Number(r.imageSize)).toBeGreaterThanOrEqual(decodePeImage(bytes).optionalHeader.sizeOfImage - 0x1000);
    }
  });

  it('a UKI of systemd\'s riscv64 stub and the kernel: pefile and pesign read it, the stub\'s .sbat merged in place', async () => {
    const stub = read(files.rvStub as string);
    const uki = buildUki({ stub, linux: read(files.rvKernel as string), cmdline: 'console=ttyS0', osrel: 'ID=debian\n' });
    const im = await checkWithTools(write('uki-riscv64.efi', uki), false);
    expect(findSection(im, '.sbat')?.virtualAddress).toBe(findSection(decodePeImage(stub), '.sbat')?.virtualAddress);
    expect(decodeSbat(im).at(-1)?.componentName).toBe('uki');
    expect(validateUki(uki)).toEqual([]);
    expect(Buffer.compare(Buffer.from(decodeUki(im).linux as Uint8Array), fs.readFileSync(files.rvKernel as string))).toBe(0);
  });

  it('bookworm\'s objdump cannot read a RISC-V PE image (why the checks above skip it)', async () => {
    const r = await run('objdump', ['-x', files.rvStub as string]);
    expect(r.code).not.toBe(0);
  });
});

describe('cleanup', () => {
  it('removes the temporary directory', () => {
    removeTempDir(tmp);
  });
});
