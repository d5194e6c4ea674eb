/**
 * Just enough ELF (System V gABI, "ELF header", "Program header", "Sections"
 * and "Note section") to find the notes of an ELF32 or ELF64 image, of either
 * byte order: the PVH entry note, the Multiboot ELF sections, a kernel's
 * build-id. Every table is bounded by the file; nothing is copied.
 *
 * @module
 */
import { BootprotoError } from './errors.js';
import { decodeLayout } from './codec.js';
import { bytes, defineLayout, u16, u32, u64, viewLayout, type Fields, type Layout } from './layout.js';

const IDENT = {
  /** The identification bytes: the magic `\x7fELF`, then class, byte order, version and OS ABI. */
  eIdent: bytes(0, 16),
};

function both<const F extends Fields>(name: string, size: number, fields: F): readonly [Layout<F>, Layout<F>] {
  return [
    defineLayout({ name, format: 'elf', size, littleEndian: true, fields }),
    defineLayout({ name, format: 'elf', size, littleEndian: false, fields }),
  ];
}

/** `Elf32_Ehdr`, little- and big-endian. */
export const ELF32_EHDR = both('Elf32_Ehdr', 52, {
  ...IDENT,
  /** Object file type: relocatable, executable (`ET_EXEC`), shared object (`ET_DYN`), core. */
  eType: u16(16),
  /** Target architecture (`EM_386`, `EM_X86_64`, …). */
  eMachine: u16(18),
  /** Object file version; 1 is the only one defined. */
  eVersion: u32(20),
  /** Virtual address where execution starts. */
  eEntry: u32(24),
  /** File offset of the program header table; 0 when there is none. */
  ePhoff: u32(28),
  /** File offset of the section header table; 0 when there is none. */
  eShoff: u32(32),
  /** Processor-specific flags (0 on x86). */
  eFlags: u32(36),
  /** Size of this header in bytes. */
  eEhsize: u16(40),
  /** Size in bytes of one program header. */
  ePhentsize: u16(42),
  /** Number of program headers. */
  ePhnum: u16(44),
  /** Size in bytes of one section header. */
  eShentsize: u16(46),
  /** Number of section headers. */
  eShnum: u16(48),
  /** Index of the section holding the section names. */
  eShstrndx: u16(50),
});

/** `Elf64_Ehdr`, little- and big-endian. */
export const ELF64_EHDR = both('Elf64_Ehdr', 64, {
  ...IDENT,
  /** Object file type: relocatable, executable (`ET_EXEC`), shared object (`ET_DYN`), core. */
  eType: u16(16),
  /** Target architecture (`EM_386`, `EM_X86_64`, …). */
  eMachine: u16(18),
  /** Object file version; 1 is the only one defined. */
  eVersion: u32(20),
  /** Virtual address where execution starts. */
  eEntry: u64(24),
  /** File offset of the program header table; 0 when there is none. */
  ePhoff: u64(32),
  /** File offset of the section header table; 0 when there is none. */
  eShoff: u64(40),
  /** Processor-specific flags (0 on x86). */
  eFlags: u32(48),
  /** Size of this header in bytes. */
  eEhsize: u16(52),
  /** Size in bytes of one program header. */
  ePhentsize: u16(54),
  /** Number of program headers. */
  ePhnum: u16(56),
  /** Size in bytes of one section header. */
  eShentsize: u16(58),
  /** Number of section headers. */
  eShnum: u16(60),
  /** Index of the section holding the section names. */
  eShstrndx: u16(62),
});

/** `Elf32_Phdr`. */
export const ELF32_PHDR = both('Elf32_Phdr', 32, {
  /** What the segment is (`PT_LOAD`, `PT_NOTE`, …). */
  pType: u32(0),
  /** File offset of the segment's first byte. */
  pOffset: u32(4),
  /** Virtual address of the segment's first byte in memory. */
  pVaddr: u32(8),
  /** Physical address of the segment, where the platform loads by physical address (a PVH loader does). */
  pPaddr: u32(12),
  /** Number of bytes the segment occupies in the file. */
  pFilesz: u32(16),
  /** Number of bytes the segment occupies in memory (bytes beyond `p_filesz` are zero). */
  pMemsz: u32(20),
  /** Access permissions: execute 1, write 2, read 4. */
  pFlags: u32(24),
  /** Alignment of the segment, in memory and in the file. */
  pAlign: u32(28),
});

