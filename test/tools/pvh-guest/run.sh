#!/usr/bin/env bash
# Boot the PVH test guest in QEMU and capture its serial dump.
#
#   run.sh GUEST.ELF MACHINE MEM INITRD APPEND OUTFILE
#
# e.g. run.sh out/guest.elf q35 512M initrd.bin 'console=ttyS0 x=1' dump.txt
#
# COM1 goes to OUTFILE. The guest ends by writing 0x10 to isa-debug-exit
# (port 0xf4), which makes QEMU exit with status (0x10 << 1) | 1 = 33;
# this script exits 0 exactly then. Set QEMU to use another binary.
set -euo pipefail

if [ "$#" -ne 6 ]; then
    echo "usage: $0 GUEST.ELF MACHINE MEM INITRD APPEND OUTFILE" >&2
    exit 2
fi
guest="$1" machine="$2" mem="$3" initrd="$4" append="$5" outfile="$6"
qemu="${QEMU:-qemu-system-x86_64}"

status=0
timeout 60 "$qemu" \
    -machine "$machine" -m "$mem" -accel tcg \
    -kernel "$guest" -initrd "$initrd" -append "$append" \
    -nodefaults -nographic -display none -no-reboot -nic none \
    -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 33 ]; then
    if [ "$status" -eq 124 ]; then
        echo "$0: QEMU timed out after 60 s (guest hung?)" >&2
    else
        echo "$0: QEMU exited with status $status, expected 33 (isa-debug-exit 0x10)" >&2
    fi
    exit 1
fi
if ! grep -q 'BOOTPROTO-PVH-DUMP v1' "$outfile"; then
    echo "$0: no dump header in $outfile" >&2
    exit 1
fi
