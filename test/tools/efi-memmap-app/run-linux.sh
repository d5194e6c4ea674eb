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

if [ "$#" -ne 4 ]; then
    echo "usage: $0 VMLINUZ MACHINE MEM OUTFILE" >&2
    exit 2
fi
kernel="$1" machine="$2" mem="$3" outfile="$4"
qemu="${QEMU:-qemu-system-x86_64}"
code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
vars_template="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
for f in "$kernel" "$code" "$vars_template"; do
    [ -r "$f" ] || { echo "$0: $f is missing" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$vars_template" "$work/vars.fd"

status=0
timeout 180 "$qemu" \
    -machine "$machine" -m "$mem" -accel tcg \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -kernel "$kernel" -append "console=ttyS0 efi=debug panic=-1 loglevel=8" \
    -nodefaults -nographic -display none -no-reboot -nic none \
    -serial stdio -monitor none \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 0 ]; then
    echo "$0: QEMU exited with status $status" >&2
    exit 1
fi
if ! grep -aq 'efi: mem00: ' "$outfile"; then
    echo "$0: no 'efi: mem00:' line in $outfile" >&2
    exit 1
fi
