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

if [ "$#" -lt 3 ]; then
    echo "usage: $0 KERNEL.ELF MEM OUTFILE [MODULE...]" >&2
    exit 2
fi
kernel="$1" mem="$2" outfile="$3"
shift 3
qemu="${QEMU:-qemu-system-x86_64}"
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

firmware=()
if [ "${FIRMWARE:-bios}" = efi ]; then
    code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
    cp "${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}" "$work/vars.fd"
    firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
              -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd")
fi

status=0
timeout 120 "$qemu" \
    -machine pc -m "$mem" -accel tcg "${firmware[@]}" -cdrom "$work/boot.iso" -boot d \
    -nodefaults -nographic -display none -no-reboot -nic none -vga std \
    -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$outfile" || status=$?

if [ "$status" -ne 33 ]; then
    echo "$0: QEMU exited with status $status, expected 33" >&2
    exit 1
fi
if ! grep -q 'BOOTPROTO-MB[12]-DUMP v1' "$outfile"; then
    echo "$0: no dump header in $outfile" >&2
    exit 1
fi
