/*
 * bootproto PVH test guest: dump struct hvm_start_info and everything it
 * points to over COM1, then exit QEMU through isa-debug-exit.
 *
 * Freestanding 32-bit code: no libc, no libgcc (so no 64-bit division;
 * hex is printed with shifts). Paging is off, so a pointer is a physical
 * address; anything at or above 4 GiB cannot be reached and is skipped.
 *
 * Serial output format (lowercase hex, no "0x", numbers without padding):
 *
 *   BOOTPROTO-PVH-DUMP v1
 *   ebx <ebx>
 *   region <label> <paddr> <length>
 *   <bytes as hex, 32 bytes (64 digits) per line, last line may be shorter>
 *   ...
 *   end
 *
 * Regions, in this order, each only when its address is non-zero:
 *   start_info      56 bytes if version >= 1, else 40
 *   modlist         nr_modules * 32 (nr_modules capped at 16)
 *   mod<i>-cmdline  strlen + 1 (capped at 4096)
 *   mod<i>-data     module size (capped at 64 KiB)
 *   cmdline         strlen + 1 (capped at 4096)
 *   memmap          memmap_entries * 24 (capped at 128 entries; version >= 1)
 *   rsdp            36 bytes
 * After "end" the guest writes 0x10 to port 0xf4; QEMU exits with 0x21 (33).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* ---- struct hvm_start_info (public/arch-x86/hvm/start_info.h) ---- */
#define SI_MAGIC           0   /* u32, 0x336ec578 */
#define SI_VERSION         4   /* u32 */
#define SI_FLAGS           8   /* u32 */
#define SI_NR_MODULES     12   /* u32 */
#define SI_MODLIST_PADDR  16   /* u64, array of struct hvm_modlist_entry */
#define SI_CMDLINE_PADDR  24   /* u64, NUL-terminated string */
#define SI_RSDP_PADDR     32   /* u64, ACPI RSDP */
#define SI_MEMMAP_PADDR   40   /* u64, version >= 1 */
#define SI_MEMMAP_ENTRIES 48   /* u32, version >= 1 */
#define SI_SIZE_V0        40
#define SI_SIZE_V1        56

/* ---- struct hvm_modlist_entry, 32 bytes ---- */
#define MOD_PADDR          0   /* u64 */
#define MOD_SIZE           8   /* u64 */
#define MOD_CMDLINE_PADDR 16   /* u64 */
#define MOD_ENTRY_SIZE    32

/* ---- struct hvm_memmap_table_entry, 24 bytes ---- */
#define MEMMAP_ENTRY_SIZE 24

/* ---- limits of what we dump ---- */
#define MAX_MODULES       16
#define MAX_STRING      4096
#define MAX_MODULE_DATA 0x10000
#define MAX_MEMMAP       128
#define RSDP_SIZE         36   /* ACPI 2.0+ RSDP */

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

/* ---- physical memory access (paging off: identity) ---- */

static u8 rd8(u32 addr)
{
    return *(volatile const u8 *)addr;
}

static u32 rd32(u32 addr)  /* little-endian, any alignment */
{
    return (u32)rd8(addr) | (u32)rd8(addr + 1) << 8 |
           (u32)rd8(addr + 2) << 16 | (u32)rd8(addr + 3) << 24;
}

static u64 rd64(u32 addr)
{
    return (u64)rd32(addr) | (u64)rd32(addr + 4) << 32;
}

/* Below 4 GiB, i.e. reachable without paging. */
static int reachable(u64 paddr)
{
    return (paddr >> 32) == 0;
}

/* Length of a NUL-terminated string plus its NUL, at most `cap`. */
static u32 cstr_size(u32 addr, u32 cap)
{
    u32 n = 0;
    while (n < cap && rd8(addr + n) != 0)
        n++;
    return n < cap ? n + 1 : cap;
}

/* ---- serial output ---- */

