/*
 * Port I/O for the bootproto test guests and the EFI memory-map application
 * (x86, 32- or 64-bit, freestanding): fixed-size types, outb/outl/inb, the
 * 16550 UART registers of COM1 and QEMU's isa-debug-exit port.
 */
#ifndef BOOTPROTO_PORTS_H
#define BOOTPROTO_PORTS_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* ---- ports ---- */
#define COM1       0x3f8
#define UART_THR   0       /* transmit holding register (DLAB=0) */
#define UART_IER   1       /* interrupt enable (DLAB=0) */
#define UART_DLL   0       /* divisor latch low (DLAB=1) */
#define UART_DLM   1       /* divisor latch high (DLAB=1) */
#define UART_FCR   2       /* FIFO control */
#define UART_LCR   3       /* line control */
#define UART_MCR   4       /* modem control */
#define UART_LSR   5       /* line status */
#define LSR_THRE   0x20    /* transmit holding register empty */
#define LSR_TEMT   0x40    /* transmitter completely empty */
#define DEBUG_EXIT 0xf4    /* -device isa-debug-exit,iobase=0xf4 */
#define EXIT_VALUE 0x10    /* QEMU exits with (0x10 << 1) | 1 = 33 */

static inline void outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

#endif
