#!/usr/bin/env bash
# Build the memory-map dumping UEFI application:
#   build.sh [OUTDIR]  ->  OUTDIR/memmap.efi (PE32+, EFI application, x86-64)
# Needs gcc, binutils (ld, objcopy with the efi-app-x86_64 target) and
# Debian's gnu-efi package (headers, crt0-efi-x86_64.o, elf_x86_64_efi.lds,
# libefi.a, libgnuefi.a).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"

inc=/usr/include/efi
lib=/usr/lib
for f in "$inc/efi.h" "$lib/crt0-efi-x86_64.o" "$lib/elf_x86_64_efi.lds" "$lib/libefi.a" "$lib/libgnuefi.a"; do
    [ -e "$f" ] || { echo "$0: $f is missing (apt-get install gnu-efi)" >&2; exit 1; }
done

gcc -I"$inc" -I"$inc/x86_64" -I"$inc/protocol" -I"$here/../guest-lib" \
    -O2 -std=gnu11 -Wall -Wextra -Werror \
    -fpic -fshort-wchar -ffreestanding -fno-stack-protector -fno-strict-aliasing \
    -fno-asynchronous-unwind-tables -mno-red-zone -maccumulate-outgoing-args \
    -DEFI_FUNCTION_WRAPPER -DGNU_EFI_USE_MS_ABI \
    -c -o "$out/memmap.o" "$here/memmap.c"
ld -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
    -T "$lib/elf_x86_64_efi.lds" -L"$lib" \
    -o "$out/memmap.so" "$lib/crt0-efi-x86_64.o" "$out/memmap.o" -lefi -lgnuefi
objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
    -j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 \
    "$out/memmap.so" "$out/memmap.efi"
echo "built $out/memmap.efi"
