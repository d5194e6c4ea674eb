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
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/bzImage" "$out/head.o" "$out/dump.o"
echo "built $out/bzImage"
