/**
 * The x86 Linux boot protocol, for both of its sides: a tool that inspects a
 * kernel image, and a boot loader or VMM that fills the zero page.
 *
 * Specification: `Documentation/arch/x86/boot.rst` ("The Real-Mode Kernel
 * Header", "Details of Header Fields", "The kernel_info", "Details of the
 * kernel_info Fields", "Loading The Rest of The Kernel", "32-bit Boot
 * Protocol", "64-bit Boot Protocol"), `Documentation/arch/x86/zero-page.rst`,
 * and the layouts of `arch/x86/include/uapi/asm/bootparam.h`,
 * `uapi/asm/setup_data.h`, `uapi/linux/screen_info.h`, `uapi/linux/apm_bios.h`,
 * `uapi/linux/edd.h`, `asm/ist.h`, `video/edid.h`. See `docs/linux-bootparams.md`.
 *
 * @example
 * ```ts
 * import { inspectBzImage, decodeBootParams, walkSetupData } from 'bootproto/linux-bootparams';
 *
 * const image = inspectBzImage(vmlinuz);
 * console.log(image.protocol, image.kernelVersion, image.payload?.compression);
 * ```
 *
 * @module bootproto/linux-bootparams
 */
export * from './constants.js';
export * from './setup-header.js';
export * from './boot-params.js';
export * from './setup-data.js';
export * from './kernel-info.js';
export * from './bzimage.js';
export * from './validate.js';
export * from './loader.js';
export * from './bridges/index.js';
