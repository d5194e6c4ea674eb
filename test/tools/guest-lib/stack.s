# The 16 KiB stack of the guests' entry stubs (`.include "stack.s"` at the
# end of entry.s; stack_top is its top, x86 stacks grow down), and the note
# that tells ld the stack need not be executable.

        .bss
        .balign 16
        .skip   16384           # 16 KiB stack
stack_top:

        .section .note.GNU-stack, "", @progbits
