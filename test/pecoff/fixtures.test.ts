/**
 * The committed fixtures (test/fixtures/pecoff/README.md), decoded and
 * compared field by field with what python3-pefile and pesign reported
 * when the fixtures were made (facts.json).
 */
import { describe, expect, it } from 'vitest';
import {
  IMAGE_DOS_HEADER,
  IMAGE_FILE_HEADER,
  IMAGE_OPTIONAL_HEADER32,
  IMAGE_OPTIONAL_HEADER64,
  IMAGE_REL_BASED_DIR64,
  IMAGE_SECTION_HEADER,
  WIN_CERT_REVISION_2_0,
  WIN_CERT_TYPE_PKCS_SIGNED_DATA,
  authenticodeDigest,
  authenticodeSha256,
  decodeBaseRelocations,
  decodeCertificates,
  decodeDebugDirectory,
  decodeExports,
  decodeImports,
  decodePeImage,
  decodeSbat,
  decodeUki,
  detectPeImage,
  encodePeHeaders,
  findSection,
  flagNames,
  IMAGE_FILE_CHARACTERISTICS,
  forEachBaseRelocation,
  peChecksum,
  rvaToOffset,
  sectionContents,
  validatePeImage,
  viewPeHeaders,
  type PeImage,
} from '../../src/pecoff/index.js';
import { specName, type Layout } from '../../src/core/index.js';
import { buildUki } from '../../src/pecoff/index.js';
import { FACTS, FIXTURES, fixture, toHex, type PefileFacts } from './helpers.js';

// pefile's names where they differ from the specification's.
const PEFILE_NAME: Record<string, string> = { Win32VersionValue: 'Reserved1', VirtualSize: 'Misc_VirtualSize' };

function compare(layout: Layout, decoded: Record<string, unknown>, facts: Record<string, number | string>, skip: string[] = []): void {
  for (const key of layout.order) {
    const f = layout.fields[key];
    if (f === undefined) continue;
    const name = specName(key, f);
    if (skip.includes(name)) continue;
    const theirs = facts[PEFILE_NAME[name] ?? name];
    expect(theirs, `pefile has ${name}`).toBeDefined();
    const ours = decoded[key];
    if (ours instanceof Uint8Array) expect(toHex(ours), name).toBe(theirs);
    else expect(Number(ours), name).toBe(Number(theirs));
  }
}

describe.each(FIXTURES)('%s', (name) => {
  const bytes = fixture(name);
  const facts = FACTS[name];
  const image: PeImage = decodePeImage(bytes);

  it('has every header field pefile reports', () => {
    expect(detectPeImage(bytes)).toBe(true);
    compare(IMAGE_DOS_HEADER, image.dosHeader, facts.dos);
    compare(IMAGE_FILE_HEADER, image.fileHeader, facts.file);
    compare(image.pe32Plus ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32, image.optionalHeader, facts.optional);
    expect(image.dataDirectories.map((d) => [d.virtualAddress, d.size])).toEqual(facts.directories);
  });

  it('has every section pefile reports, raw names kept and data zero-copy', () => {
    expect(image.sections.length).toBe(facts.sections.length);
    image.sections.forEach((s, i) => {
      const theirs = facts.sections[i] as Record<string, number | string>;
      compare(IMAGE_SECTION_HEADER, s as unknown as Record<string, unknown>, theirs, ["Name"]);
      expect(s.rawName).toBe(theirs.Name);
      expect(s.data.buffer).toBe(bytes.buffer);
      expect(s.data.byteOffset - bytes.byteOffset).toBe(Math.min(s.pointerToRawData, bytes.length));
    });
  });

  it('computes the checksum pefile computes and the Authenticode digest pesign prints', async () => {
    expect(peChecksum(image)).toBe(facts.generateChecksum);
    expect(toHex(authenticodeSha256(image))).toBe(facts.pesignHash);
    expect(toHex(await authenticodeDigest(image))).toBe(facts.pesignHash);
  });

  it('re-encodes its headers to the same bytes', () => {
    expect(encodePeHeaders(image)).toEqual(bytes);
  });

  it('views the same headers without decoding', () => {
    const v = viewPeHeaders(bytes);
    expect(v.fileHeader.numberOfSections).toBe(image.fileHeader.numberOfSections);
    expect((v.optionalHeader64 ?? v.optionalHeader32)?.sizeOfImage).toBe(image.optionalHeader.sizeOfImage);
    for (let i = 0; i < v.sections.count; i++) expect(v.sections.get(i).virtualAddress).toBe(image.sections[i]?.virtualAddress);
  });

  it('has the exports, imports and debug entries pefile reads', () => {
    expect((decodeExports(image)?.symbols ?? []).map((x) => [x.ordinal, x.name ?? null, x.rva])).toEqual(facts.exports);
    expect(decodeImports(image).map((m) => [m.name, m.symbols.map((x) => [x.name ?? null, x.hint ?? null, x.ordinal ?? null])])).toEqual(facts.imports);
    const debug = decodeDebugDirectory(image);
    expect(debug.length).toBe(facts.debug.length);
    debug.forEach((d, i) => {
      const theirs = facts.debug[i] as PefileFacts['debug'][number];
      for (const k of ['Characteristics', 'TimeDateStamp', 'MajorVersion', 'MinorVersion', 'Type', 'SizeOfData', 'AddressOfRawData', 'PointerToRawData']) {
        expect(d[(k[0] as string).toLowerCase() + k.slice(1) as keyof typeof d], k).toBe(theirs[k]);
      }
      const cv = theirs.codeView;
      if (cv !== undefined) {
        expect(d.codeView?.signature).toBe(cv.CvSignature);
        expect(`${(d.codeView?.guid ?? '').replace(/-/g, '').toUpperCase()}${(d.codeView?.age ?? 0).toString(16).toUpperCase()}`).toBe(cv.Signature_String);
        expect(d.codeView?.path).toBe(cv.PdbFileName);
      }
    });
  });

  it('validates without errors', () => {
    expect(validatePeImage(bytes).filter((p) => p.severity === 'error')).toEqual([]);
  });
});

