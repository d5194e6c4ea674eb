#!/usr/bin/env bash
# Build the Linux boot protocol test guest: build.sh [OUTDIR] -> OUTDIR/bzImage
# Needs gcc (with -m16), as and ld from binutils; no libc.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"
CFLAGS=(
    -m16 -march=i386 -Os -std=gnu99 -Wall -Wextra -Werror
    -ffreestanding -fno-builtin -nostdinc -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-tree-loop-distribute-patterns -mno-sse -mno-mmx -mno-80387
)
as --32 -o "$out/head.o" "$here/head.s"
gcc "${CFLAGS[@]}" -c -o "$out/dump.o" "$here/dump.c"
# The 32-bit entry: the same C, flat 32-bit, its sections renamed into the protected-mode part.
gcc "${CFLAGS[@]/-m16/-m32}" -DDUMP32 -c -o "$out/dump32.o" "$here/dump.c"
objcopy --rename-section .text=.text32 --rename-section .rodata=.data32 --rename-section .data=.data32 \
    --rename-section .bss=.data32 --rename-section .rodata.str1.1=.data32 "$out/dump32.o"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/bzImage" "$out/head.o" "$out/dump.o" "$out/dump32.o"
echo "built $out/bzImage"
