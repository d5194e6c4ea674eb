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
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -ne 6 ]; then
    echo "usage: $0 GUEST.ELF MACHINE MEM INITRD APPEND OUTFILE" >&2
    exit 2
fi
guest="$1" machine="$2" mem="$3" initrd="$4" append="$5" outfile="$6"

qemu_dump 60 "$outfile" 'BOOTPROTO-PVH-DUMP v1' \
    -machine "$machine" -m "$mem" -accel tcg \
    -kernel "$guest" -initrd "$initrd" -append "$append"
