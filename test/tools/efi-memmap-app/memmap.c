/*
 * A tiny UEFI application for bootproto's tests: it asks the firmware for
 * its memory map with BootServices->GetMemoryMap() and writes the map, raw,
 * to the first serial port (I/O port 0x3f8), then makes QEMU exit through
 * an isa-debug-exit device at port 0xf4.
 *
 * Output (LF line ends, after whatever the firmware printed before):
 *
 *   BOOTPROTO-EFI-MEMMAP v1
 *   status 0x0000000000000000
 *   map_size 0x...            bytes GetMemoryMap() filled in
 *   desc_size 0x...           DescriptorSize
 *   desc_version 0x...        DescriptorVersion
 *   map_key 0x...
 *   hex <64 hex digits>       the map, 32 bytes a line, in order
 *   ...
 *   END
 *
 * efi_main is called by gnu-efi's crt0 with the System V convention (not
 * EFIAPI); firmware calls go through uefi_call_wrapper.
 *
 * Built with gnu-efi (Debian's `gnu-efi` package) by build.sh.
 */
#include <efi.h>
#include <efilib.h>
#include "ports.h"    /* outb/inb, COM1, UART_LSR, DEBUG_EXIT (../guest-lib) */

static void serial_putc(char c)
{
    /* Wait for the transmitter holding register to be empty. */
    for (UINTN spins = 0; spins < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); spins++)
        ;
    outb(COM1 + UART_THR, (UINT8)c);
}

static void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

static void serial_hex(UINT64 value, int digits)
{
    static const char xdigits[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--)
        serial_putc(xdigits[(value >> (i * 4)) & 0xf]);
}

static void line(const char *name, UINT64 value)
{
    serial_puts(name);
    serial_puts(" 0x");
    serial_hex(value, 16);
    serial_putc('\n');
}

static void quit(UINT8 code)
{
    /* isa-debug-exit: QEMU exits with status (code << 1) | 1. */
    outb(DEBUG_EXIT, code);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    EFI_BOOT_SERVICES *bs = systab->BootServices;
    UINTN map_size = 0, map_key = 0, desc_size = 0;
    UINT32 desc_version = 0;
    EFI_MEMORY_DESCRIPTOR *map = NULL;
    EFI_STATUS status;

    (void)image;
    serial_puts("\nBOOTPROTO-EFI-MEMMAP v1\n");

    /* First call: learn the size. Allocating the buffer may add descriptors,
     * so ask for room for eight more. */
    status = uefi_call_wrapper(bs->GetMemoryMap, 5, &map_size, map, &map_key, &desc_size, &desc_version);
    if (status == EFI_BUFFER_TOO_SMALL) {
        map_size += 8 * (desc_size ? desc_size : 64);
        status = uefi_call_wrapper(bs->AllocatePool, 3, EfiLoaderData, map_size, (void **)&map);
        if (status == EFI_SUCCESS)
            status = uefi_call_wrapper(bs->GetMemoryMap, 5, &map_size, map, &map_key, &desc_size, &desc_version);
    }
    line("status", status);
    if (status != EFI_SUCCESS) {
        serial_puts("END\n");
        quit(0x11);
        return status;
    }
    line("map_size", map_size);
    line("desc_size", desc_size);
    line("desc_version", desc_version);
    line("map_key", map_key);

    const UINT8 *bytes = (const UINT8 *)map;
    for (UINTN off = 0; off < map_size; off += 32) {
        serial_puts("hex ");
        for (UINTN i = off; i < off + 32 && i < map_size; i++)
            serial_hex(bytes[i], 2);
        serial_putc('\n');
    }
    serial_puts("END\n");
    quit(0x10);
    return EFI_SUCCESS;
}
