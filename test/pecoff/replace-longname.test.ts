/**
 * The writer against objcopy's own output (committed fixtures, recipes in
 * test/fixtures/pecoff/make-fixtures.sh step 4b): a section replaced and
 * grown (`objcopy --update-section`), a section moved to the end (objcopy's
 * remove-then-add), names longer than 8 bytes through the COFF string table
 * (`objcopy --long-section-names enable --add-section`), with and without a
 * symbol table; the refusals; SBAT merging as ukify merges; and properties
 * over random replacements.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  SBAT_HEADER_LINE,
  UKI_SBAT_LINE,
  addSections,
  authenticodeSha256,
  buildUki,
  decodeDebugDirectory,
  decodePeImage,
  decodeSbat,
  decodeUki,
  findSection,
  mergeSbat,
  peChecksum,
  replaceSection,
  replacementPlacement,
  sectionContents,
  validatePeImage,
  validateUki,
  type PeImage,
} from '../../src/pecoff/index.js';
import { fixture, put } from './helpers.js';

const errors = (b: Uint8Array): string[] => validatePeImage(b).filter((p) => p.severity === 'error').map((p) => `${p.code}: ${p.message}`);

/** Offsets where two images differ, leaving out TimeDateStamp (objcopy stamps its own) and CheckSum (which covers it). */
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

