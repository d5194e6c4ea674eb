/*
 * What the bootproto dump guests have in common (pvh-guest/dump.c,
 * multiboot-guest/dump.c and dump2.c): on top of ports.h, reads of physical
 * memory, COM1 output and the isa-debug-exit that ends the boot.
 *
 * Freestanding 32-bit code: no libc and no libgcc, so nothing here divides
 * 64-bit numbers (hex is printed with shifts). Paging is off, so a pointer is
 * a physical address. Everything is static inline: a guest that does not use
 * a function gets no code and no unused-function warning.
 *
 * Output conventions every guest follows: lowercase hex without "0x" and
 * without leading zeros; a region is the line
 *   region <label>[<index><suffix>] <paddr> <length>
 * followed by its bytes as hex, 32 bytes (64 digits) a line, the last line
 * possibly shorter; the dump ends with the line "end".
 */
#ifndef BOOTPROTO_GUEST_H
#define BOOTPROTO_GUEST_H

#include "ports.h"    /* u8..u64, outb/outl/inb, COM1 and UART registers, DEBUG_EXIT */

/* ---- physical memory (paging off: identity), little-endian, any alignment ---- */

static inline u8 rd8(u32 addr)
{
    return *(volatile const u8 *)addr;
}

static inline u32 rd16(u32 addr)
{
    return (u32)rd8(addr) | (u32)rd8(addr + 1) << 8;
}

static inline u32 rd32(u32 addr)
{
    return rd16(addr) | rd16(addr + 2) << 16;
}

static inline u64 rd64(u32 addr)
{
    return (u64)rd32(addr) | (u64)rd32(addr + 4) << 32;
}

/* Length of a NUL-terminated string plus its NUL, at most `limit`. */
static inline u32 cstr_size(u32 addr, u32 limit)
{
    u32 n = 0;
    while (n < limit && rd8(addr + n) != 0)
        n++;
    return n < limit ? n + 1 : limit;
}

/* ---- serial output on COM1 ---- */

static inline void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);  /* no interrupts */
    outb(COM1 + UART_LCR, 0x80);  /* DLAB=1 to set the divisor */
    outb(COM1 + UART_DLL, 0x01);  /* divisor 1 = 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03);  /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0x07);  /* enable and clear FIFOs */
    outb(COM1 + UART_MCR, 0x03);  /* DTR, RTS */
}

static inline void put_char(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (u8)c);
}

static inline void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static inline void put_hex_digit(u32 d)
{
    put_char("0123456789abcdef"[d & 15]);
}

/* Hex without leading zeros ("0" for zero). */
static inline void put_hex(u64 v)
{
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 15) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        put_hex_digit((u32)(v >> shift));
}

/* Small decimal numbers (module indices); 32-bit division is native. */
static inline void put_dec(u32 v)
{
    if (v >= 10)
        put_dec(v / 10);
    put_char((char)('0' + v % 10));
}

/*
 * One region block: the line "region <label><index><suffix> <paddr> <len>"
 * and the bytes. `index` < 0 means the label has no index part (callers
 * then pass "" as `suffix`).
 */
static inline void put_region(const char *label, int index, const char *suffix,
                              u32 paddr, u32 len)
{
    u32 i;

    put_str("region ");
    put_str(label);
    if (index >= 0)
        put_dec((u32)index);
    put_str(suffix);
    put_char(' ');
    put_hex(paddr);
    put_char(' ');
    put_hex(len);
    put_char('\n');

    for (i = 0; i < len; i++) {
        u8 b = rd8(paddr + i);
        put_hex_digit(b >> 4);
        put_hex_digit(b);
        if (i % 32 == 31 || i == len - 1)
            put_char('\n');
    }
}

/* Write "end", wait until COM1 has sent it, and make QEMU exit with 33. */
static inline void put_end_and_exit(void)
{
    put_str("end\n");
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        ;
    outl(DEBUG_EXIT, EXIT_VALUE);
}

#endif
