/**
 * EFI memory maps: the map UEFI's `GetMemoryMap()` returns, read, written
 * and checked, and turned into the memory maps of the other protocols.
 *
 * Specification: the UEFI specification, section 7.2 "Memory Allocation Services":
 * `EFI_BOOT_SERVICES.GetMemoryMap()` (the map, `DescriptorSize`,
 * `DescriptorVersion`), `EFI_MEMORY_DESCRIPTOR` and the memory attribute
 * definitions, and `EFI_BOOT_SERVICES.AllocatePages()` (`EFI_MEMORY_TYPE`
 * and the OEM/OS type ranges), checked against EDK II's
 * `MdePkg/Include/Uefi/UefiSpec.h` and `UefiMultiPhase.h`. Conversions follow
 * Linux's x86 EFI stub (`drivers/firmware/efi/libstub/x86-stub.c`,
 * `setup_e820`), Xen's `xen/arch/x86/efi/efi-boot.h` and GRUB's
 * `grub-core/mmap/efi/mmap.c`, `grub-core/mmap/mmap.c` and
 * `grub-core/loader/multiboot_mbi2.c`; the boot-log text
 * follows Linux's `efi_print_memmap` and `efi_md_typeattr_format`. See
 * `docs/efi-memmap.md`.
 *
 * @example
 * ```ts
 * import { viewMemoryMap, decodeMemoryMap, validateMemoryMap, toE820 } from 'bootproto/efi-memmap';
 *
 * const where = { descriptorSize: 48, mapSize: bytes.length };
 * const view = viewMemoryMap(bytes, where); // no allocation per descriptor
 * let pages = 0;
 * for (let i = 0; i < view.count; i++) if (view.get(i).type === 7) pages += view.get(i).numberOfPages;
 *
 * const map = decodeMemoryMap(bytes, where);
 * console.log(validateMemoryMap(bytes, where)); // [] when all is well
 * console.log(toE820(map).entries);
 * ```
 *
 * @module bootproto/efi-memmap
 */
export * from './descriptor.js';
export * from './map.js';
export * from './operations.js';
export * from './validate.js';
export * from './convert.js';
