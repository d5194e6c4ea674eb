# PVH entry point of the bootproto test guest.
#
# Xen's direct-boot ABI (public/arch-x86/hvm/start_info.h) hands control to
# the address named by the XEN_ELFNOTE_PHYS32_ENTRY note with:
#   - the CPU in 32-bit protected mode, paging off, interrupts off;
#   - CS flat 32-bit code, DS/ES/SS flat 32-bit data;
#   - %ebx = physical address of struct hvm_start_info;
#   - every other register, the stack pointer included, undefined.
# So all this stub does is make a stack and call pvh_main(ebx) in dump.c.

        .code32

# ELF note telling the loader where to enter (public/elfnote.h):
#   namesz = 4 ("Xen" plus NUL), descsz = 4, type = 18 (PHYS32_ENTRY),
#   name padded to 4 bytes, descriptor = 32-bit physical entry address.
# The linker script puts this section into a PT_NOTE program header, which
# is where QEMU looks for it.
        .section .note.Xen, "a", @note
        .balign 4
        .long   4               # namesz
        .long   4               # descsz
        .long   18              # type: XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"           # name, 4 bytes, no padding needed
        .long   pvh_start       # descriptor: entry address

        .text
        .globl  pvh_start
pvh_start:
        cli                     # already off per the ABI; be sure
        cld                     # the C ABI expects DF clear
        movl    $stack_top, %esp
        subl    $12, %esp       # keep %esp 16-byte aligned at the call
        pushl   %ebx            # argument: start_info address
        call    pvh_main        # does not return (exits QEMU)
1:      hlt                     # in case isa-debug-exit is missing
        jmp     1b

        .include "stack.s"      # stack_top, from ../guest-lib