/** `Elf64_Phdr`. */
export const ELF64_PHDR = both('Elf64_Phdr', 56, {
  /** What the segment is (`PT_LOAD`, `PT_NOTE`, …). */
  pType: u32(0),
  /** Access permissions: execute 1, write 2, read 4. */
  pFlags: u32(4),
  /** File offset of the segment's first byte. */
  pOffset: u64(8),
  /** Virtual address of the segment's first byte in memory. */
  pVaddr: u64(16),
  /** Physical address of the segment, where the platform loads by physical address (a PVH loader does). */
  pPaddr: u64(24),
  /** Number of bytes the segment occupies in the file. */
  pFilesz: u64(32),
  /** Number of bytes the segment occupies in memory (bytes beyond `p_filesz` are zero). */
  pMemsz: u64(40),
  /** Alignment of the segment, in memory and in the file. */
  pAlign: u64(48),
});

/** `Elf32_Shdr`. */
export const ELF32_SHDR = both('Elf32_Shdr', 40, {
  /** Offset of the section's name within the section-name string table. */
  shName: u32(0),
  /** What the section holds (`SHT_PROGBITS`, `SHT_NOTE`, …). */
  shType: u32(4),
  /** Attribute bits: writable, allocated, executable, …. */
  shFlags: u32(8),
  /** Address of the section in memory when it is loaded, else 0. */
  shAddr: u32(12),
  /** File offset of the section's contents. */
  shOffset: u32(16),
  /** Size of the section in bytes. */
  shSize: u32(20),
  /** Index of a related section; what it means depends on the type. */
  shLink: u32(24),
  /** Extra information; what it means depends on the type. */
  shInfo: u32(28),
  /** Required alignment of the section's address (0 or 1: none). */
  shAddralign: u32(32),
  /** Size of one entry for sections that are tables of fixed-size entries, else 0. */
  shEntsize: u32(36),
});

/** `Elf64_Shdr`. */
export const ELF64_SHDR = both('Elf64_Shdr', 64, {
  /** Offset of the section's name within the section-name string table. */
  shName: u32(0),
  /** What the section holds (`SHT_PROGBITS`, `SHT_NOTE`, …). */
  shType: u32(4),
  /** Attribute bits: writable, allocated, executable, …. */
  shFlags: u64(8),
  /** Address of the section in memory when it is loaded, else 0. */
  shAddr: u64(16),
  /** File offset of the section's contents. */
  shOffset: u64(24),
  /** Size of the section in bytes. */
  shSize: u64(32),
  /** Index of a related section; what it means depends on the type. */
  shLink: u32(40),
  /** Extra information; what it means depends on the type. */
  shInfo: u32(44),
  /** Required alignment of the section's address (0 or 1: none). */
  shAddralign: u64(48),
  /** Size of one entry for sections that are tables of fixed-size entries, else 0. */
  shEntsize: u64(56),
});

/** `Elf32_Nhdr` / `Elf64_Nhdr` (the same 12 bytes in both classes). */
export const ELF_NHDR = both('Elf_Nhdr', 12, {
  /** Length of the name in bytes, its NUL included; the name is padded to a multiple of 4. */
  nNamesz: u32(0),
  /** Length of the descriptor in bytes; the descriptor is padded to a multiple of 4. */
  nDescsz: u32(4),
  /** The note's type, whose meaning depends on its name. */
  nType: u32(8),
});

/** `ELFCLASS32`. */
export const ELFCLASS32 = 1;
/** `ELFCLASS64`. */
export const ELFCLASS64 = 2;
/** `ELFDATA2LSB`. */
export const ELFDATA2LSB = 1;
/** `ELFDATA2MSB`. */
export const ELFDATA2MSB = 2;
/** `PT_LOAD`. */
export const PT_LOAD = 1;
/** `PT_NOTE`. */
export const PT_NOTE = 4;
/** `SHT_NOTE`. */
export const SHT_NOTE = 7;
/** `EM_386`. */
export const EM_386 = 3;
/** `EM_X86_64`. */
export const EM_X86_64 = 62;

