# Build flags for the freestanding 32-bit dump guests (pvh-guest and
# multiboot-guest), sourced by their build.sh. Sets two arrays, both of which
# put this folder on the include path (guest.h, ports.h, stack.s):
#   GUEST_CFLAGS   for gcc: any x86 gcc that accepts -m32; no 32-bit libc,
#                  no libgcc
#   GUEST_ASFLAGS  for as from binutils

guest_lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GUEST_CFLAGS=(
    -m32 -march=i686 -Os -std=c99 -Wall -Wextra -Werror
    -ffreestanding -fno-builtin -nostdinc -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-delete-null-pointer-checks -fno-tree-loop-distribute-patterns
    -mno-sse -mno-mmx -mno-80387
    -I"$guest_lib"
)
GUEST_ASFLAGS=(--32 -I "$guest_lib")
