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
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -ne 4 ]; then
    echo "usage: $0 MEMMAP.EFI MACHINE MEM OUTFILE" >&2
    exit 2
fi
app="$1" machine="$2" mem="$3" outfile="$4"
need_files 'apt-get install ovmf' "$ovmf_code" "$ovmf_vars"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/esp/EFI/BOOT"
cp "$app" "$work/esp/EFI/BOOT/BOOTX64.EFI"
ovmf_drives "$work"

qemu_dump 120 "$outfile" 'BOOTPROTO-EFI-MEMMAP v1' \
    -machine "$machine" -m "$mem" -accel tcg "${ovmf_args[@]}" \
    -drive format=raw,file=fat:rw:"$work/esp"
