import { readBytes } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { BootprotoError, ELF32_EHDR, ELF64_EHDR, EM_386, EM_X86_64, elfNotes, isElf, readElfHeader } from '../../src/core/index.js';
import { entryDesc, makeElf } from '../helpers/elf-builder.js';

const fixture = (name: string): Uint8Array => readBytes(`test/fixtures/pvh/${name}`);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const XEN = (entry: bigint, size: 4 | 8, le: boolean) => ({ name: 'Xen', type: 18, desc: entryDesc(entry, size, le) });
const GNU = { name: 'GNU', type: 3, desc: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]) };

describe('readElfHeader', () => {
  it('reads the header of the fixtures (checked against readelf -h)', () => {
    expect(readElfHeader(fixture('guest32.elf'))).toMatchObject({
      elfClass: 32,
      littleEndian: true,
      eType: 2,
      eMachine: EM_386,
      eEntry: 0x100000n,
      ePhoff: 52,
      ePhentsize: 32,
      ePhnum: 3,
      eShentsize: 40,
    });
    expect(readElfHeader(fixture('note64-segment.elf'))).toMatchObject({ elfClass: 64, eMachine: EM_X86_64, eEntry: 0x1000000n, ePhoff: 64, ePhentsize: 56 });
    expect(readElfHeader(fixture('note32-section-only.elf'))).toMatchObject({ elfClass: 32, eEntry: 0x100010n, ePhnum: 1 });
  });

  it('reads all four class and byte-order combinations', () => {
    for (const elfClass of [32, 64] as const) {
      for (const littleEndian of [true, false]) {
        const { file } = makeElf({ elfClass, littleEndian, entry: 0x123456n });
        expect(readElfHeader(file)).toMatchObject({ elfClass, littleEndian, eEntry: 0x123456n, ePhnum: 1, eShnum: 0 });
      }
    }
  });

  it('rejects a file without the magic', () => {
    expect(isElf(new Uint8Array([0x7f, 0x45, 0x4c]))).toBe(false);
    for (const b of [new Uint8Array(0), new Uint8Array([0x7f, 0x45, 0x4c]), new Uint8Array(64)]) {
      const e = thrown(() => readElfHeader(b));
      expect(e).toBeInstanceOf(BootprotoError);
      expect(e).toMatchObject({ code: 'BAD_MAGIC', format: 'elf', field: 'e_ident', offset: 0 });
    }
  });

  it('throws TRUNCATED for a file that ends inside e_ident or the header', () => {
    const full = fixture('guest32.elf');
    expect(thrown(() => readElfHeader(full.subarray(0, 4)))).toMatchObject({ code: 'TRUNCATED', field: 'e_ident' });
    expect(thrown(() => readElfHeader(full.subarray(0, 15)))).toMatchObject({ code: 'TRUNCATED' });
    expect(thrown(() => readElfHeader(full.subarray(0, 51)))).toMatchObject({ code: 'TRUNCATED', structure: 'Elf32_Ehdr' });
    expect(readElfHeader(full.subarray(0, 52)).ePhnum).toBe(3);
    const f64 = fixture('note64-segment.elf');
    expect(thrown(() => readElfHeader(f64.subarray(0, 63)))).toMatchObject({ code: 'TRUNCATED', structure: 'Elf64_Ehdr' });
  });

  it('rejects a bad class or byte order', () => {
    for (const [at, value] of [
      [4, 0],
      [4, 3],
      [5, 0],
      [5, 3],
    ] as const) {
      const b = fixture('guest32.elf');
      b[at] = value;
      const e = thrown(() => readElfHeader(b));
      expect(e).toMatchObject({ code: 'BAD_VALUE', format: 'elf', field: 'e_ident', offset: at });
    }
  });

  it('rejects ELF64 header offsets beyond the file', () => {
    const { file } = makeElf({ elfClass: 64, littleEndian: true });
    new DataView(file.buffer).setBigUint64(32, 1n << 63n, true);
    expect(thrown(() => readElfHeader(file))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'Elf64_Ehdr', field: 'e_phoff' });
  });

  it('the library layouts agree with the header size of each class', () => {
    expect(ELF32_EHDR[0].size).toBe(52);
    expect(ELF64_EHDR[1].size).toBe(64);
  });
});