/** The facts of an ELF header that the note walk needs, normalised over class and byte order. */
export interface ElfHeader {
  /** 32 for `ELFCLASS32`, 64 for `ELFCLASS64`. */
  elfClass: 32 | 64;
  /** True for `ELFDATA2LSB`, false for `ELFDATA2MSB`. */
  littleEndian: boolean;
  /** `e_type`: the object file type. */
  eType: number;
  /** `e_machine`: the target architecture. */
  eMachine: number;
  /** `e_entry`, as a `bigint` for both classes. */
  eEntry: bigint;
  /** `e_phoff`, checked to lie within the file. */
  ePhoff: number;
  /** `e_phentsize`: bytes per program header. */
  ePhentsize: number;
  /** `e_phnum`: the number of program headers. */
  ePhnum: number;
  /** `e_shoff`, checked to lie within the file. */
  eShoff: number;
  /** `e_shentsize`: bytes per section header. */
  eShentsize: number;
  /** `e_shnum`: the number of section headers. */
  eShnum: number;
}

/** True when `bytes` start with the ELF magic `\x7fELF`. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function elfError(structure: string, field: string | undefined, offset: number, reason: string, code: 'BAD_MAGIC' | 'OUT_OF_BOUNDS' | 'BAD_VALUE' | 'TRUNCATED' = 'OUT_OF_BOUNDS'): BootprotoError {
  return new BootprotoError({ code, format: 'elf', structure, ...(field === undefined ? {} : { field }), offset, reason });
}

/** Offsets into a file must be exact numbers within it. */
function fileOffset(value: bigint | number, structure: string, field: string, at: number, fileSize: number): number {
  if (value > BigInt(fileSize) || value < 0) throw elfError(structure, field, at, `${String(value)} is beyond the file's ${fileSize} bytes`);
  return Number(value);
}

/** Reads the ELF header of an ELF32 or ELF64 file of either byte order. */
export function readElfHeader(file: Uint8Array): ElfHeader {
  if (!isElf(file)) throw elfError('Elf_Ehdr', 'e_ident', 0, 'no ELF magic (\\x7fELF)', 'BAD_MAGIC');
  if (file.length < 16) throw elfError('Elf_Ehdr', 'e_ident', 0, 'file ends inside e_ident', 'TRUNCATED');
  const cls = file[4];
  const data = file[5];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw elfError('Elf_Ehdr', 'e_ident', 4, `EI_CLASS ${String(cls)} is neither ELFCLASS32 nor ELFCLASS64`, 'BAD_VALUE');
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) throw elfError('Elf_Ehdr', 'e_ident', 5, `EI_DATA ${String(data)} is neither ELFDATA2LSB nor ELFDATA2MSB`, 'BAD_VALUE');
  const le = data === ELFDATA2LSB;
  const which = le ? 0 : 1;
  if (cls === ELFCLASS32) {
    const h = viewLayout(ELF32_EHDR[which], file);
    return {
      elfClass: 32, littleEndian: le, eType: h.eType, eMachine: h.eMachine, eEntry: BigInt(h.eEntry),
      ePhoff: h.ePhoff, ePhentsize: h.ePhentsize, ePhnum: h.ePhnum, eShoff: h.eShoff, eShentsize: h.eShentsize, eShnum: h.eShnum,
    };
  }
  const h = viewLayout(ELF64_EHDR[which], file);
  return {
    elfClass: 64, littleEndian: le, eType: h.eType, eMachine: h.eMachine, eEntry: h.eEntryBig,
    ePhoff: fileOffset(h.ePhoffBig, 'Elf64_Ehdr', 'e_phoff', 32, file.length), ePhentsize: h.ePhentsize, ePhnum: h.ePhnum,
    eShoff: fileOffset(h.eShoffBig, 'Elf64_Ehdr', 'e_shoff', 40, file.length), eShentsize: h.eShentsize, eShnum: h.eShnum,
  };
}

/** Where a note was found. */
export type NoteSource = 'segment' | 'section';

/** One ELF note, as offsets into the file (nothing copied). */
export interface ElfNote {
  /** Whether the note was read from a `PT_NOTE` segment or an `SHT_NOTE` section. */
  source: NoteSource;
  /** The note's name without its NUL (`Xen`, `GNU`, …). */
  name: string;
  /** The note's type (`n_type`). */
  type: number;
  /** File offset of the note header. */
  offset: number;
  /** File offset of the descriptor. */
  descOffset: number;
  /** Length of the descriptor in bytes (`n_descsz`, before padding). */
  descSize: number;
}

const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
  return s;
};

const align4 = (n: number): number => (n + 3) & ~3;

