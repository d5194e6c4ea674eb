# Fixture: ELF32 i386 image whose XEN_ELFNOTE_PHYS32_ENTRY note is only
# reachable through the section headers: it is a SHT_NOTE section inside
# the PT_LOAD segment, but no PT_NOTE program header covers it.
# 4-byte descriptor; the entry point is 16 bytes into the image.
        .section .note.Xen, "a", @note
        .balign 4
        .long   4               # namesz: "Xen\0"
        .long   4               # descsz: 4-byte address
        .long   18              # type: XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   _start          # descriptor: 0x100010

        .text
        .code32
        .fill   16, 1, 0x90     # 16 NOPs before the entry point
        .globl  _start
_start: hlt
        jmp     _start

        .section .note.GNU-stack, "", @progbits