describe('app64.efi (GNU ld, PE32+)', () => {
  const image = decodePeImage(fixture('app64.efi'));

  it('resolves the /4 long name through the COFF string table', () => {
    const s = image.sections.find((x) => x.rawName.startsWith('/'));
    expect(s?.rawName).toBe('/4');
    expect(s?.longNameOffset).toBe(4);
    expect(s?.resolvedName).toBe('.bootproto_long');
    expect(new TextDecoder().decode(sectionContents(s as NonNullable<typeof s>))).toBe('a section whose name is longer than eight bytes');
    expect(image.stringTable?.offset).toBe(image.fileHeader.pointerToSymbolTable + 18 * image.fileHeader.numberOfSymbols);
  });

  it('names its characteristics and machine', () => {
    expect(image.fileHeader.machine).toBe(0x8664);
    expect(flagNames(image.fileHeader.characteristics, IMAGE_FILE_CHARACTERISTICS)).toContain('IMAGE_FILE_EXECUTABLE_IMAGE');
    expect(image.optionalHeader.subsystem).toBe(10);
  });

  it('has the base relocations objdump -x lists (two HIGHLOW in .text, two DIR64 in .data)', () => {
    const blocks = decodeBaseRelocations(image);
    expect(blocks.map((b) => [b.virtualAddress, b.sizeOfBlock])).toEqual([[0x1000, 12], [0x2000, 12]]);
    const all = blocks.flatMap((b) => b.entries);
    expect(all.map((e) => [e.typeName, e.rva])).toEqual([
      ['IMAGE_REL_BASED_HIGHLOW', 0x1003],
      ['IMAGE_REL_BASED_HIGHLOW', 0x100a],
      ['IMAGE_REL_BASED_DIR64', 0x2018],
      ['IMAGE_REL_BASED_DIR64', 0x2020],
    ]);
    expect(all.filter((e) => e.type === IMAGE_REL_BASED_DIR64).length).toBe(2);
    // the first DIR64 pointer holds the absolute address of msg, the start of .data
    const data = findSection(image, '.data');
    const at = rvaToOffset(image, 0x2018) ?? 0;
    expect(new DataView(image.bytes.buffer, image.bytes.byteOffset).getBigUint64(at, true)).toBe(0x10000000n + BigInt(data?.virtualAddress ?? 0));
    const seen: number[] = [];
    expect(forEachBaseRelocation(image, (_t, rva) => seen.push(rva))).toBe(4);
    expect(seen).toEqual([0x1003, 0x100a, 0x2018, 0x2020]);
  });

  it('reads SBAT records', () => {
    expect(decodeSbat(image)).toEqual([
      { componentName: 'sbat', componentGeneration: '1', vendorName: 'SBAT Version', vendorPackageName: 'sbat', vendorVersion: '1', vendorUrl: 'https://github.com/rhboot/shim/blob/main/SBAT.md', extra: [] },
      { componentName: 'bootproto-test', componentGeneration: '1', vendorName: 'bootproto', vendorPackageName: 'bootproto-test', vendorVersion: '0.0.0', vendorUrl: 'https://example.invalid/', extra: [] },
    ]);
  });

  it('has an empty import table', () => {
    expect(decodeImports(image)).toEqual([]);
  });
});

