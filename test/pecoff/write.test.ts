/**
 * The writer: sections added as objcopy adds them, the UKI builder, in-place
 * replacement, and the EFI specifics (`.compat`, Image headers, SBAT) on
 * images made here.
 */
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  ARM64_IMAGE_MAGIC,
  IMAGE_FILE_MACHINE_I386,
  RISCV_IMAGE_MAGIC2,
  addSections,
  authenticodeSha256,
  buildUki,
  decodeLinuxCompat,
  decodeLinuxImageHeader,
  decodePeImage,
  decodeSbat,
  decodeUki,
  findSection,
  formatSbat,
  parseOsRelease,
  parseSbat,
  peChecksum,
  replaceSection,
  sectionContents,
  validatePeImage,
} from '../../src/pecoff/index.js';
import { fixture, put } from './helpers.js';

const errors = (b: Uint8Array): string[] => validatePeImage(b).filter((p) => p.severity === 'error').map((p) => p.code);

describe('addSections', () => {
  const stub = fixture('app64.efi');
  it('places a section as objcopy does, and matches objcopy\'s layout for the same request', () => {
    const ours = addSections(stub, [
      { name: '.osrel', data: new TextEncoder().encode('ID=bootproto\nNAME="bootproto test"\nVERSION_ID=1\n'), virtualAddress: 0x20000 },
      { name: '.cmdline', data: new TextEncoder().encode('console=ttyS0 quiet'), virtualAddress: 0x30000 },
      { name: '.uname', data: new TextEncoder().encode('6.1.0-test'), virtualAddress: 0x40000 },
      { name: '.linux', data: fixture('app32.efi'), virtualAddress: 0x50000 },
    ]);
    const theirs = decodePeImage(fixture('uki-objcopy.efi'));
    const mine = decodePeImage(ours);
    const shape = (im: typeof mine): unknown[] =>
      im.sections.map((s) => [s.resolvedName, s.virtualAddress, s.virtualSize, s.sizeOfRawData, s.pointerToRawData, s.characteristics]);
    expect(shape(mine)).toEqual(shape(theirs));
    expect(mine.optionalHeader.sizeOfImage).toBe(theirs.optionalHeader.sizeOfImage);
    expect(mine.optionalHeader.sizeOfHeaders).toBe(theirs.optionalHeader.sizeOfHeaders);
    expect(decodeUki(mine)).toEqual(decodeUki(theirs));
    expect(peChecksum(mine)).toBe(mine.optionalHeader.checkSum);
    expect(errors(ours)).toEqual([]);
  });

  it('keeps the COFF symbol and string tables (long names still resolve)', () => {
    const out = decodePeImage(addSections(stub, [{ name: '.x', data: new Uint8Array(10) }]));
    expect(out.sections.map((s) => s.resolvedName)).toContain('.bootproto_long');
  });

  it('grows SizeOfHeaders and moves the raw data when the table is full', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `.s${i}`, data: new Uint8Array(100 + i).fill(i + 1) }));
    const out = addSections(stub, many);
    const im = decodePeImage(out);
    const before = decodePeImage(stub);
    expect(im.optionalHeader.sizeOfHeaders).toBeGreaterThan(before.optionalHeader.sizeOfHeaders);
    for (const s of before.sections) expect(sectionContents(findSection(im, s.resolvedName) ?? s)).toEqual(sectionContents(s));
    many.forEach((m) => expect(sectionContents(findSection(im, m.name) ?? im.sections[0]!)).toEqual(m.data));
    expect(errors(out)).toEqual([]);
  });

  it('refuses overlapping RVAs and RVAs inside the headers (long names go to the string table)', () => {
    expect(decodePeImage(addSections(stub, [{ name: '.waytoolong', data: new Uint8Array(1) }])).sections.at(-1)?.resolvedName).toBe('.waytoolong');
    expect(() => addSections(stub, [{ name: '.x', data: new Uint8Array(1), virtualAddress: 0x1000 }])).toThrow(/overlaps/);
    expect(() => addSections(stub, [{ name: '.x', data: new Uint8Array(1), virtualAddress: 0x10 }])).toThrow(/headers/);
  });

  it('drops the certificate table of a signed image (the signature no longer holds)', () => {
    const out = decodePeImage(addSections(fixture('app64-signed.efi'), [{ name: '.x', data: new Uint8Array(3) }]));
    expect(out.dataDirectories[4]).toMatchObject({ virtualAddress: 0, size: 0 });
  });
});

