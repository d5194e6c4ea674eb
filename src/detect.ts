/**
 * Which format is this? Looks at the first bytes only; browser-safe.
 *
 * @module
 */
import { isElf } from './core/elf.js';
import { XEN_HVM_START_MAGIC_VALUE } from './pvh/start-info.js';
import { findPvhEntry } from './pvh/note.js';
import { BootprotoError } from './core/errors.js';

/** What {@link detectFormat} recognised. */
export type DetectedFormat =
  /** An ELF image carrying a `XEN_ELFNOTE_PHYS32_ENTRY` note. */
  | 'pvh-elf'
  /** An ELF image without one. */
  | 'elf'
  /** Bytes that start with `XEN_HVM_START_MAGIC_VALUE`: a raw `hvm_start_info`. */
  | 'pvh-start-info'
  | 'unknown';

/** Detects the format of `bytes` from their magic numbers. Never throws. */
export function detectFormat(bytes: Uint8Array): DetectedFormat {
  if (isElf(bytes)) {
    try {
      return findPvhEntry(bytes) === undefined ? 'elf' : 'pvh-elf';
    } catch (e) {
      if (e instanceof BootprotoError) return 'elf';
      throw e;
    }
  }
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === XEN_HVM_START_MAGIC_VALUE) {
    return 'pvh-start-info';
  }
  return 'unknown';
}