describe('app64-signed.efi (sbsign)', () => {
  const bytes = fixture('app64-signed.efi');
  const image = decodePeImage(bytes);
  it('carries one PKCS #7 certificate at the end of the file, 8-aligned', () => {
    const certs = decodeCertificates(image);
    expect(certs.length).toBe(1);
    const c = certs[0];
    expect(c?.wRevision).toBe(WIN_CERT_REVISION_2_0);
    expect(c?.wCertificateType).toBe(WIN_CERT_TYPE_PKCS_SIGNED_DATA);
    expect(c?.typeName).toBe('WIN_CERT_TYPE_PKCS_SIGNED_DATA');
    expect((c?.fileOffset ?? 1) % 8).toBe(0);
    expect(c?.bCertificate[0]).toBe(0x30); // DER SEQUENCE
    expect((c?.fileOffset ?? 0) + ((c?.dwLength ?? 0) + 7 & ~7)).toBe(bytes.length);
  });
  it('has the digest its signature was made over (the unsigned image padded to 8 bytes, as sbsign pads it)', () => {
    const unsigned = fixture('app64.efi');
    const padded = new Uint8Array((unsigned.length + 7) & ~7);
    padded.set(unsigned);
    // the signed image's digest skips the certificate table; the SignedData holds that digest
    const digest = authenticodeSha256(image);
    const der = decodeCertificates(image)[0]?.bCertificate ?? new Uint8Array();
    expect(toHex(der)).toContain(toHex(digest));
    expect(padded.length).toBeLessThanOrEqual(bytes.length);
  });
});

describe('app32.efi (objcopy, PE32)', () => {
  const image = decodePeImage(fixture('app32.efi'));
  it('is PE32 for ia32 with BaseOfData and a resolved long name', () => {
    expect(image.pe32Plus).toBe(false);
    expect(image.fileHeader.machine).toBe(0x14c);
    expect('baseOfData' in image.optionalHeader).toBe(true);
    expect(image.sections.map((s) => s.resolvedName)).toEqual(['.text', '.bootproto_long', '.data']);
  });
});

describe('uki-objcopy.efi (objcopy --add-section)', () => {
  const image = decodePeImage(fixture('uki-objcopy.efi'));
  it('decodes the UKI sections', () => {
    const u = decodeUki(image);
    expect(u.osrel).toEqual({ ID: 'bootproto', NAME: 'bootproto test', VERSION_ID: '1' });
    expect(u.cmdline).toBe('console=ttyS0 quiet');
    expect(u.uname).toBe('6.1.0-test');
    expect(u.linux).toEqual(fixture('app32.efi'));
    expect(decodePeImage(u.linux as Uint8Array).pe32Plus).toBe(false);
    expect(u.present).toEqual(['.sbat', '.osrel', '.cmdline', '.uname', '.linux']);
  });
});

describe('bplib.dll and use-bplib.efi (exports, imports, CodeView)', () => {
  it('exports three symbols by name, and its import partner imports two of them by name and hint', () => {
    const lib = decodePeImage(fixture('bplib.dll'));
    const ex = decodeExports(lib);
    expect(ex?.name).toBe('bplib.dll');
    expect(ex?.symbols.map((x) => x.name)).toEqual(['bp_add', 'bp_table', 'bp_version']);
    const use = decodePeImage(fixture('use-bplib.efi'));
    const im = decodeImports(use);
    expect(im.map((m) => m.name)).toEqual(['bplib.dll']);
    expect(im[0]?.symbols.map((x) => x.name)).toEqual(['bp_add', 'bp_version']);
  });
  it('has a CodeView RSDS record from --build-id', () => {
    const d = decodeDebugDirectory(decodePeImage(fixture('bplib.dll')));
    expect(d.map((x) => [x.type, x.codeView?.signature])).toEqual([[2, 'RSDS']]);
    expect(d[0]?.codeView?.guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('uki-bootproto.efi (bootproto\'s own writer)', () => {
  it('is what buildUki makes today from the same parts (a golden file pefile and pesign have read)', () => {
    const made = buildUki({
      stub: fixture('app64.efi'),
      linux: fixture('app32.efi'),
      osrel: 'ID=bootproto\nNAME="bootproto test"\nVERSION_ID=1\n',
      cmdline: 'console=ttyS0 quiet',
      uname: '6.1.0-test',
      initrd: new TextEncoder().encode('not really an initrd\n'),
    });
    expect(made).toEqual(fixture('uki-bootproto.efi'));
    expect(decodeUki(decodePeImage(made)).present).toEqual(['.sbat', '.osrel', '.cmdline', '.initrd', '.uname', '.linux']);
  });
});

describe('decodePeImage reads headers through views', () => {
  it('gives the same objects as the core decoder', async () => {
    const { decodeLayout } = await import('../../src/core/index.js');
    for (const name of FIXTURES) {
      const b = fixture(name);
      const im = decodePeImage(b);
      expect(im.dosHeader).toEqual(decodeLayout(IMAGE_DOS_HEADER, b, 0));
      expect(im.fileHeader).toEqual(decodeLayout(IMAGE_FILE_HEADER, b, im.fileHeaderOffset));
      expect(im.optionalHeader).toEqual(im.pe32Plus ? decodeLayout(IMAGE_OPTIONAL_HEADER64, b, im.optionalHeaderOffset) : decodeLayout(IMAGE_OPTIONAL_HEADER32, b, im.optionalHeaderOffset));
      im.sections.forEach((s) => {
        const { index: _i, headerOffset: _h, rawName: _r, resolvedName: _n, longNameOffset: _l, data: _d, ...h } = s;
        expect(h).toEqual(decodeLayout(IMAGE_SECTION_HEADER, b, s.headerOffset));
      });
    }
  });
});
