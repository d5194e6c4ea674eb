/**
 * Which format is this? Looks at magic numbers only, through each module's
 * public detector; never throws. Browser-safe.
 *
 * Order matters where one file is several things: a zero page (4096 bytes
 * with `HdrS` and no `MZ`) before a bzImage; a bzImage (which may also be a
 * PE image: the EFI stub) before a plain PE image; an ELF image before the
 * Multiboot headers it may carry (Xen carries both).
 *
 * @module
 */
import { BootprotoError } from './core/errors.js';
import { isElf } from './core/elf.js';
import { detectFdt } from './fdt/index.js';
import { detectBootParams, detectBzImage } from './linux-bootparams/index.js';
import { detectMultiboot1, detectMultiboot2 } from './multiboot/index.js';
import { detectPeImage } from './pecoff/index.js';
import { XEN_HVM_START_MAGIC_VALUE, findPvhEntry } from './pvh/index.js';

/** What {@link detectFormat} recognised. */
export type DetectedFormat =
  /** A flattened devicetree blob (`FDT_MAGIC`). */
  | 'fdt'
  /** A 4096-byte x86 Linux zero page (`boot_params`). */
  | 'boot-params'
  /** An x86 Linux kernel image with a setup header (`HdrS`); it may also be a PE image. */
  | 'bzimage'
  /** A PE/COFF image (`MZ` … `PE\0\0`): an EFI application, driver or stub. */
  | 'pe'
  /** An ELF image carrying a `XEN_ELFNOTE_PHYS32_ENTRY` note. */
  | 'pvh-elf'
  /** An ELF image without one. */
  | 'elf'
  /** A non-ELF image with a Multiboot 2 header in its first 32 KiB. */
  | 'multiboot2-image'
  /** A non-ELF image with a Multiboot 1 header in its first 8 KiB. */
  | 'multiboot1-image'
  /** Bytes that start with `XEN_HVM_START_MAGIC_VALUE`: a raw `hvm_start_info`. */
  | 'pvh-start-info'
  | 'unknown';

function safely(test: () => boolean): boolean {
  try {
    return test();
  } catch (e) {
    if (e instanceof BootprotoError) return false;
    throw e;
  }
}

/** Detects the format of `bytes` from their magic numbers. Never throws on any input. */
export function detectFormat(bytes: Uint8Array): DetectedFormat {
  if (safely(() => detectFdt(bytes))) return 'fdt';
  if (safely(() => detectBootParams(bytes))) return 'boot-params';
  if (safely(() => detectBzImage(bytes))) return 'bzimage';
  if (safely(() => detectPeImage(bytes))) return 'pe';
  if (isElf(bytes)) return safely(() => findPvhEntry(bytes) !== undefined) ? 'pvh-elf' : 'elf';
  if (safely(() => detectMultiboot2(bytes))) return 'multiboot2-image';
  if (safely(() => detectMultiboot1(bytes))) return 'multiboot1-image';
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === XEN_HVM_START_MAGIC_VALUE) {
    return 'pvh-start-info';
  }
  return 'unknown';
}
