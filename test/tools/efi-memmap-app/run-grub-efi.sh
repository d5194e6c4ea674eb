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

if [ "$#" -ne 4 ]; then
    echo "usage: $0 KERNEL.ELF MACHINE MEM OUTFILE" >&2
    exit 2
fi
kernel="$1" machine="$2" mem="$3" outfile="$4"
qemu="${QEMU:-qemu-system-x86_64}"
code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
vars_template="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
for f in "$kernel" "$code" "$vars_template" /usr/lib/grub/x86_64-efi/multiboot2.mod; do
    [ -r "$f" ] || { echo "$0: $f is missing (grub-efi-amd64-bin? ovmf?)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/boot/grub"
cp "$kernel" "$work/iso/boot/kernel.elf"
printf '%s\n' 'set timeout=0' 'set default=0' 'menuentry "bootproto efi-memmap" {' \
    '    multiboot2 /boot/kernel.elf console=ttyS0' '    boot' '}' >"$work/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$work/boot.iso" "$work/iso" >/dev/null 2>&1
cp "$vars_template" "$work/vars.fd"

status=0
timeout 120 "$qemu" \
    -machine "$machine" -m "$mem" -accel tcg \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$code" \
    -drive if=pflash,format=raw,unit=1,file="$work/vars.fd" \
    -cdrom "$work/boot.iso" \
    -nodefaults -nographic -display none -no-reboot -nic none -vga std \
    -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 33 ]; then
    echo "$0: QEMU exited with status $status, expected 33 (isa-debug-exit 0x10)" >&2
    exit 1
fi
if ! grep -aq 'BOOTPROTO-MB2-DUMP v1' "$outfile"; then
    echo "$0: no dump header in $outfile" >&2
    exit 1
fi
