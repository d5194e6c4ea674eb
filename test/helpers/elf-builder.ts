/**
 * Builds small synthetic ELF images for tests, written field by field from
 * the System V gABI offset tables (independently of src/core/elf.ts, so that
 * a wrong offset in the library's layout tables is caught). Browser-safe: no
 * node: imports.
 */

/** One note to put in the image. */
export interface NoteSpec {
  name: string;
  type: number;
  desc: Uint8Array;
  /** Overrides n_namesz (to write a lying header). */
  namesz?: number;
  /** Overrides n_descsz (to write a lying header). */
  descsz?: number;
}

/** What {@link makeElf} builds. */
export interface ElfSpec {
  elfClass: 32 | 64;
  littleEndian: boolean;
  entry?: bigint;
  notes?: readonly NoteSpec[];
  /** Put the notes in a PT_NOTE segment (default true). */
  segment?: boolean;
  /** Put the notes in an SHT_NOTE section (default false). */
  section?: boolean;
  /** Overrides the PT_NOTE's p_filesz. */
  noteFilesz?: number;
  /** Overrides the PT_NOTE's p_offset. */
  noteOffset?: number;
}

/** Where things ended up in a {@link makeElf} image. */
export interface BuiltElf {
  file: Uint8Array;
  /** File offset of the note area. */
  noteOffset: number;
  /** Length of the note area. */
  noteSize: number;
  /** File offset of the PT_NOTE program header (the first program header), or -1. */
  phdrOffset: number;
  /** File offset of the SHT_NOTE section header (index 1), or -1. */
  shdrOffset: number;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Encodes notes as they lie in a note section: header, name + NUL padded to 4, descriptor padded to 4. */
export function encodeNotes(notes: readonly NoteSpec[], littleEndian: boolean): Uint8Array {
  const enc = new TextEncoder();
  const parts = notes.map((n) => {
    const name = enc.encode(n.name);
    const namesz = name.length + 1;
    const out = new Uint8Array(12 + align4(namesz) + align4(n.desc.length));
    const dv = new DataView(out.buffer);
    dv.setUint32(0, n.namesz ?? namesz, littleEndian);
    dv.setUint32(4, n.descsz ?? n.desc.length, littleEndian);
    dv.setUint32(8, n.type, littleEndian);
    out.set(name, 12);
    out.set(n.desc, 12 + align4(namesz));
    return out;
  });
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * An ELF image: header, one PT_NOTE program header (when `segment`), the
 * notes, and a section header table of a null section and one SHT_NOTE
 * section (when `section`).
 */
export function makeElf(spec: ElfSpec): BuiltElf {
  const is64 = spec.elfClass === 64;
  const le = spec.littleEndian;
  const segment = spec.segment ?? true;
  const section = spec.section ?? false;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const notes = encodeNotes(spec.notes ?? [], le);
  const phoff = segment ? ehsize : 0;
  const noteOffset = align4(ehsize + (segment ? phentsize : 0));
  const shoff = section ? align4(noteOffset + notes.length) + 4 : 0;
  const size = section ? shoff + 2 * shentsize : noteOffset + notes.length;
  const file = new Uint8Array(size);
  const dv = new DataView(file.buffer);
  const w16 = (at: number, v: number): void => dv.setUint16(at, v, le);
  const w32 = (at: number, v: number): void => dv.setUint32(at, v, le);
  const wAddr = (at: number, v: bigint | number): void => {
    if (is64) dv.setBigUint64(at, BigInt(v), le);
    else dv.setUint32(at, Number(v), le);
  };

  file.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  w16(16, 2); // e_type ET_EXEC
  w16(18, is64 ? 62 : 3); // e_machine
  w32(20, 1); // e_version
  wAddr(24, spec.entry ?? 0x100000n); // e_entry
  wAddr(is64 ? 32 : 28, phoff); // e_phoff
  wAddr(is64 ? 40 : 32, shoff); // e_shoff
  const tail = is64 ? 48 : 36; // e_flags
  w32(tail, 0);
  w16(tail + 4, ehsize);
  w16(tail + 6, phentsize);
  w16(tail + 8, segment ? 1 : 0);
  w16(tail + 10, shentsize);
  w16(tail + 12, section ? 2 : 0);
  w16(tail + 14, 0);

  const pOffset = spec.noteOffset ?? noteOffset;
  const pFilesz = spec.noteFilesz ?? notes.length;
  if (segment) {
    const p = phoff;
    w32(p, 4); // p_type PT_NOTE
    if (is64) {
      w32(p + 4, 4); // p_flags R
      wAddr(p + 8, pOffset);
      wAddr(p + 16, 0x100000 + noteOffset);
      wAddr(p + 24, 0x100000 + noteOffset);
      wAddr(p + 32, pFilesz);
      wAddr(p + 40, pFilesz);
      wAddr(p + 48, 4);
    } else {
      w32(p + 4, pOffset);
      w32(p + 8, 0x100000 + noteOffset);
      w32(p + 12, 0x100000 + noteOffset);
      w32(p + 16, pFilesz);
      w32(p + 20, pFilesz);
      w32(p + 24, 4);
      w32(p + 28, 4);
    }
  }
  file.set(notes, noteOffset);
  if (section) {
    const s = shoff + shentsize; // section 1; section 0 stays all zero
    w32(s, 0); // sh_name
    w32(s + 4, 7); // sh_type SHT_NOTE
    if (is64) {
      wAddr(s + 8, 2); // sh_flags SHF_ALLOC
      wAddr(s + 16, 0x100000 + noteOffset);
      wAddr(s + 24, noteOffset);
      wAddr(s + 32, notes.length);
      w32(s + 40, 0);
      w32(s + 44, 0);
      wAddr(s + 48, 4);
      wAddr(s + 56, 0);
    } else {
      w32(s + 8, 2);
      w32(s + 12, 0x100000 + noteOffset);
      w32(s + 16, noteOffset);
      w32(s + 20, notes.length);
      w32(s + 24, 0);
      w32(s + 28, 0);
      w32(s + 32, 4);
      w32(s + 36, 0);
    }
  }
  return {
    file,
    noteOffset,
    noteSize: notes.length,
    phdrOffset: segment ? phoff : -1,
    shdrOffset: section ? shoff + shentsize : -1,
  };
}

/** The 4- or 8-byte descriptor of a PHYS32_ENTRY note. */
export function entryDesc(entry: bigint, size: 4 | 8, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  if (size === 4) dv.setUint32(0, Number(entry), littleEndian);
  else dv.setBigUint64(0, entry, littleEndian);
  return out;
}
