/*
 * bootproto Multiboot 2 test kernel: dump the boot information and each
 * module's contents over COM1, then exit QEMU through isa-debug-exit.
 *
 * Same output format as dump.c, with header "BOOTPROTO-MB2-DUMP v1":
 *   region info        total_size bytes at %ebx (at most 64 KiB)
 *   region mod<i>-data mod_end - mod_start (at most 64 KiB) for the i-th module tag
 * Tags are walked as the specification says (section 3.6.1): from %ebx + 8,
 * each at the next 8-byte boundary, until the end tag or total_size.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define TAG_END     0
#define TAG_MODULE  3
#define MAX_BLOCK   0x10000
#define MAX_TAGS    1024

#define COM1       0x3f8
#define UART_LSR   5
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define DEBUG_EXIT 0xf4
#define EXIT_VALUE 0x10

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

static u8 rd8(u32 addr)
{
    return *(volatile const u8 *)addr;
}

static u32 rd32(u32 addr)
{
    return (u32)rd8(addr) | (u32)rd8(addr + 1) << 8 |
           (u32)rd8(addr + 2) << 16 | (u32)rd8(addr + 3) << 24;
}

static void serial_init(void)
{
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80);
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0x07);
    outb(COM1 + 4, 0x03);
}

static void put_char(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1, (u8)c);
}

static void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void put_hex(u32 v)
{
    int shift = 28;
    while (shift > 0 && ((v >> shift) & 15) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        put_char("0123456789abcdef"[(v >> shift) & 15]);
}

static void put_dec(u32 v)
{
    if (v >= 10)
        put_dec(v / 10);
    put_char((char)('0' + v % 10));
}

static void region(const char *label, int index, const char *suffix, u32 paddr, u32 len)
{
    u32 i;

    put_str("region ");
    put_str(label);
    if (index >= 0) {
        put_dec((u32)index);
        put_str(suffix);
    }
    put_char(' ');
    put_hex(paddr);
    put_char(' ');
    put_hex(len);
    put_char('\n');
    for (i = 0; i < len; i++) {
        u8 b = rd8(paddr + i);
        put_char("0123456789abcdef"[b >> 4]);
        put_char("0123456789abcdef"[b & 15]);
        if (i % 32 == 31 || i == len - 1)
            put_char('\n');
    }
}

void mb2_main(u32 eax, u32 ebx)
{
    serial_init();
    put_str("BOOTPROTO-MB2-DUMP v1\neax ");
    put_hex(eax);
    put_str("\nebx ");
    put_hex(ebx);
    put_char('\n');

    if (ebx != 0) {
        u32 total = rd32(ebx);
        u32 o = 8, n = 0;
        int mods = 0;

        if (total > MAX_BLOCK)
            total = MAX_BLOCK;
        region("info", -1, "", ebx, total);
        while (o + 8 <= total && n++ < MAX_TAGS) {
            u32 type = rd32(ebx + o);
            u32 size = rd32(ebx + o + 4);
            if (type == TAG_END || size < 8)
                break;
            if (type == TAG_MODULE && size >= 16) {
                u32 start = rd32(ebx + o + 8);
                u32 end = rd32(ebx + o + 12);
                if (end > start)
                    region("mod", mods, "-data", start, end - start > MAX_BLOCK ? MAX_BLOCK : end - start);
                mods++;
            }
            o = (o + size + 7) & ~7u;
        }
    }

    put_str("end\n");
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        ;
    outl(DEBUG_EXIT, EXIT_VALUE);
}