/** The COFF symbols as [name, Value, SectionNumber, Type, StorageClass], sorted (names resolved through the string table). */
function symbols(b: Uint8Array): string[] {
  const im = decodePeImage(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const st = im.stringTable?.offset ?? 0;
  const out: string[] = [];
  for (let i = 0; i < im.fileHeader.numberOfSymbols; ) {
    const o = im.fileHeader.pointerToSymbolTable + 18 * i;
    let name: string;
    if (dv.getUint32(o, true) === 0) {
      const s = st + dv.getUint32(o + 4, true);
      name = new TextDecoder().decode(b.subarray(s, b.indexOf(0, s)));
    } else name = new TextDecoder().decode(b.subarray(o, o + 8)).replace(/\0+$/, '');
    out.push([name, dv.getUint32(o + 8, true), dv.getInt16(o + 12, true), dv.getUint16(o + 14, true), b[o + 16]].join(' '));
    i += 1 + (b[o + 17] as number);
  }
  return out.sort();
}

const sectionsOf = (im: PeImage): unknown[] =>
  im.sections.map((s) => [s.rawName, s.resolvedName, s.virtualSize, s.virtualAddress, s.sizeOfRawData, s.pointerToRawData, s.characteristics]);

function expectSound(out: Uint8Array): PeImage {
  const im = decodePeImage(out);
  expect(errors(out)).toEqual([]);
  expect(peChecksum(im)).toBe(im.optionalHeader.checkSum);
  return im;
}

describe('replaceSection grows a section as objcopy --update-section does', () => {
  it('moves the file data after it, equal to objcopy byte for byte but for VirtualSize (objcopy keeps the old one)', () => {
    const uki = fixture('uki-objcopy.efi');
    const data = fixture('cmdline-long.txt');
    expect(replacementPlacement(uki, '.cmdline', data.length)).toBe('in-place');
    const ours = replaceSection(uki, '.cmdline', data);
    const theirs = fixture('uki-objcopy-update.efi');
    const s = findSection(decodePeImage(theirs), '.cmdline');
    expect(s?.virtualSize).toBe(0x13); // objcopy 2.40 leaves VirtualSize as it was: the loader would map 19 bytes
    expect(differences(ours, theirs)).toEqual([(s?.headerOffset ?? 0) + 8, (s?.headerOffset ?? 0) + 9]);
    const im = expectSound(ours);
    expect(findSection(im, '.cmdline')?.virtualSize).toBe(1500);
    expect(decodeUki(im).cmdline).toBe(new TextDecoder().decode(data));
    // The long name /4 still resolves: the string table moved with the symbol table.
    expect(im.sections.map((x) => x.resolvedName)).toContain('.bootproto_long');
  });

  it('shrinks back as objcopy packs (the data after it move back)', () => {
    const grown = fixture('uki-objcopy-update.efi');
    const back = decodePeImage(replaceSection(grown, '.cmdline', new TextEncoder().encode('console=ttyS0 quiet')));
    expect(sectionsOf(back)).toEqual(sectionsOf(decodePeImage(fixture('uki-objcopy.efi'))));
    expect(back.fileHeader.pointerToSymbolTable).toBe(decodePeImage(fixture('uki-objcopy.efi')).fileHeader.pointerToSymbolTable);
  });

  it('fills a gap in the file after the section before moving anything', () => {
    // uki-objcopy-update.efi's .cmdline has 0x600 raw bytes; say 0x200: a 0x400-byte gap follows it.
    const b = fixture('uki-objcopy-update.efi');
    const h = findSection(decodePeImage(b), '.cmdline')?.headerOffset ?? 0;
    put(b, h + 16, 0x200);
    const before = decodePeImage(b);
    const out = replaceSection(b, '.cmdline', new Uint8Array(0x500).fill(0x71));
    const im = decodePeImage(out);
    expect(out.length).toBe(b.length);
    expect(im.sections.map((x) => x.pointerToRawData)).toEqual(before.sections.map((x) => x.pointerToRawData));
    expect(findSection(im, '.cmdline')).toMatchObject({ sizeOfRawData: 0x600, virtualSize: 0x500 });
    expect(errors(out)).toEqual([]);
    // One byte more than the gap holds: the rest moves by one FileAlignment step.
    const more = decodePeImage(replaceSection(b, '.cmdline', new Uint8Array(0x601)));
    expect(findSection(more, '.uname')?.pointerToRawData).toBe((findSection(before, '.uname')?.pointerToRawData ?? 0) + 0x200);
  });

  it('grows the highest section in memory and SizeOfImage with it (objcopy would leave SizeOfImage short)', () => {
    const uki = fixture('uki-objcopy.efi');
    const kernel = new Uint8Array(0x23456).fill(0x4b);
    const im = expectSound(replaceSection(uki, '.linux', kernel));
    const s = findSection(im, '.linux');
    expect(s?.virtualAddress).toBe(0x50000);
    expect(im.optionalHeader.sizeOfImage).toBe(0x50000 + 0x24000);
    expect(sectionContents(s ?? im.sections[0]!)).toEqual(kernel);
  });

  it('keeps the debug directory\'s file offsets pointing at its data', () => {
    const lib = fixture('bplib.dll');
    const before = decodeDebugDirectory(decodePeImage(lib));
    const out = expectSound(replaceSection(lib, '.data', new Uint8Array(0x700).fill(7)));
    const after = decodeDebugDirectory(out);
    expect(after[0]?.pointerToRawData).toBe((before[0]?.pointerToRawData ?? 0) + 0x600);
    expect(after.map((d) => d.codeView)).toEqual(before.map((d) => d.codeView));
  });

  it('updates the Authenticode digest and SizeOfInitializedData', () => {
    const uki = fixture('uki-objcopy.efi');
    const out = decodePeImage(replaceSection(uki, '.cmdline', fixture('cmdline-long.txt')));
    expect(out.optionalHeader.sizeOfInitializedData).toBe(decodePeImage(uki).optionalHeader.sizeOfInitializedData + 0x400);
    expect(authenticodeSha256(out)).not.toEqual(authenticodeSha256(decodePeImage(uki)));
  });
});

describe('replaceSection moves a section that outgrows its room to the end of the image', () => {
  it('equals objcopy --remove-section --add-section --change-section-vma byte for byte', () => {
    const uki = fixture('uki-objcopy.efi');
    const data = fixture('sbat-big.csv');
    expect(replacementPlacement(uki, '.sbat', data.length)).toBe('moved-to-end');
    const ours = replaceSection(uki, '.sbat', data);
    expect(differences(ours, fixture('uki-objcopy-moved.efi'))).toEqual([]);
    const im = expectSound(ours);
    expect(im.sections.at(-1)?.resolvedName).toBe('.sbat');
    expect(decodeSbat(im).length).toBe(new TextDecoder().decode(data).split('\n').filter((l) => l !== '').length);
  });

  it('renumbers the COFF symbols of the sections after it', () => {
    // app64.efi's symbols name .text (1) and .data (2) only: make two of them name the
    // long-named section (4, which nothing addresses) and .idata (5), then move section 4.
    const app = fixture('app64.efi');
    const table = decodePeImage(app).fileHeader.pointerToSymbolTable;
    put(app, table + 12, 4, 2);
    put(app, table + 18 * 5 + 12, 5, 2);
    expect(() => replaceSection(app, '.bootproto_long', new Uint8Array(0x1800))).toThrow(expect.objectContaining({ code: 'BAD_VALUE', field: 'Name' }));
    const out = replaceSection(app, '.bootproto_long', new Uint8Array(0x1800).fill(0x61), { allowMove: true });
    const im = expectSound(out);
    expect(im.sections.map((s) => s.resolvedName)).toEqual(['.text', '.data', '.sbat', '.idata', '.reloc', '.bootproto_long']);
    const o = im.fileHeader.pointerToSymbolTable;
    const odv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    expect(odv.getInt16(o + 12, true)).toBe(6);
    expect(odv.getInt16(o + 18 * 5 + 12, true)).toBe(4);
  });

  it('refuses when code, the entry point, a data directory or a relocation points into it, or the image is signed', () => {
    const uki = fixture('uki-objcopy.efi');
    const big = new Uint8Array(0x1100);
    const refusal = (b: Uint8Array, name: string): BootprotoError => {
      try {
        replaceSection(b, name, big, { allowMove: true });
      } catch (e) {
        expect(e).toBeInstanceOf(BootprotoError);
        return e as BootprotoError;
      }
      throw new Error('no refusal');
    };
    expect(refusal(uki, '.text')).toMatchObject({ code: 'BAD_VALUE', structure: 'IMAGE_SECTION_HEADER', field: 'Characteristics' });
    expect(refusal(uki, '.idata')).toMatchObject({ code: 'BAD_VALUE', structure: 'IMAGE_DATA_DIRECTORY', field: 'VirtualAddress' });
    expect(refusal(uki, '.idata').message).toContain('IMAGE_DIRECTORY_ENTRY_IMPORT');
    expect(refusal(uki, '.data')).toMatchObject({ code: 'BAD_VALUE', structure: 'IMAGE_BASE_RELOCATION' });
    const textAsData = fixture('uki-objcopy.efi');
    put(textAsData, (findSection(decodePeImage(textAsData), '.text')?.headerOffset ?? 0) + 36, 0x40000040);
    expect(refusal(textAsData, '.text')).toMatchObject({ field: 'AddressOfEntryPoint' });
    const signed = refusal(fixture('app64-signed.efi'), '.sbat');
    expect(signed).toMatchObject({ code: 'BAD_VALUE', structure: 'IMAGE_DATA_DIRECTORY' });
    expect(signed.message).toMatch(/signed.*sbattach --remove.*sign/);
    // Growing in the file also moves data the signature covers.
    expect(() => replaceSection(fixture('app64-signed.efi'), '.sbat', new Uint8Array(0x300))).toThrow(/signed/);
    // A replacement that moves nothing keeps the (now stale) certificate table.
    const same = decodePeImage(replaceSection(fixture('app64-signed.efi'), '.sbat', new Uint8Array(0x100)));
    expect(same.dataDirectories[4]?.size).toBeGreaterThan(0);
    expect(() => replaceSection(uki, '.nope', big)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('only BootprotoError escapes, and every result is sound and holds what went in (random sections and sizes)', () => {
    const names = ['app64.efi', 'uki-objcopy.efi', 'bplib.dll', 'app64-longname.efi', 'app64-nosym.efi', 'app32.efi'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.nat(20), fc.nat(0x6000), (file, pick, size) => {
        const b = fixture(file);
        const im0 = decodePeImage(b);
        const s = im0.sections[pick % im0.sections.length]!;
        // New contents for a section a directory describes would be the caller's to make right.
        if (im0.dataDirectories.some((d) => d.index !== 4 && d.size > 0 && d.virtualAddress >= s.virtualAddress && d.virtualAddress < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData))) return;
        const data = new Uint8Array(size).map((_, i) => (i * 7 + 1) & 0xff);
        let out: Uint8Array;
        try {
          out = replaceSection(b, s.resolvedName, data, { allowMove: true });
        } catch (e) {
          expect(e).toBeInstanceOf(BootprotoError);
          return;
        }
        const im = decodePeImage(out);
        expect(errors(out)).toEqual(errors(b));
        expect(peChecksum(im)).toBe(im.optionalHeader.checkSum);
        const t = findSection(im, s.resolvedName);
        expect(t?.virtualSize).toBe(size);
        expect(t && sectionContents(t).length === size ? sectionContents(t) : t?.data.subarray(0, size)).toEqual(data);
        // Every other section keeps its bytes, except where the debug directory's file offsets moved with the data.
        const dbg = im0.dataDirectories[6];
        const holdsDebug = (o: typeof s): boolean => dbg !== undefined && dbg.size > 0 && dbg.virtualAddress >= o.virtualAddress && dbg.virtualAddress < o.virtualAddress + o.sizeOfRawData;
        for (const o of im0.sections) if (o !== s && !holdsDebug(o)) expect(sectionContents(findSection(im, o.resolvedName) ?? o)).toEqual(sectionContents(o));
        expect(decodeDebugDirectory(im).map((d) => d.codeView)).toEqual(decodeDebugDirectory(im0).map((d) => d.codeView));
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});

describe('addSections writes long names through the COFF string table as objcopy does', () => {
  const data = new TextEncoder().encode('console=ttyS0 quiet');
  it('into an existing string table: after the sections\' names, the symbols\' names moved (objcopy\'s bytes)', () => {
    const ours = addSections(fixture('app64.efi'), [{ name: '.bootproto.added', data, virtualAddress: 0x20000 }]);
    const theirs = fixture('app64-longname.efi');
    // objcopy also rewrites the symbol table in its own order (ld's order differs): everything up to
    // the symbol table is the same bytes, the string table starts with the same section names, and
    // the symbols are the same set, each with its name.
    const at = decodePeImage(theirs).fileHeader.pointerToSymbolTable;
    expect(decodePeImage(ours).fileHeader.pointerToSymbolTable).toBe(at);
    expect(differences(ours, theirs).filter((o) => o < at)).toEqual([]);
    expect(ours.length).toBe(theirs.length);
    expect(symbols(ours)).toEqual(symbols(theirs));
    const st = decodePeImage(ours).stringTable;
    expect(st).toEqual(decodePeImage(theirs).stringTable);
    expect(ours.subarray(st?.offset, (st?.offset ?? 0) + 37)).toEqual(theirs.subarray(st?.offset, (st?.offset ?? 0) + 37));
    const im = expectSound(ours);
    expect(im.sections.map((s) => [s.rawName, s.resolvedName]).slice(-3)).toEqual([['.idata', '.idata'], ['.reloc', '.reloc'], ['/20', '.bootproto.added']]);
    expect(im.sections.find((s) => s.rawName === '/4')?.resolvedName).toBe('.bootproto_long');
  });
  it('into an image without a symbol table: a string table of its own at the end (objcopy\'s bytes)', () => {
    const ours = addSections(fixture('app64-nosym.efi'), [{ name: '.bootproto.added', data, virtualAddress: 0x20000 }]);
    expect(differences(ours, fixture('app64-nosym-longname.efi'))).toEqual([]);
    const im = expectSound(ours);
    expect(im.fileHeader.numberOfSymbols).toBe(0);
    expect(im.stringTable).toEqual({ offset: ours.length - 21, size: 21 });
    expect(findSection(im, '.bootproto.added')?.rawName).toBe('/4');
  });
  it('several long names, UTF-8 ones too, and short ones in one call', () => {
    const out = addSections(fixture('app64-nosym.efi'), [
      { name: '.a-rather-long-name', data: new Uint8Array(3) },
      { name: '.x', data: new Uint8Array(3) },
      { name: '.ünïcödé-name', data: new Uint8Array(3) },
    ]);
    const im = expectSound(out);
    expect(im.sections.slice(-3).map((s) => [s.rawName, s.resolvedName])).toEqual([['/4', '.a-rather-long-name'], ['.x', '.x'], ['/24', '.ünïcödé-name']]);
    // And again on the result: the names already there are kept, the new one follows them.
    const again = expectSound(addSections(out, [{ name: '.one-more-long-name', data: new Uint8Array(1) }]));
    expect(again.sections.map((s) => s.resolvedName).slice(-4)).toEqual(['.a-rather-long-name', '.x', '.ünïcödé-name', '.one-more-long-name']);
  });
  it('refuses empty names and names holding a NUL', () => {
    expect(() => addSections(fixture('app64.efi'), [{ name: '', data: new Uint8Array(1) }])).toThrow(BootprotoError);
    expect(() => addSections(fixture('app64.efi'), [{ name: '.a\0b-long-name', data: new Uint8Array(1) }])).toThrow(/NUL/);
  });
  it('refuses a symbol table it cannot extend (a string table that runs past the file)', () => {
    const b = fixture('app64.efi');
    const im = decodePeImage(b);
    put(b, im.stringTable?.offset ?? 0, 0x7fffffff);
    expect(() => addSections(b, [{ name: '.bootproto.added', data: new Uint8Array(1) }])).toThrow(expect.objectContaining({ code: 'BAD_VALUE', field: 'PointerToSymbolTable' }));
  });
});

describe('SBAT merged as ukify merges it', () => {
  it('mergeSbat: one version line, the sources\' other lines in order, a source without a version line skipped', () => {
    const stub = `${SBAT_HEADER_LINE}\nsystemd,1,The systemd Developers,systemd,252,https://systemd.io/\n\0\0\0`;
    const kernel = 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\r\nlinux,1,The Linux Developers,linux,6.1,https://linux.org\r\n';
    const junk = 'linux,1,no version line\n';
    expect(mergeSbat([new TextEncoder().encode(stub), kernel, undefined, junk, `${SBAT_HEADER_LINE}\n${UKI_SBAT_LINE}\n`])).toBe(
      `${SBAT_HEADER_LINE}\nsystemd,1,The systemd Developers,systemd,252,https://systemd.io/\nlinux,1,The Linux Developers,linux,6.1,https://linux.org\n${UKI_SBAT_LINE}\n\0`,
    );
    expect(mergeSbat([])).toBe(`${SBAT_HEADER_LINE}\n\0`);
  });

  it('buildUki merges the stub\'s, the kernel\'s and the caller\'s (by default the uki record) into the stub\'s .sbat', () => {
    // app64.efi as the kernel: a PE image with a .sbat of its own.
    const uki = buildUki({ stub: fixture('app64.efi'), linux: fixture('app64.efi'), cmdline: 'x' });
    const im = expectSound(uki);
    expect(im.sections.filter((s) => s.resolvedName === '.sbat').length).toBe(1);
    expect(decodeSbat(im).map((r) => r.componentName)).toEqual(['sbat', 'bootproto-test', 'bootproto-test', 'uki']);
    expect(sectionContents(findSection(im, '.sbat')!).at(-1)).toBe(0);
    const none = buildUki({ stub: fixture('app64.efi'), linux: fixture('app32.efi'), sbat: [] });
    expect(decodeSbat(decodePeImage(none)).map((r) => r.componentName)).toEqual(['sbat', 'bootproto-test']);
    const mine = buildUki({ stub: fixture('app64.efi'), linux: fixture('app32.efi'), sbat: [{ componentName: 'mine', componentGeneration: '2', vendorName: 'me', vendorPackageName: 'mine', vendorVersion: '1', vendorUrl: 'https://example.invalid/', extra: [] }] });
    expect(decodeSbat(decodePeImage(mine)).map((r) => [r.componentName, r.componentGeneration])).toEqual([['sbat', '1'], ['bootproto-test', '1'], ['mine', '2']]);
  });

  it('a stub without .sbat gets one, in the UKI order before .linux', () => {
    const im = expectSound(buildUki({ stub: fixture('app32.efi'), linux: fixture('app32.efi') }));
    expect(im.sections.slice(-2).map((s) => s.resolvedName)).toEqual(['.sbat', '.linux']);
    expect(decodeSbat(im).map((r) => r.componentName)).toEqual(['sbat', 'uki']);
  });

  it('a merged .sbat that outgrows its room moves to the end of the stub; the UKI rules still hold', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ componentName: `c${i}`, componentGeneration: '1', vendorName: 'v', vendorPackageName: 'p', vendorVersion: '1', vendorUrl: 'https://example.invalid/', extra: [] }));
    const uki = buildUki({ stub: fixture('app64.efi'), linux: fixture('app32.efi'), sbat: many, cmdline: 'quiet' });
    const im = expectSound(uki);
    const names = im.sections.map((s) => s.resolvedName);
    expect(names.slice(3)).toEqual(['.idata', '.reloc', '.sbat', '.cmdline', '.linux']);
    expect(decodeSbat(im).length).toBe(122);
    expect(validateUki(uki)).toEqual([]);
  });
});

describe('mutation pass over the writers', () => {
  it('mutated images: only BootprotoError escapes replaceSection (grow, shrink, move) and addSections (long names), and what they write decodes', () => {
    const names = ['app64.efi', 'uki-objcopy.efi', 'bplib.dll', 'app64-longname.efi', 'app64-nosym.efi', 'app32.efi', 'app64-signed.efi'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.nat(0x3000),
        fc.boolean(),
        (file, flips, size, inHeaders) => {
          const b = fixture(file);
          const im0 = decodePeImage(b);
          // Half the time aim at the headers and section table, else anywhere (symbol and string tables included).
          const span = inHeaders ? Math.min(b.length, im0.sectionTableOffset + 40 * im0.sections.length) : b.length;
          for (const [at, v] of flips) b[at % span] = v;
          const attempts: (() => Uint8Array)[] = [
            () => replaceSection(b, im0.sections[0]?.resolvedName ?? '.text', new Uint8Array(size), { allowMove: true }),
            () => replaceSection(b, '.sbat', new Uint8Array(size).fill(0x41)),
            () => replaceSection(b, im0.sections.at(-1)?.resolvedName ?? '.reloc', new Uint8Array(size), { allowMove: true }),
            () => addSections(b, [{ name: '.a-long-section-name', data: new Uint8Array(size % 300) }]),
          ];
          for (const run of attempts) {
            let out: Uint8Array | undefined;
            try {
              out = run();
            } catch (e) {
              if (!(e instanceof BootprotoError)) throw e;
            }
            if (out !== undefined) {
              expect(() => decodePeImage(out)).not.toThrow();
              expect(() => validatePeImage(out)).not.toThrow();
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);
});
