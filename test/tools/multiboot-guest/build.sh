#!/usr/bin/env bash
# Build the Multiboot 1 test kernels: build.sh [OUTDIR]
#   OUTDIR/guest.elf       ELF kernel (flags: page align, memory info)
#   OUTDIR/guest-aout.bin  flat binary with the a.out kludge (flag 16)
#   OUTDIR/guest-mb2.elf   Multiboot 2 ELF kernel (for GRUB's multiboot2 command)
#   OUTDIR/guest-video.elf, OUTDIR/guest-mb2-video.elf   the same, asking for a
#                          1024x768x32 framebuffer
# Needs gcc (with -m32; no 32-bit libc), as, ld and objcopy from binutils.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"

# shellcheck source=../guest-lib/flags.sh
source "$here/../guest-lib/flags.sh"

gcc "${GUEST_CFLAGS[@]}" -c -o "$out/dump.o" "$here/dump.c"

as "${GUEST_ASFLAGS[@]}" -o "$out/entry.o" "$here/entry.s"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/guest.elf" "$out/entry.o" "$out/dump.o"

as "${GUEST_ASFLAGS[@]}" --defsym AOUT_KLUDGE=1 -o "$out/entry-aout.o" "$here/entry.s"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/guest-aout.elf" "$out/entry-aout.o" "$out/dump.o"
# The flat binary starts at __load_start (0x100000) and ends at __load_end,
# padded up to it so that load_end_addr - load_addr is the file's size.
load_end="$(nm "$out/guest-aout.elf" | awk '$3 == "__load_end" { print $1 }')"
objcopy -O binary -j .multiboot -j .text -j .rodata -j .data --pad-to "0x$load_end" \
    "$out/guest-aout.elf" "$out/guest-aout.bin"
gcc "${GUEST_CFLAGS[@]}" -c -o "$out/dump2.o" "$here/dump2.c"
as "${GUEST_ASFLAGS[@]}" -o "$out/entry2.o" "$here/entry2.s"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" --entry=mb2_start -o "$out/guest-mb2.elf" "$out/entry2.o" "$out/dump2.o"
as "${GUEST_ASFLAGS[@]}" --defsym VIDEO=1 -o "$out/entry-video.o" "$here/entry.s"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" -o "$out/guest-video.elf" "$out/entry-video.o" "$out/dump.o"
as "${GUEST_ASFLAGS[@]}" --defsym VIDEO=1 -o "$out/entry2-video.o" "$here/entry2.s"
ld -m elf_i386 -nostdlib -T "$here/guest.ld" --entry=mb2_start -o "$out/guest-mb2-video.elf" "$out/entry2-video.o" "$out/dump2.o"
echo "built $out/guest-video.elf $out/guest-mb2-video.elf $out/guest-mb2.elf $out/guest.elf $out/guest-aout.bin"
