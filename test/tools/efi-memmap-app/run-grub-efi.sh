#!/usr/bin/env bash
# Boot a Multiboot 2 kernel through Debian's GRUB for UEFI (x86_64-efi)
# under Debian's OVMF and capture what the kernel writes to the serial port.
#
#   run-grub-efi.sh KERNEL.ELF MACHINE MEM OUTFILE
#
# The kernel is the Multiboot 2 dump kernel of the multiboot tests
# (test/fixtures/multiboot/mb2-guest.elf): it prints its boot information
# (header "BOOTPROTO-MB2-DUMP v1") and exits QEMU through isa-debug-exit
# (status 33). GRUB hands it both a Multiboot 2 memory map (tag 6) and the
# EFI memory map (tag 17). The ISO is made with grub-mkrescue (needs
# grub-efi-amd64-bin, grub-common, xorriso, mtools) from a grub.cfg that
# runs `multiboot2 /boot/kernel.elf console=ttyS0` and `boot`.
set -euo pipefail
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -ne 4 ]; then
    echo "usage: $0 KERNEL.ELF MACHINE MEM OUTFILE" >&2
    exit 2
fi
kernel="$1" machine="$2" mem="$3" outfile="$4"
need_files 'grub-efi-amd64-bin? ovmf?' "$kernel" "$ovmf_code" "$ovmf_vars" /usr/lib/grub/x86_64-efi/multiboot2.mod

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/boot/grub"
cp "$kernel" "$work/iso/boot/kernel.elf"
printf '%s\n' 'set timeout=0' 'set default=0' 'menuentry "bootproto efi-memmap" {' \
    '    multiboot2 /boot/kernel.elf console=ttyS0' '    boot' '}' >"$work/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$work/boot.iso" "$work/iso" >/dev/null 2>&1
ovmf_drives "$work"

qemu_dump 120 "$outfile" 'BOOTPROTO-MB2-DUMP v1' \
    -machine "$machine" -m "$mem" -accel tcg "${ovmf_args[@]}" -cdrom "$work/boot.iso" -vga std