describe('elfNotes', () => {
  it('lists the notes of guest32.elf from the PT_NOTE segment and the .note.Xen section (readelf -lW / -SW)', () => {
    const notes = elfNotes(fixture('guest32.elf'));
    expect(notes).toEqual([
      { source: 'segment', name: 'Xen', type: 18, offset: 0x14fc, descOffset: 0x150c, descSize: 4 },
      { source: 'section', name: 'Xen', type: 18, offset: 0x14fc, descOffset: 0x150c, descSize: 4 },
    ]);
  });

  it('walks several notes of each class and byte order, segment and section', () => {
    for (const elfClass of [32, 64] as const) {
      for (const le of [true, false]) {
        const built = makeElf({ elfClass, littleEndian: le, notes: [GNU, XEN(0x1000000n, 8, le)], section: true });
        const notes = elfNotes(built.file);
        expect(notes.map((n) => [n.source, n.name, n.type, n.descSize])).toEqual([
          ['segment', 'GNU', 3, 20],
          ['segment', 'Xen', 18, 8],
          ['section', 'GNU', 3, 20],
          ['section', 'Xen', 18, 8],
        ]);
        const gnu = notes[0];
        expect(gnu?.offset).toBe(built.noteOffset);
        expect(built.file.subarray(gnu?.descOffset, (gnu?.descOffset ?? 0) + 20)).toEqual(GNU.desc);
      }
    }
  });

  it('returns nothing for an ELF without notes', () => {
    expect(elfNotes(makeElf({ elfClass: 32, littleEndian: true, segment: false }).file)).toEqual([]);
    expect(elfNotes(makeElf({ elfClass: 64, littleEndian: true, notes: [] }).file)).toEqual([]);
  });

  // Regression: an empty note area (p_filesz 0, or fewer than 12 bytes) used to throw TRUNCATED.
  it('accepts an empty note segment or section, and ignores a tail shorter than a note header', () => {
    const empty = makeElf({ elfClass: 32, littleEndian: true, notes: [], section: true });
    expect(elfNotes(empty.file)).toEqual([]);
    const g = fixture('guest32.elf');
    const dv = new DataView(g.buffer, g.byteOffset);
    dv.setUint32(52 + 2 * 32 + 16, 0, true); // PT_NOTE p_filesz = 0
    expect(elfNotes(g).map((n) => n.source)).toEqual(['section']);
    dv.setUint32(52 + 2 * 32 + 4, g.length, true); // and p_offset = the end of the file
    expect(elfNotes(g).map((n) => n.source)).toEqual(['section']);
    dv.setUint32(52 + 2 * 32 + 16, 8, true); // 8 bytes at the end: past the file
    expect(thrown(() => elfNotes(g))).toMatchObject({ code: 'OUT_OF_BOUNDS', field: 'p_filesz' });
    dv.setUint32(52 + 2 * 32 + 4, 0x14fc, true); // 8 bytes: less than a header
    expect(elfNotes(g).map((n) => n.source)).toEqual(['section']);
  });

  it('throws when a note runs past its segment: descsz, namesz', () => {
    for (const elfClass of [32, 64] as const) {
      for (const le of [true, false]) {
        const lyingDesc = makeElf({ elfClass, littleEndian: le, notes: [{ ...XEN(1n, 4, le), descsz: 8 }] });
        const e = thrown(() => elfNotes(lyingDesc.file));
        expect(e).toBeInstanceOf(BootprotoError);
        expect(e).toMatchObject({ code: 'OUT_OF_BOUNDS', format: 'elf', structure: 'Elf_Nhdr', field: 'n_descsz', offset: lyingDesc.noteOffset });
        const huge = makeElf({ elfClass, littleEndian: le, notes: [{ ...XEN(1n, 4, le), descsz: 0xffffffff }] });
        expect(() => elfNotes(huge.file)).toThrow(BootprotoError);
        const hugeName = makeElf({ elfClass, littleEndian: le, notes: [{ ...XEN(1n, 4, le), namesz: 0xfffffffd }] });
        expect(() => elfNotes(hugeName.file)).toThrow(BootprotoError);
      }
    }
  });

  it('bounds the note walk by the segment, not by the file', () => {
    // The second note lies in the file, but the segment ends after the first.
    const built = makeElf({ elfClass: 32, littleEndian: true, notes: [XEN(1n, 4, true), GNU] });
    const firstSize = 20;
    const dv = new DataView(built.file.buffer);
    dv.setUint32(built.phdrOffset + 16, firstSize + 4, true); // segment: first note + 4 bytes of the next header
    expect(elfNotes(built.file).map((n) => n.name)).toEqual(['Xen']);
    // A segment that cuts the first note's descriptor.
    dv.setUint32(built.phdrOffset + 16, firstSize - 4, true);
    expect(thrown(() => elfNotes(built.file))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'Elf_Nhdr' });
  });

  it('rejects a segment or section that lies beyond the file', () => {
    const a = makeElf({ elfClass: 32, littleEndian: true, notes: [GNU], noteOffset: 0x10000 });
    expect(thrown(() => elfNotes(a.file))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'Elf32_Phdr', field: 'p_offset' });
    const b = makeElf({ elfClass: 64, littleEndian: false, notes: [GNU], noteFilesz: 0x10000 });
    expect(thrown(() => elfNotes(b.file))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'Elf64_Phdr', field: 'p_filesz' });
    const c = makeElf({ elfClass: 64, littleEndian: true, notes: [GNU], segment: false, section: true });
    new DataView(c.file.buffer).setBigUint64(c.shdrOffset + 32, 1n << 40n, true); // sh_size
    expect(thrown(() => elfNotes(c.file))).toMatchObject({ code: 'OUT_OF_BOUNDS', structure: 'Elf64_Shdr', field: 'sh_size' });
  });

  it('rejects program and section header tables that do not fit or are too small', () => {
    const g = fixture('guest32.elf');
    const dv = new DataView(g.buffer, g.byteOffset);
    dv.setUint16(42, 16, true); // e_phentsize below sizeof(Elf32_Phdr)
    expect(thrown(() => elfNotes(g))).toMatchObject({ code: 'BAD_VALUE', structure: 'Elf32_Ehdr', field: 'e_phentsize' });
    dv.setUint16(42, 32, true);
    dv.setUint16(44, 0xffff, true); // e_phnum far past the file
    expect(() => elfNotes(g)).toThrow(BootprotoError);
    dv.setUint16(44, 3, true);
    dv.setUint32(28, 0xfffffff0, true); // e_phoff beyond the file
    expect(thrown(() => elfNotes(g))).toMatchObject({ code: 'OUT_OF_BOUNDS' });
    const s = fixture('guest32.elf');
    new DataView(s.buffer, s.byteOffset).setUint16(46, 8, true); // e_shentsize
    expect(thrown(() => elfNotes(s))).toMatchObject({ code: 'BAD_VALUE', field: 'e_shentsize' });
  });
});
