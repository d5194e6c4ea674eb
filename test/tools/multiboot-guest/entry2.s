# Multiboot 2 entry of the bootproto test kernel.
#
# Multiboot2 Specification 2.0, section 3.3 "I386 machine state": the loader
# jumps here in 32-bit protected mode, paging off, interrupts off, with
#   %eax = 0x36d76289 (MULTIBOOT2_BOOTLOADER_MAGIC)
#   %ebx = physical address of the boot information
# and no stack. We make one and call mb2_main(eax, ebx) in dump2.c.
#
# The header (section 3.1) is 8-byte aligned within the first 32768 bytes;
# every tag starts 8-byte aligned. It asks (required) for the tags a BIOS
# loader can always give, and (optionally) for more; with VIDEO defined it
# also asks for a 1024x768x32 framebuffer.

        .code32
        .set    MB2_MAGIC, 0xe85250d6
        .set    MB2_ARCH_I386, 0

        .section .multiboot, "a"
        .balign 8
mb2_header:
        .long   MB2_MAGIC
        .long   MB2_ARCH_I386
        .long   mb2_header_end - mb2_header
        .long   -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

        # Information request, required: command line, loader name, modules,
        # basic memory information, memory map.
        .balign 8
1:      .short  1, 0
        .long   2f - 1b
        .long   1, 2, 3, 4, 6
2:
        # Information request, optional: boot device, ELF sections, APM,
        # SMBIOS, old and new ACPI RSDP, network.
        .balign 8
1:      .short  1, 1
        .long   2f - 1b
        .long   5, 9, 10, 13, 14, 15, 16
2:
        # Module alignment: modules page aligned.
        .balign 8
        .short  6, 0
        .long   8

.ifdef VIDEO
        # Framebuffer, required: 1024x768x32.
        .balign 8
        .short  5, 0
        .long   20
        .long   1024, 768, 32
.endif

        # End tag.
        .balign 8
        .short  0, 0
        .long   8
mb2_header_end:

        .text
        .globl  mb2_start
mb2_start:
        cli
        cld
        movl    $stack_top, %esp
        subl    $8, %esp
        pushl   %ebx
        pushl   %eax
        call    mb2_main
1:      hlt
        jmp     1b

        .include "stack.s"      # stack_top, from ../guest-lib
