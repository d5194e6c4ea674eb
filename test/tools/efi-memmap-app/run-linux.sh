#!/usr/bin/env bash
# Boot a Linux kernel through its EFI stub under Debian's OVMF and capture
# the early boot log, in which `efi=debug` makes Linux print the EFI memory
# map (`efi: memNN: ...`) and the e820 table its EFI stub built from it
# (`BIOS-e820: ...`).
#
#   run-linux.sh VMLINUZ MACHINE MEM OUTFILE
#
# OVMF loads the kernel given with -kernel as an EFI application. There is
# no root file system: the kernel panics and, with panic=-1 and -no-reboot,
# QEMU exits (status 0). This script exits 0 when OUTFILE holds the log's
# EFI memory map lines.
set -euo pipefail
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -ne 4 ]; then
    echo "usage: $0 VMLINUZ MACHINE MEM OUTFILE" >&2
    exit 2
fi
kernel="$1" machine="$2" mem="$3" outfile="$4"
need_files 'ovmf?' "$kernel" "$ovmf_code" "$ovmf_vars"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ovmf_drives "$work"

qemu_capture 180 "$outfile" \
    -machine "$machine" -m "$mem" -accel tcg "${ovmf_args[@]}" \
    -kernel "$kernel" -append "console=ttyS0 efi=debug panic=-1 loglevel=8"
if [ "$qemu_status" -ne 0 ]; then
    echo "$0: QEMU exited with status $qemu_status" >&2
    exit 1
fi
if ! grep -aq 'efi: mem00: ' "$outfile"; then
    echo "$0: no 'efi: mem00:' line in $outfile" >&2
    exit 1
fi