describe('buildUki', () => {
  const stub = fixture('app64.efi');
  const linux = fixture('app32.efi');
  const uki = buildUki({
    stub,
    linux,
    initrd: new Uint8Array(3000).fill(0xaa),
    cmdline: 'root=/dev/vda quiet',
    osrel: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n# comment\n',
    uname: '6.1.0-56-amd64',
    pcrpkey: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
    pcrsig: '{"sha256":[]}',
  });
  const im = decodePeImage(uki);

  it('decodes to what went in', () => {
    const u = decodeUki(im);
    expect(u.linux).toEqual(linux);
    expect(u.initrd?.length).toBe(3000);
    expect(u.cmdline).toBe('root=/dev/vda quiet');
    expect(u.osrel).toEqual({ ID: 'debian', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' });
    expect(u.uname).toBe('6.1.0-56-amd64');
    expect(u.pcrsig).toEqual({ sha256: [] });
    expect(u.pcrpkey).toContain('PUBLIC KEY');
    expect(u.sbat.map((r) => r.componentName)).toEqual(['sbat', 'bootproto-test', 'uki']);
  });

  it('follows the stub\'s layout rules: after the stub, aligned, in UKI order, .linux last and highest', () => {
    const added = im.sections.slice(decodePeImage(stub).sections.length);
    expect(added.map((s) => s.resolvedName)).toEqual(['.osrel', '.cmdline', '.initrd', '.uname', '.pcrsig', '.pcrpkey', '.linux']);
    const sa = im.optionalHeader.sectionAlignment;
    const stubEnd = decodePeImage(stub).optionalHeader.sizeOfImage;
    let prev = stubEnd;
    for (const s of added) {
      expect(s.virtualAddress % sa).toBe(0);
      expect(s.virtualAddress).toBeGreaterThanOrEqual(prev);
      prev = s.virtualAddress + s.virtualSize;
    }
    expect(Math.max(...im.sections.map((s) => s.virtualAddress))).toBe(findSection(im, '.linux')?.virtualAddress);
    expect(errors(uki)).toEqual([]);
    expect(peChecksum(im)).toBe(im.optionalHeader.checkSum);
  });
});

describe('replaceSection', () => {
  it('rewrites a section in place and updates VirtualSize and the checksum', () => {
    const uki = fixture('uki-objcopy.efi');
    const out = replaceSection(uki, '.cmdline', new TextEncoder().encode('quiet'));
    const im = decodePeImage(out);
    expect(decodeUki(im).cmdline).toBe('quiet');
    expect(findSection(im, '.cmdline')?.virtualSize).toBe(5);
    expect(peChecksum(im)).toBe(im.optionalHeader.checkSum);
    expect(authenticodeSha256(im)).not.toEqual(authenticodeSha256(decodePeImage(uki)));
  });
  it('fills the whole room below the next section in place, and refuses unknown names', () => {
    const uki = fixture('uki-objcopy.efi');
    const im = decodePeImage(replaceSection(uki, '.cmdline', new Uint8Array(0x10000).fill(0x20)));
    expect(findSection(im, '.cmdline')).toMatchObject({ virtualAddress: 0x30000, virtualSize: 0x10000, sizeOfRawData: 0x10000 });
    expect(errors(im.bytes)).toEqual([]);
    expect(() => replaceSection(uki, '.nope', new Uint8Array(1))).toThrow(BootprotoError);
    expect(() => replaceSection(uki, '.nope', new Uint8Array(1))).toThrow(/no section/);
  });
});

describe('Linux specifics', () => {
  it('walks .compat entries as systemd does', () => {
    const compat = new Uint8Array(32);
    compat.set([1, 8, 0x4c, 0x01, 0xc0, 0xde, 0x7c, 0x00]); // the 6.1 kernel's entry: ia32 at 0x7cdec0
    compat.set([2, 4, 0, 0], 8); // an unknown type, 4 bytes
    compat.set([1, 8, 0x64, 0xaa, 0x00, 0x10, 0, 0], 12);
    const img = decodePeImage(addSections(fixture('app64.efi'), [{ name: '.compat', data: compat }]));
    const e = decodeLinuxCompat(img);
    expect(e.map((x) => [x.type, x.size, x.machineType, x.entryPoint])).toEqual([
      [1, 8, IMAGE_FILE_MACHINE_I386, 0x7cdec0],
      [2, 4, 0, 0],
      [1, 8, 0xaa64, 0x1000],
    ]);
    const lying = compat.slice();
    lying[1] = 200; // larger than what is left: the walk stops
    expect(decodeLinuxCompat(decodePeImage(addSections(fixture('app64.efi'), [{ name: '.compat', data: lying }])))).toEqual([]);
  });

  it('reads arm64 and RISC-V Image headers, and notices an EFI stub', () => {
    const arm = new Uint8Array(128);
    arm.set([0x4d, 0x5a]);
    put(arm, 8, 0x80000); // text_offset
    put(arm, 16, 0x2000000); // image_size
    put(arm, 24, 0xa); // flags
    put(arm, 56, ARM64_IMAGE_MAGIC);
    put(arm, 60, 0x40);
    arm.set([0x50, 0x45, 0, 0], 0x40);
    const a = decodeLinuxImageHeader(arm);
    expect(a?.arch).toBe('arm64');
    expect(a?.efiStub).toBe(true);
    if (a?.arch === 'arm64') expect([a.header.textOffset, a.header.imageSize, a.header.flags, a.header.res5]).toEqual([0x80000n, 0x2000000n, 0xan, 0x40]);
    const rv = new Uint8Array(64);
    put(rv, 32, 0x2); // version 0.2
    rv.set(new TextEncoder().encode('RISCV'), 48);
    put(rv, 56, RISCV_IMAGE_MAGIC2);
    const r = decodeLinuxImageHeader(rv);
    expect(r?.arch).toBe('riscv');
    expect(r?.efiStub).toBe(false);
    if (r?.arch === 'riscv') expect(r.header.version).toBe(2);
    expect(decodeLinuxImageHeader(new Uint8Array(64))).toBeUndefined();
    expect(decodeLinuxImageHeader(new Uint8Array(10))).toBeUndefined();
  });

  it('parses and formats SBAT CSV, keeping extra fields and ignoring NUL padding', () => {
    const text = 'sbat,1,SBAT Version,sbat,1,https://x/\ngrub,3,Free Software Foundation,grub,2.06,https://www.gnu.org/software/grub/,extra\n\0\0\0';
    const r = parseSbat(new TextEncoder().encode(text));
    expect(r.length).toBe(2);
    expect(r[1]?.extra).toEqual(['extra']);
    expect(parseSbat(formatSbat(r))).toEqual(r);
    expect(decodeSbat(decodePeImage(fixture('app32.efi')))).toEqual([]);
  });

  it('parses os-release quoting', () => {
    expect(parseOsRelease("A=1\nB='two words'\nC=\"say \\\"hi\\\"\"\nbad line\n=x\n")).toEqual({ A: '1', B: 'two words', C: 'say "hi"' });
  });
});

describe('summarizePeImage', () => {
  it('gathers headers, sections, certificates, digest, SBAT and UKI parts', async () => {
    const { summarizePeImage } = await import('../../src/pecoff/index.js');
    const s = summarizePeImage(fixture('app64-signed.efi'));
    expect(s.format).toBe('PE32+');
    expect(s.machine).toBe('IMAGE_FILE_MACHINE_AMD64');
    expect(s.subsystem).toBe('IMAGE_SUBSYSTEM_EFI_APPLICATION');
    expect(s.certificates).toEqual([expect.objectContaining({ revision: 'WIN_CERT_REVISION_2_0', type: 'WIN_CERT_TYPE_PKCS_SIGNED_DATA' })]);
    expect(s.sections.find((x) => x.rawName === '/4')?.name).toBe('.bootproto_long');
    expect(s.sbat.length).toBe(2);
    expect(s.x86BzImage).toBe(false);
    const u = summarizePeImage(fixture('uki-objcopy.efi'));
    expect(u.uki?.cmdline).toBe('console=ttyS0 quiet');
    expect(u.uki?.sizes['.linux']).toBe(fixture('app32.efi').length);
    expect(u.checksum.stored).toBe(u.checksum.computed);
  });
  it('turns a directory that cannot be walked into a problem', async () => {
    const { summarizePeImage } = await import('../../src/pecoff/index.js');
    const b = fixture('app64-signed.efi');
    const im = decodePeImage(b);
    put(b, im.dataDirectories[4]?.virtualAddress as number, 3);
    const s = summarizePeImage(b);
    expect(s.certificates).toEqual([]);
    expect(s.problems.filter((p) => p.structure === 'WIN_CERTIFICATE' && p.code === 'BAD_VALUE').length).toBe(1);
  });
});

describe('validateUki', () => {
  it('accepts the objcopy-made and the built UKI', async () => {
    const { validateUki } = await import('../../src/pecoff/index.js');
    expect(validateUki(fixture('uki-objcopy.efi'))).toEqual([]);
    expect(validateUki(buildUki({ stub: fixture('app64.efi'), linux: fixture('app32.efi'), cmdline: 'x' }))).toEqual([]);
  });
  it('names each broken rule', async () => {
    const { validateUki } = await import('../../src/pecoff/index.js');
    const codes = (b: Uint8Array): string[] => validateUki(b).map((p) => `${p.severity}:${p.code}`);
    expect(codes(fixture('app64.efi'))).toEqual(['error:UKI_NO_LINUX']);
    const notPe = addSections(fixture('app64.efi'), [{ name: '.linux', data: new Uint8Array(100) }, { name: '.cmdline', data: new Uint8Array([0xff, 0xfe]) }, { name: '.osrel', data: new Uint8Array(0) }, { name: '.osrel', data: new TextEncoder().encode('ID=x') }]);
    expect(codes(notPe).sort()).toEqual(['error:UKI_LINUX_NOT_PE', 'warning:UKI_DUPLICATE_SECTION', 'warning:UKI_EMPTY_SECTION', 'warning:UKI_LINUX_NOT_LAST', 'warning:UKI_LINUX_NOT_LAST', 'warning:UKI_LINUX_NOT_LAST', 'warning:UKI_TEXT_NOT_UTF8']);
    expect(() => validateUki(new Uint8Array(10))).not.toThrow();
  });
});

describe('one decoder and encoder per header', () => {
  it('round-trips every header of every fixture', async () => {
    const h = await import('../../src/pecoff/index.js');
    for (const name of ['app64.efi', 'app32.efi', 'bplib.dll'] as const) {
      const b = fixture(name);
      const im = decodePeImage(b);
      expect(h.encodeDosHeader(h.decodeDosHeader(b))).toEqual(b.subarray(0, 64));
      expect(h.encodeFileHeader(h.decodeFileHeader(b, im.fileHeaderOffset))).toEqual(b.subarray(im.fileHeaderOffset, im.fileHeaderOffset + 20));
      const oh = h.decodeOptionalHeader(b, im.optionalHeaderOffset);
      const n = im.pe32Plus ? 112 : 96;
      expect(h.encodeOptionalHeader(oh)).toEqual(b.subarray(im.optionalHeaderOffset, im.optionalHeaderOffset + n));
      const t = h.viewSectionTable(b, im.sectionTableOffset, im.sections.length);
      for (let i = 0; i < t.count; i++) {
        const at = im.sectionTableOffset + 40 * i;
        expect(h.encodeSectionHeader(h.decodeSectionHeader(b, at))).toEqual(b.subarray(at, at + 40));
        expect(t.get(i).pointerToRawData).toBe(im.sections[i]?.pointerToRawData);
      }
    }
    const rom = fixture('app64.efi');
    const o = decodePeImage(rom).optionalHeaderOffset;
    rom[o] = 0x07;
    rom[o + 1] = 0x01;
    expect(() => h.decodeOptionalHeader(rom, o)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });
});

describe('addSections keeps the debug directory pointing at its data', () => {
  it('when SizeOfHeaders grows and the raw data move', async () => {
    const { decodeDebugDirectory } = await import('../../src/pecoff/index.js');
    const lib = fixture('bplib.dll');
    const before = decodeDebugDirectory(decodePeImage(lib));
    const out = decodePeImage(addSections(lib, Array.from({ length: 20 }, (_, i) => ({ name: `.s${i}`, data: new Uint8Array(8) }))));
    expect(out.optionalHeader.sizeOfHeaders).toBeGreaterThan(decodePeImage(lib).optionalHeader.sizeOfHeaders);
    const after = decodeDebugDirectory(out);
    expect(after.map((d) => d.codeView)).toEqual(before.map((d) => d.codeView));
    expect(after[0]?.pointerToRawData).not.toBe(before[0]?.pointerToRawData);
  });
});

describe('small pieces', () => {
  it('names relocation types 5, 7 and 8 by machine', async () => {
    const { relocationTypeName } = await import('../../src/pecoff/index.js');
    expect([5, 7, 8].map((t) => relocationTypeName(t, 0x5064))).toEqual(['IMAGE_REL_BASED_RISCV_HIGH20', 'IMAGE_REL_BASED_RISCV_LOW12I', 'IMAGE_REL_BASED_RISCV_LOW12S']);
    expect([5, 7].map((t) => relocationTypeName(t, 0x1c4))).toEqual(['IMAGE_REL_BASED_ARM_MOV32', 'IMAGE_REL_BASED_THUMB_MOV32']);
    expect(relocationTypeName(8, 0x6264)).toBe('IMAGE_REL_BASED_LOONGARCH64_MARK_LA');
    expect(relocationTypeName(10, 0xaa64)).toBe('IMAGE_REL_BASED_DIR64');
    expect(relocationTypeName(6, 0x8664)).toBe('reserved (6)');
  });
  it('decodes NB10 and RSDS CodeView records, and refuses others', async () => {
    const { decodeCodeView } = await import('../../src/pecoff/index.js');
    const nb10 = new Uint8Array(16 + 8);
    nb10.set(new TextEncoder().encode('NB10'));
    put(nb10, 8, 0x5f5e100);
    put(nb10, 12, 3);
    nb10.set(new TextEncoder().encode('a.pdb\0'), 16);
    expect(decodeCodeView(nb10)).toEqual({ signature: 'NB10', nb10Offset: 0, nb10Signature: 0x5f5e100, age: 3, path: 'a.pdb' });
    const rsds = new Uint8Array(24 + 3);
    rsds.set(new TextEncoder().encode('RSDS'));
    rsds.set([0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 1, 2, 3, 4, 5, 6, 7, 8], 4);
    put(rsds, 20, 1);
    rsds.set(new TextEncoder().encode('x.p'), 24); // no NUL: read to the end
    expect(decodeCodeView(rsds)).toEqual({ signature: 'RSDS', guid: '12345678-1234-5678-0102-030405060708', age: 1, path: 'x.p' });
    expect(decodeCodeView(new TextEncoder().encode('ABCDxxxxxxxxxxxxxxxxxxxxxx'))).toBeUndefined();
    expect(decodeCodeView(new Uint8Array(2))).toBeUndefined();
  });
  it('buildUki merges SBAT into the stub\'s .sbat instead of adding a second one', () => {
    const im = decodePeImage(buildUki({ stub: fixture('app64.efi'), linux: fixture('app32.efi'), sbat: [] }));
    expect(im.sections.filter((s) => s.resolvedName === '.sbat').length).toBe(1);
    expect(decodeSbat(decodePeImage(buildUki({ stub: fixture('app32.efi'), linux: fixture('app32.efi'), sbat: parseSbat('sbat,1,SBAT Version,sbat,1,https://x/\n') }))).length).toBe(1);
  });
});
