#!/usr/bin/env bash
# Boot the Multiboot 2 test kernel through Debian's GRUB (BIOS, i386-pc) in
# QEMU and capture its serial dump.
#
#   run-grub.sh KERNEL.ELF MEM OUTFILE [MODULE...]
#
# Makes an ISO with grub-mkrescue (needs grub-pc-bin, grub-common, xorriso,
# mtools) whose grub.cfg boots KERNEL.ELF with
#   multiboot2 /boot/kernel.elf console=ttyS0 hello=world
#   module2 /boot/mod<i>.bin <basename> arg<i>     (one line per MODULE)
# and boots it with qemu-system-x86_64 -cdrom. Exit status as in run.sh.
# With PROTOCOL=1 the entries are GRUB's Multiboot 1 commands instead
# ('multiboot' and 'module'; the kernel then dumps in the Multiboot 1 format).
# With FIRMWARE=efi it boots the ISO's x86_64-efi GRUB under OVMF instead
# (needs grub-efi-amd64-bin and ovmf; OVMF_CODE points at another build).
set -euo pipefail
# shellcheck source=../guest-lib/qemu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../guest-lib/qemu.sh"

if [ "$#" -lt 3 ]; then
    echo "usage: $0 KERNEL.ELF MEM OUTFILE [MODULE...]" >&2
    exit 2
fi
kernel="$1" mem="$2" outfile="$3"
shift 3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/iso/boot/grub"
cp "$kernel" "$work/iso/boot/kernel.elf"
{
    echo 'set timeout=0'
    echo 'set default=0'
    echo 'insmod all_video'
    echo 'menuentry "bootproto multiboot2" {'
    suffix=2
    if [ "${PROTOCOL:-2}" = 1 ]; then suffix=''; fi
    echo "    multiboot$suffix /boot/kernel.elf console=ttyS0 hello=world"
    i=0
    for m in "$@"; do
        cp "$m" "$work/iso/boot/mod$i.bin"
        echo "    module$suffix /boot/mod$i.bin $(basename "$m") arg$i"
        i=$((i + 1))
    done
    echo '    boot'
    echo '}'
} > "$work/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$work/boot.iso" "$work/iso" >/dev/null 2>&1

ovmf_args=()
if [ "${FIRMWARE:-bios}" = efi ]; then
    ovmf_drives "$work"
fi

qemu_dump 120 "$outfile" 'BOOTPROTO-MB[12]-DUMP v1' \
    -machine pc -m "$mem" -accel tcg "${ovmf_args[@]}" -cdrom "$work/boot.iso" -boot d -vga std
