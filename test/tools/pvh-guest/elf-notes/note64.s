# Fixture: ELF64 x86-64 image whose XEN_ELFNOTE_PHYS32_ENTRY note sits in a
# PT_NOTE segment and has an 8-byte descriptor (elfnote.h allows 4 or 8).
# Not meant to run; the entry code is 32-bit as the PVH ABI requires.
        .section .note.Xen, "a", @note
        .balign 4
        .long   4               # namesz: "Xen\0"
        .long   8               # descsz: 8-byte address
        .long   18              # type: XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .quad   _start          # descriptor: 0x1000000

        .text
        .code32
        .globl  _start
_start: hlt
        jmp     _start

        .section .note.GNU-stack, "", @progbits