/** Walks the notes in `[start, start + size)` of the file. */
function notesIn(file: Uint8Array, le: boolean, start: number, size: number, source: NoteSource, out: ElfNote[], structure: string): void {
  const end = start + size;
  if (end > file.length) throw elfError(structure, source === 'segment' ? 'p_filesz' : 'sh_size', start, `note area [${start}, ${end}) runs past the file's ${file.length} bytes`);
  if (size < 12) return;
  const window = file.subarray(0, end);
  const nh = viewLayout(ELF_NHDR[le ? 0 : 1], window, start);
  let at = start;
  while (at + 12 <= end) {
    nh.at(at);
    const namesz = nh.nNamesz;
    const descsz = nh.nDescsz;
    const nameAt = at + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (namesz > end || descsz > end || next > end) throw elfError('Elf_Nhdr', 'n_descsz', at, `note of name size ${namesz} and descriptor size ${descsz} runs past its ${source} (ends at ${end})`);
    const nameBytes = file.subarray(nameAt, nameAt + namesz);
    const nul = nameBytes.indexOf(0);
    out.push({ source, name: latin1(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)), type: nh.nType, offset: at, descOffset: descAt, descSize: descsz });
    at = next;
  }
}

/** The most program headers or section headers walked (the ELF fields are 16-bit, so this is their own bound). */
const MAX_HEADERS = 0xffff;

/** Reads a header table entry and gives its fields as `bigint`s, whatever the class. */
function entry(layout: Layout, file: Uint8Array, at: number): Record<string, bigint> {
  const raw = decodeLayout(layout, file, at) as Record<string, unknown>;
  const out: Record<string, bigint> = {};
  for (const key of layout.order) {
    const v = raw[key];
    if (typeof v === 'bigint' || typeof v === 'number') out[key] = BigInt(v);
  }
  return out;
}

/**
 * Every note of the file: those in `PT_NOTE` segments, then those in
 * `SHT_NOTE` sections (a note that is in both appears twice, once per source).
 */
export function elfNotes(file: Uint8Array): ElfNote[] {
  const h = readElfHeader(file);
  const out: ElfNote[] = [];
  const which = h.littleEndian ? 0 : 1;
  const ehdr = h.elfClass === 32 ? 'Elf32_Ehdr' : 'Elf64_Ehdr';
  if (h.ePhnum > 0 && h.ePhoff !== 0) {
    const layout: Layout = h.elfClass === 32 ? ELF32_PHDR[which] : ELF64_PHDR[which];
    if (h.ePhentsize < layout.size) throw elfError(ehdr, 'e_phentsize', h.elfClass === 32 ? 42 : 54, `${h.ePhentsize} is smaller than ${layout.name} (${layout.size})`, 'BAD_VALUE');
    for (let i = 0; i < Math.min(h.ePhnum, MAX_HEADERS); i++) {
      const at = h.ePhoff + i * h.ePhentsize;
      const p = entry(layout, file, at);
      if (p['pType'] !== BigInt(PT_NOTE)) continue;
      const off = fileOffset(p['pOffset'] ?? 0n, layout.name, 'p_offset', at, file.length);
      const size = fileOffset(p['pFilesz'] ?? 0n, layout.name, 'p_filesz', at, file.length);
      notesIn(file, h.littleEndian, off, size, 'segment', out, layout.name);
    }
  }
  if (h.eShnum > 0 && h.eShoff !== 0) {
    const layout: Layout = h.elfClass === 32 ? ELF32_SHDR[which] : ELF64_SHDR[which];
    if (h.eShentsize < layout.size) throw elfError(ehdr, 'e_shentsize', h.elfClass === 32 ? 46 : 58, `${h.eShentsize} is smaller than ${layout.name} (${layout.size})`, 'BAD_VALUE');
    for (let i = 0; i < Math.min(h.eShnum, MAX_HEADERS); i++) {
      const at = h.eShoff + i * h.eShentsize;
      const s = entry(layout, file, at);
      if (s['shType'] !== BigInt(SHT_NOTE)) continue;
      const off = fileOffset(s['shOffset'] ?? 0n, layout.name, 'sh_offset', at, file.length);
      const size = fileOffset(s['shSize'] ?? 0n, layout.name, 'sh_size', at, file.length);
      notesIn(file, h.littleEndian, off, size, 'section', out, layout.name);
    }
  }
  return out;
}
