# Multiboot 1 entry of the bootproto test kernel.
#
# Multiboot Specification 0.6.96, section 3.2 "Machine state": the loader
# jumps here in 32-bit protected mode, paging off, interrupts off, with
#   %eax = 0x2BADB002 (MULTIBOOT_BOOTLOADER_MAGIC)
#   %ebx = physical address of struct multiboot_info
# and no stack. We make one and call mb_main(eax, ebx) in dump.c.
#
# The header (section 3.1.1) sits in its own section, which the linker
# script puts first, well inside the 8192 bytes a loader searches. With
# AOUT_KLUDGE defined (the flat-binary build) it sets flag 16 and carries
# the address fields (section 3.1.3), so that a loader can place a file
# that has no ELF headers at all.

        .code32

        .set    MB_MAGIC, 0x1BADB002
        .set    MB_PAGE_ALIGN, 1 << 0
        .set    MB_MEMORY_INFO, 1 << 1
.ifdef AOUT_KLUDGE
        .set    MB_FLAGS, MB_PAGE_ALIGN | MB_MEMORY_INFO | (1 << 16)
.else
.ifdef VIDEO
        .set    MB_FLAGS, MB_PAGE_ALIGN | MB_MEMORY_INFO | (1 << 2)
.else
        .set    MB_FLAGS, MB_PAGE_ALIGN | MB_MEMORY_INFO
.endif
.endif

        .section .multiboot, "a"
        .balign 4
mb_header:
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)          # checksum
.ifdef VIDEO
        # Bit 2 without bit 16: the address fields are there (the graphics
        # fields follow them) but not valid; a linear 1024x768x32 mode is asked.
        .long   0, 0, 0, 0, 0
        .long   0                               # mode_type: linear graphics
        .long   1024, 768, 32                   # width, height, depth
.endif
.ifdef AOUT_KLUDGE
        .long   mb_header                       # header_addr
        .long   __load_start                    # load_addr
        .long   __load_end                      # load_end_addr
        .long   __bss_end                       # bss_end_addr
        .long   mb_start                        # entry_addr
.endif

        .text
        .globl  mb_start
mb_start:
        cli
        cld
        movl    $stack_top, %esp
        subl    $8, %esp        # keep %esp 16-byte aligned at the call
        pushl   %ebx            # second argument: multiboot_info
        pushl   %eax            # first argument: the loader's magic
        call    mb_main         # does not return (exits QEMU)
1:      hlt
        jmp     1b

        .include "stack.s"      # stack_top, from ../guest-lib
