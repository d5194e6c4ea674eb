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

if [ "$#" -ne 5 ]; then
    echo "usage: $0 KERNEL MEM INITRD APPEND OUTFILE" >&2
    exit 2
fi
kernel="$1" mem="$2" initrd="$3" append="$4" outfile="$5"
qemu="${QEMU:-qemu-system-i386}"

status=0
timeout 60 "$qemu" \
    -machine pc -m "$mem" -accel tcg \
    -kernel "$kernel" -initrd "$initrd" -append "$append" \
    -nodefaults -nographic -display none -no-reboot -nic none \
    -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 33 ]; then
    if [ "$status" -eq 124 ]; then
        echo "$0: QEMU timed out after 60 s (kernel hung?)" >&2
    else
        echo "$0: QEMU exited with status $status, expected 33 (isa-debug-exit 0x10)" >&2
    fi
    exit 1
fi
if ! grep -q 'BOOTPROTO-MB1-DUMP v1' "$outfile"; then
    echo "$0: no dump header in $outfile" >&2
    exit 1
fi
