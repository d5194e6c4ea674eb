/**
 * PE/COFF as the EFI world uses it: EFI applications and drivers, the Linux
 * kernel's EFI stub, systemd-boot and its stub, shim, GRUB and unified
 * kernel images.
 *
 * Specifications: Microsoft "PE Format" (MS-DOS stub, Signature, COFF File
 * Header, Optional Header, Section Table, COFF String Table, The Attribute
 * Certificate Table, The .debug Section, The .edata Section, The .idata
 * Section, The .reloc Section, Appendix A); "Windows Authenticode Portable
 * Executable Signature Format" (the image digest); the UEFI
 * specification's Secure Boot chapter (`WIN_CERTIFICATE` types 0x0EF0/0x0EF1); Linux `Documentation/arch/arm64/booting.rst` and
 * `Documentation/arch/riscv/boot-image-header.rst` (Image headers) and
 * `arch/x86/boot/header.S` (`.compat`); shim's `SBAT.md`; the UAPI Group's
 * Unified Kernel Image specification. See `docs/pecoff.md`.
 *
 * @example
 * ```ts
 * import { decodePeImage, validatePeImage, authenticodeSha256 } from 'bootproto/pecoff';
 *
 * const image = decodePeImage(bytes);
 * for (const s of image.sections) console.log(s.resolvedName, s.virtualAddress, s.data.length);
 * console.log(validatePeImage(bytes));          // every problem
 * console.log(authenticodeSha256(image));       // equals `pesign --hash`
 * ```
 *
 * @module bootproto/pecoff
 */
export * from './constants.js';
export * from './headers.js';
export * from './image.js';
export * from './checksum.js';
export * from './sha256.js';
export * from './directories.js';
export * from './efi.js';
export * from './validate.js';
export { encodePeHeaders, updatePeChecksum, addSections, MAX_LONG_NAME_OFFSET, type NewSection, type AddSectionOptions } from './write.js';
export * from './replace.js';
export * from './uki.js';
export * from './summary.js';
