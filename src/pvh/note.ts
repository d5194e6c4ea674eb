/**
 * The `XEN_ELFNOTE_PHYS32_ENTRY` ELF note (Xen `xen/include/public/elfnote.h`):
 * a note named "Xen", type 18, whose descriptor is the 32-bit physical
 * address at which a PVH kernel is entered. Its presence marks a kernel as
 * PVH-bootable. The descriptor may be 4 or 8 bytes (Linux writes 4 on 32-bit
 * and some builds 8); only the low 32 bits address the entry.
 *
 * QEMU looks for the note in `PT_NOTE` program headers only; other tools read
 * `SHT_NOTE` sections. {@link findPvhEntry} reads both and says where it found it.
 *
 * @module
 */
import { BootprotoError, elfNotes, problemFromError, readElfHeader, type ElfNote, type NoteSource, type Problem } from '../core/index.js';

/** `XEN_ELFNOTE_PHYS32_ENTRY`. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** The PVH entry of an ELF image. */
export interface PvhEntryNote {
  /** The physical entry address (the descriptor's value). */
  entry: bigint;
  /** Size of the descriptor: 4 or 8. */
  descSize: 4 | 8;
  /** Where the note was found: in a `PT_NOTE` segment, an `SHT_NOTE` section, or both. */
  sources: NoteSource[];
  /** File offset of the note header (of the first place it was found). */
  offset: number;
  /** ELF class of the image. */
  elfClass: 32 | 64;
}

function descValue(file: Uint8Array, note: ElfNote, littleEndian: boolean): bigint {
  if (note.descSize !== 4 && note.descSize !== 8) {
    throw new BootprotoError({
      code: 'BAD_VALUE',
      format: 'pvh',
      structure: 'XEN_ELFNOTE_PHYS32_ENTRY',
      field: 'n_descsz',
      offset: note.offset + 4,
      reason: `descriptor of ${note.descSize} bytes; expected 4 or 8`,
    });
  }
  const dv = new DataView(file.buffer, file.byteOffset + note.descOffset, note.descSize);
  return note.descSize === 4 ? BigInt(dv.getUint32(0, littleEndian)) : dv.getBigUint64(0, littleEndian);
}

/**
 * Finds the PVH entry note of an ELF32 or ELF64 image, in `PT_NOTE` segments
 * and `SHT_NOTE` sections. Returns undefined when the image has none; throws
 * {@link BootprotoError} when the ELF is malformed or the note's descriptor
 * is neither 4 nor 8 bytes.
 */
export function findPvhEntry(file: Uint8Array): PvhEntryNote | undefined {
  const header = readElfHeader(file);
  let found: PvhEntryNote | undefined;
  for (const note of elfNotes(file)) {
    if (note.name !== 'Xen' || note.type !== XEN_ELFNOTE_PHYS32_ENTRY) continue;
    const entry = descValue(file, note, header.littleEndian);
    if (found === undefined) {
      found = { entry, descSize: note.descSize as 4 | 8, sources: [note.source], offset: note.offset, elfClass: header.elfClass };
    } else if (!found.sources.includes(note.source)) {
      found.sources.push(note.source);
    }
  }
  return found;
}

/**
 * Encodes the note (header, "Xen\0", descriptor), ready to be placed in a
 * note section: 20 bytes with a 4-byte descriptor, 24 with an 8-byte one.
 */
export function encodePvhNote(entry: bigint, descSize: 4 | 8 = 4, littleEndian = true): Uint8Array {
  const out = new Uint8Array(16 + descSize);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 4, littleEndian);
  dv.setUint32(4, descSize, littleEndian);
  dv.setUint32(8, XEN_ELFNOTE_PHYS32_ENTRY, littleEndian);
  out.set([0x58, 0x65, 0x6e, 0], 12);
  if (descSize === 4) dv.setUint32(16, Number(BigInt.asUintN(32, entry)), littleEndian);
  else dv.setBigUint64(16, BigInt.asUintN(64, entry), littleEndian);
  return out;
}

/**
 * Validates an image as a PVH kernel: an ELF whose `XEN_ELFNOTE_PHYS32_ENTRY`
 * note exists (error `NOT_FOUND`), has a 4- or 8-byte descriptor (error
 * `BAD_VALUE`) and sits in a `PT_NOTE` segment, where QEMU looks (warning
 * `NOTE_NOT_IN_SEGMENT`). Malformed ELF is reported, never thrown.
 */
export function validatePvhEntry(file: Uint8Array): Problem[] {
  let note: PvhEntryNote | undefined;
  try {
    note = findPvhEntry(file);
  } catch (e) {
    if (e instanceof BootprotoError) return [problemFromError(e)];
    throw e;
  }
  const where = { format: 'pvh' as const, structure: 'XEN_ELFNOTE_PHYS32_ENTRY' };
  if (note === undefined) {
    return [{ severity: 'error', code: 'NOT_FOUND', ...where, offset: 0, message: 'no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel' }];
  }
  if (!note.sources.includes('segment')) {
    return [{ severity: 'warning', code: 'NOTE_NOT_IN_SEGMENT', ...where, offset: note.offset, message: 'the note is only in an SHT_NOTE section; loaders that read PT_NOTE segments (QEMU) will not find it' }];
  }
  return [];
}