static void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);  /* no interrupts */
    outb(COM1 + UART_LCR, 0x80);  /* DLAB=1 to set the divisor */
    outb(COM1 + UART_DLL, 0x01);  /* divisor 1 = 115200 baud */
    outb(COM1 + UART_DLM, 0x00);
    outb(COM1 + UART_LCR, 0x03);  /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0x07);  /* enable and clear FIFOs */
    outb(COM1 + UART_MCR, 0x03);  /* DTR, RTS */
}

static void put_char(char c)
{
    while (!(inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    outb(COM1 + UART_THR, (u8)c);
}

static void put_str(const char *s)
{
    while (*s)
        put_char(*s++);
}

static void put_hex_digit(u32 d)
{
    put_char("0123456789abcdef"[d & 15]);
}

/* Hex without leading zeros ("0" for zero). */
static void put_hex(u64 v)
{
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 15) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        put_hex_digit((u32)(v >> shift));
}

/* Small decimal numbers (module indices); 32-bit division is native. */
static void put_dec(u32 v)
{
    if (v >= 10)
        put_dec(v / 10);
    put_char((char)('0' + v % 10));
}

/*
 * One region block: header line "region <label><index><suffix> <paddr> <len>"
 * followed by the bytes. `index` < 0 means the label has no index part.
 */
static void put_region(const char *label, int index, const char *suffix,
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

/* ---- the dump ---- */

static void dump_modules(u32 modlist, u32 nr)
{
    u32 i;

    put_region("modlist", -1, "", modlist, nr * MOD_ENTRY_SIZE);

    for (i = 0; i < nr; i++) {
        u32 entry = modlist + i * MOD_ENTRY_SIZE;
        u64 paddr = rd64(entry + MOD_PADDR);
        u64 size = rd64(entry + MOD_SIZE);
        u64 cmdline = rd64(entry + MOD_CMDLINE_PADDR);

        if (cmdline != 0 && reachable(cmdline))
            put_region("mod", (int)i, "-cmdline", (u32)cmdline,
                       cstr_size((u32)cmdline, MAX_STRING));
        if (paddr != 0 && reachable(paddr))
            put_region("mod", (int)i, "-data", (u32)paddr,
                       size > MAX_MODULE_DATA ? MAX_MODULE_DATA : (u32)size);
    }
}

void pvh_main(u32 ebx)
{
    serial_init();
    put_str("BOOTPROTO-PVH-DUMP v1\n");
    put_str("ebx ");
    put_hex(ebx);
    put_char('\n');

    if (ebx != 0) {
        u32 version = rd32(ebx + SI_VERSION);
        u32 nr = rd32(ebx + SI_NR_MODULES);
        u64 modlist = rd64(ebx + SI_MODLIST_PADDR);
        u64 cmdline = rd64(ebx + SI_CMDLINE_PADDR);
        u64 rsdp = rd64(ebx + SI_RSDP_PADDR);

        put_region("start_info", -1, "", ebx,
                   version >= 1 ? SI_SIZE_V1 : SI_SIZE_V0);

        if (nr > MAX_MODULES)
            nr = MAX_MODULES;
        if (nr > 0 && modlist != 0 && reachable(modlist))
            dump_modules((u32)modlist, nr);

        if (cmdline != 0 && reachable(cmdline))
            put_region("cmdline", -1, "", (u32)cmdline,
                       cstr_size((u32)cmdline, MAX_STRING));

        if (version >= 1) {
            u64 memmap = rd64(ebx + SI_MEMMAP_PADDR);
            u32 entries = rd32(ebx + SI_MEMMAP_ENTRIES);
            if (entries > MAX_MEMMAP)
                entries = MAX_MEMMAP;
            if (memmap != 0 && entries > 0 && reachable(memmap))
                put_region("memmap", -1, "", (u32)memmap,
                           entries * MEMMAP_ENTRY_SIZE);
        }

        if (rsdp != 0 && reachable(rsdp))
            put_region("rsdp", -1, "", (u32)rsdp, RSDP_SIZE);
    }

    put_str("end\n");
    while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
        ;
    outl(DEBUG_EXIT, EXIT_VALUE);
}
