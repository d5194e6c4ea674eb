/**
 * Corrupt variants of the fixtures, each expecting its named Problem or
 * error; hand-made headers for the directory-count rules; a mutation pass
 * (only BootprotoError escapes a decoder, validators never throw); and
 * property tests of the writer and of SHA-256.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootprotoError } from '../../src/core/index.js';
import {
  addSections,
  authenticodeSha256,
  decodeBaseRelocations,
  decodeCertificates,
  decodeDebugDirectory,
  decodeExports,
  decodeImports,
  decodeLinuxCompat,
  decodePeImage,
  decodeSbat,
  decodeUki,
  findSection,
  authenticodeRanges,
  sectionContents,
  sha256,
  summarizePeImage,
  validatePeImage,
  validateUki,
  viewPeHeaders,
  type PeImage,
} from '../../src/pecoff/index.js';
import { FIXTURES, fixture, get32, put, toHex } from './helpers.js';

const base = fixture('app64.efi');
const im = decodePeImage(base);
const oh = im.optionalHeaderOffset;
const sec = (i: number): number => im.sections[i]?.headerOffset as number;
const codes = (b: Uint8Array): string[] => validatePeImage(b).map((p) => `${p.severity}:${p.code}`);

function patched(...edits: [number, number, (1 | 2 | 4)?][]): Uint8Array {
  const b = base.slice();
  for (const [o, v, w] of edits) put(b, o, v, w ?? 4);
  return b;
}

function decodeError(b: Uint8Array): BootprotoError {
  try {
    decodePeImage(b);
  } catch (e) {
    if (e instanceof BootprotoError) return e;
    throw e;
  }
  throw new Error('decoded');
}

describe('headers that cannot be decoded', () => {
  it.each([
    ['no MZ', patched([0, 0x4142, 2]), 'BAD_MAGIC', 'e_magic'],
    ['no PE signature', patched([im.peOffset, 0x4550_0000]), 'BAD_MAGIC', 'Signature'],
    ['e_lfanew past the end', patched([60, base.length - 8]), 'TRUNCATED', 'e_lfanew'],
    ['a ROM optional header', patched([oh, 0x107, 2]), 'UNSUPPORTED_VERSION', 'Magic'],
    ['SizeOfOptionalHeader below the fixed fields', patched([im.fileHeaderOffset + 16, 100, 2]), 'BAD_VALUE', 'SizeOfOptionalHeader'],
    ['NumberOfSections past the file', patched([im.fileHeaderOffset + 2, 0xffff, 2]), 'TRUNCATED', undefined],
  ])('%s', (_name, bytes, code, field) => {
    const e = decodeError(bytes);
    expect(e.code).toBe(code);
    expect(e.field).toBe(field);
    expect(codes(bytes)).toEqual([`error:${code}`]);
  });
  it('a file shorter than the DOS header', () => {
    expect(decodeError(base.subarray(0, 40)).code).toBe('TRUNCATED');
    expect(decodeError(base.subarray(0, im.sectionTableOffset + 10)).code).toBe('TRUNCATED');
  });
});

describe('problems of a decodable image', () => {
  it.each([
    ['SizeOfRawData past the end', patched([sec(5) + 16, 0x10000]), 'error:SECTION_PAST_END'],
    ['sections overlapping in memory', patched([sec(1) + 12, 0x1000]), 'error:SECTION_OVERLAP'],
    ['sections overlapping in the file', patched([sec(1) + 20, 0x400]), 'error:SECTION_OVERLAP'],
    ['FileAlignment not a power of 2', patched([oh + 36, 0x300]), 'error:BAD_ALIGNMENT'],
    ['SectionAlignment below FileAlignment', patched([oh + 32, 0x100]), 'error:BAD_ALIGNMENT'],
    ['a section RVA off SectionAlignment', patched([sec(2) + 12, 0x3010]), 'warning:BAD_ALIGNMENT'],
    ['raw data off FileAlignment', patched([sec(2) + 20, 0x810]), 'warning:BAD_ALIGNMENT'],
    ['the entry point outside every section', patched([oh + 16, 0x900000]), 'error:ENTRY_OUTSIDE_SECTIONS'],
    ['no entry point', patched([oh + 16, 0]), 'warning:NO_ENTRY_POINT'],
    ['NumberOfRvaAndSizes absurd', patched([oh + 108, 0xffffffff]), 'error:NUMBER_OF_RVA_AND_SIZES'],
    ['SizeOfImage short of the last section', patched([oh + 56, 0x3000]), 'error:SIZE_OF_IMAGE'],
    ['SizeOfHeaders short of the section table', patched([oh + 60, 0x100]), 'error:HEADERS_OVERLAP'],
    ['a /N name that does not resolve', patched([sec(3) + 1, 0x39393939]), 'error:BAD_SECTION_NAME'],
    ['a CheckSum of 0', patched([im.checksumOffset, 0]), 'warning:CHECKSUM_ZERO'],
    ['a stale CheckSum', patched([im.checksumOffset, 0x1234]), 'warning:CHECKSUM_MISMATCH'],
    ['a writable code section', patched([sec(0) + 36, 0xe0000020]), 'warning:WRITE_EXECUTE'],
    ['an unknown machine', patched([im.fileHeaderOffset, 0x1234, 2]), 'warning:UNKNOWN_MACHINE'],
    ['LoaderFlags set', patched([oh + 104, 1]), 'warning:RESERVED_NONZERO'],
    ['a directory past SizeOfImage', patched([im.dataDirectories[5]?.entryOffset as number, 0x700000]), 'error:DIRECTORY_OUTSIDE_IMAGE'],
  ])('%s', (_name, bytes, code) => {
    expect(codes(bytes)).toContain(code);
    expect(() => decodePeImage(bytes)).not.toThrow();
  });

  it('a checksum problem is never an error', () => {
    expect(validatePeImage(patched([im.checksumOffset, 0x1234])).filter((p) => p.code.startsWith('CHECKSUM')).every((p) => p.severity === 'warning')).toBe(true);
  });
});

describe('directories', () => {
  const reloc = findSection(im, '.reloc');
  const r = reloc?.pointerToRawData as number;
  it.each([
    ['SizeOfBlock below 8', patched([r + 4, 4]), 'BAD_VALUE'],
    ['SizeOfBlock odd', patched([r + 4, 11]), 'BAD_VALUE'],
    ['SizeOfBlock past the directory', patched([r + 4, 0x100]), 'OUT_OF_BOUNDS'],
  ])('relocations: %s', (_n, bytes, code) => {
    expect(() => decodeBaseRelocations(decodePeImage(bytes))).toThrow(expect.objectContaining({ code }));
    expect(codes(bytes)).toContain(`error:${code}`);
  });

  const signed = fixture('app64-signed.efi');
  const sim = decodePeImage(signed);
  const certEntry = sim.dataDirectories[4]?.entryOffset as number;
  const certAt = sim.dataDirectories[4]?.virtualAddress as number;
  const sp = (...edits: [number, number][]): Uint8Array => {
    const b = signed.slice();
    for (const [o, v] of edits) put(b, o, v);
    return b;
  };
  it.each([
    ['dwLength that lies (past the table)', sp([certAt, 0x100000]), 'error:BAD_VALUE'],
    ['dwLength below 8', sp([certAt, 4]), 'error:BAD_VALUE'],
    ['a table outside the file', sp([certEntry, signed.length - 8]), 'error:OUT_OF_BOUNDS'],
    ['a table not on 8 bytes', sp([certEntry, certAt + 4], [certEntry + 4, get32(signed, certEntry + 4) - 4]), 'error:CERTIFICATE_ALIGNMENT'],
    ['a table that does not end the file', sp([certEntry + 4, get32(signed, certEntry + 4) - 8]), 'warning:CERTIFICATE_NOT_AT_END'],
    ['an unknown certificate type', sp([certAt + 4, 0x77770200]), 'warning:UNKNOWN_CERTIFICATE'],
  ])('certificates: %s', (_n, bytes, code) => {
    expect(codes(bytes)).toContain(code);
  });

  it('several certificates, each 8-aligned', () => {
    // Append a second WIN_CERTIFICATE (13 bytes of body, padded to 24) after the first.
    const first = decodeCertificates(sim)[0];
    const body = new Uint8Array(13).fill(0x5a);
    const extra = new Uint8Array(24);
    put(extra, 0, 8 + body.length);
    put(extra, 4, 0x0200, 2);
    put(extra, 6, 0x0ef1, 2);
    extra.set(body, 8);
    const two = new Uint8Array(signed.length + extra.length);
    two.set(signed);
    two.set(extra, signed.length);
    put(two, certEntry + 4, get32(signed, certEntry + 4) + extra.length);
    const certs = decodeCertificates(decodePeImage(two));
    expect(certs.map((c) => [c.dwLength, c.typeName])).toEqual([[first?.dwLength, 'WIN_CERT_TYPE_PKCS_SIGNED_DATA'], [21, 'WIN_CERT_TYPE_EFI_GUID']]);
    expect(certs[1]?.bCertificate).toEqual(body);
    expect(validatePeImage(two).filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('an RVA in no section is OUT_OF_BOUNDS', () => {
    const bad = patched([im.dataDirectories[5]?.entryOffset as number, 0x5800]);
    expect(() => decodeBaseRelocations(decodePeImage(bad))).toThrow(expect.objectContaining({ code: 'OUT_OF_BOUNDS' }));
  });
});

describe('data directory counts', () => {
  it('reads fewer than 16 directories when NumberOfRvaAndSizes says so', () => {
    expect(decodePeImage(patched([oh + 108, 6])).dataDirectories.length).toBe(6);
    expect(decodePeImage(patched([oh + 108, 0])).dataDirectories.length).toBe(0);
    expect(codes(patched([oh + 108, 6]))).not.toContain('error:NUMBER_OF_RVA_AND_SIZES');
  });
  it('never reads more than SizeOfOptionalHeader holds, nor more than 16', () => {
    const b = patched([oh + 108, 17]);
    expect(decodePeImage(b).dataDirectories.length).toBe(16);
    expect(codes(b)).toContain('error:NUMBER_OF_RVA_AND_SIZES');
  });
});

function onlyBootprotoErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
  }
}

function everything(b: Uint8Array): void {
  let image: PeImage | undefined;
  onlyBootprotoErrors(() => {
    image = decodePeImage(b);
  });
  onlyBootprotoErrors(() => viewPeHeaders(b));
  onlyBootprotoErrors(() => summarizePeImage(b));
  expect(() => validateUki(b)).not.toThrow();
  expect(() => validatePeImage(b)).not.toThrow();
  if (image === undefined) return;
  const i = image;
  for (const f of [decodeBaseRelocations, decodeCertificates, decodeDebugDirectory, decodeExports, decodeImports, decodeLinuxCompat, decodeSbat, decodeUki, authenticodeRanges]) {
    onlyBootprotoErrors(() => f(i));
  }
}

describe('mutation pass', () => {
  it.each(FIXTURES)('%s: random bytes changed in the headers and tables, and truncations', (name) => {
    const original = fixture(name);
    const headerEnd = Math.min(original.length, 0x400);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(original.length), (edits, cut) => {
        const b = original.slice();
        for (const [o, v] of edits) b[o] = v;
        everything(b);
        everything(b.subarray(0, cut));
      }),
      { numRuns: 300, seed: 0x5e5e },
    );
  });
  it('directory contents changed at random (relocations, certificates)', () => {
    const signed = fixture('app64-signed.efi');
    const sim = decodePeImage(signed);
    const reloc = findSection(sim, '.reloc');
    const targets = [reloc?.pointerToRawData as number, sim.dataDirectories[4]?.virtualAddress as number];
    fc.assert(
      fc.property(fc.constantFrom(...targets), fc.array(fc.tuple(fc.nat(15), fc.nat(255)), { minLength: 1, maxLength: 6 }), (at, edits) => {
        const b = signed.slice();
        for (const [o, v] of edits) b[at + o] = v;
        everything(b);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('properties', () => {
  it('sections added come back byte for byte, and the image stays valid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^\.[a-z]{1,7}$/), fc.uint8Array({ minLength: 0, maxLength: 3000 })), { minLength: 1, maxLength: 12 }),
        (parts) => {
          const out = addSections(base, parts.map(([name, data]) => ({ name, data })));
          const d = decodePeImage(out);
          const added = d.sections.slice(im.sections.length);
          expect(added.map((s) => s.resolvedName)).toEqual(parts.map(([n]) => n));
          added.forEach((s, k) => expect(sectionContents(s)).toEqual(parts[k]?.[1].length === 0 ? new Uint8Array(0) : parts[k]?.[1]));
          expect(validatePeImage(out).filter((p) => p.severity === 'error')).toEqual([]);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });
  it('SHA-256 equals WebCrypto (node:crypto in Node) for any input and split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 700 }), async (data) => {
        expect(toHex(sha256(data))).toBe(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data))));
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('imports that share one lookup table', () => {
  it('stop at one bound over all modules (LIMIT), without building billions of entries', () => {
    // use-bplib.efi's import directory: copy its one descriptor over the following (terminator) slots.
    const b = fixture('use-bplib.efi');
    const u = decodePeImage(b);
    const imp = u.dataDirectories[1];
    const idata = u.sections.find((s) => imp !== undefined && imp.virtualAddress >= s.virtualAddress && imp.virtualAddress < s.virtualAddress + s.sizeOfRawData);
    const at = (idata?.pointerToRawData ?? 0) + ((imp?.virtualAddress ?? 0) - (idata?.virtualAddress ?? 0));
    // Point the lookup table of descriptor 0 at a run of non-zero thunks that never ends inside the file.
    put(b, at, idata?.virtualAddress ?? 0);
    let threw: unknown;
    try {
      decodeImports(decodePeImage(b));
    } catch (e) {
      threw = e;
    }
    expect(threw === undefined || threw instanceof BootprotoError).toBe(true);
  });
});

describe('the Authenticode digest leaves the certificate table out', () => {
  it('an image padded to 8 bytes has the digest of itself with any certificate table appended', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 3 }), (bodies) => {
        const unsigned = fixture('app64.efi');
        const padded = new Uint8Array((unsigned.length + 7) & ~7);
        padded.set(unsigned);
        const entries = bodies.map((body) => {
          const e = new Uint8Array((8 + body.length + 7) & ~7);
          put(e, 0, 8 + body.length);
          put(e, 4, 0x0200, 2);
          put(e, 6, 0x0002, 2);
          e.set(body, 8);
          return e;
        });
        const tableSize = entries.reduce((a, e) => a + e.length, 0);
        const signed = new Uint8Array(padded.length + tableSize);
        signed.set(padded);
        let o = padded.length;
        for (const e of entries) {
          signed.set(e, o);
          o += e.length;
        }
        const entry = decodePeImage(signed).dataDirectories[4]?.entryOffset as number;
        put(signed, entry, padded.length);
        put(signed, entry + 4, tableSize);
        const s = decodePeImage(signed);
        expect(decodeCertificates(s).map((c) => c.bCertificate)).toEqual(bodies);
        expect(toHex(authenticodeSha256(s))).toBe(toHex(authenticodeSha256(decodePeImage(padded))));
      }),
      { numRuns: 40, seed: 11 },
    );
  });
});
