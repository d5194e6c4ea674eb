#!/usr/bin/env bash
# Boot a Multiboot 1 test kernel with QEMU's own Multiboot loader and
# capture its serial dump.
#
#   run.sh KERNEL MEM INITRD APPEND OUTFILE
#
# INITRD is QEMU's module list: comma-separated "file args" entries, e.g.
# 'mods/a.bin first arg,mods/b.bin' (each becomes a module whose string is
# the whole entry). APPEND becomes the command line, after the kernel's file
# name, which QEMU puts first. COM1 goes to OUTFILE; the kernel ends by
# writing 0x10 to isa-debug-exit, so QEMU exits 33, and this script exits 0
# exactly then. Set QEMU to use another binary (default qemu-system-i386).
set -euo pipefail
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -ne 5 ]; then
    echo "usage: $0 KERNEL MEM INITRD APPEND OUTFILE" >&2
    exit 2
fi
kernel="$1" mem="$2" initrd="$3" append="$4" outfile="$5"
qemu="${QEMU:-qemu-system-i386}"

qemu_dump 60 "$outfile" 'BOOTPROTO-MB1-DUMP v1' \
    -machine pc -m "$mem" -accel tcg \
    -kernel "$kernel" -initrd "$initrd" -append "$append"
