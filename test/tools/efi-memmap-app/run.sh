#!/usr/bin/env bash
# Boot the memory-map dumping UEFI application under Debian's OVMF in QEMU
# and capture what it writes to the first serial port.
#
#   run.sh MEMMAP.EFI MACHINE MEM OUTFILE
#
# e.g. run.sh out/memmap.efi q35 256M dump.txt
#
# The application is copied to \EFI\BOOT\BOOTX64.EFI of a FAT drive that
# QEMU builds from a temporary directory (vvfat), which OVMF boots as
# removable media. OVMF's own console also goes to the serial port, so
# OUTFILE starts with the firmware's messages. The application ends by
# writing 0x10 to isa-debug-exit (port 0xf4): QEMU then exits with status 33,
# and this script exits 0 exactly then. Set QEMU and OVMF_CODE / OVMF_VARS
# to use other files.
set -euo pipefail

if [ "$#" -ne 4 ]; then
    echo "usage: $0 MEMMAP.EFI MACHINE MEM OUTFILE" >&2
    exit 2
fi
app="$1" machine="$2" mem="$3" outfile="$4"
qemu="${QEMU:-qemu-system-x86_64}"
code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
vars_template="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
for f in "$code" "$vars_template"; do
    [ -r "$f" ] || { echo "$0: $f is missing (apt-get install ovmf)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/esp/EFI/BOOT"
cp "$app" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$vars_template" "$work/vars.fd"

status=0
timeout 120 "$qemu" \
    -machine "$machine" -m "$mem" -accel tcg \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -drive format=raw,file=fat:rw:"$work/esp" \
    -nodefaults -nographic -display none -no-reboot -nic none \
    -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 33 ]; then
    if [ "$status" -eq 124 ]; then
        echo "$0: QEMU timed out after 120 s" >&2
    else
        echo "$0: QEMU exited with status $status, expected 33 (isa-debug-exit 0x10)" >&2
    fi
    exit 1
fi
if ! grep -q 'BOOTPROTO-EFI-MEMMAP v1' "$outfile"; then
    echo "$0: no dump header in $outfile" >&2
    exit 1
fi
