/*
 * bootproto Linux boot protocol test guest: the setup code of a tiny bzImage.
 * A boot loader (QEMU's -kernel) loads the real-mode part, fills in the setup
 * header, places the command line, the initrd and setup_data, and jumps here
 * in real mode. We dump what it left over COM1 and leave through
 * isa-debug-exit (port 0xf4): QEMU exits with status (0x10 << 1) | 1 = 33.
 *
 * The same file, built with -DDUMP32 -m32, is the protected-mode part's 32-bit
 * entry, which a loader using the 32-bit boot protocol (GRUB's `linux`) jumps
 * to with %esi pointing at the zero page it built.
 *
 * Built with gcc -m16 (32-bit code with 16-bit prefixes, run in real mode with
 * CS = DS = SS = the real-mode base). Memory above 1 MiB is read through FS in
 * "unreal mode": FS gets a 4 GiB limit in protected mode and keeps it back in
 * real mode, with base 0, so FS:addr32 reaches every address below 4 GiB.
 *
 * Output (lowercase hex, no "0x", numbers not padded):
 *   BOOTPROTO-LINUX-DUMP v1
 *   region <label> <paddr> <length>
 *   <bytes as hex, 32 bytes (64 digits) a line, the last line may be shorter>
 *   ...
 *   end
 * Regions: "real" (16-bit entry: the first 0x400 bytes of the real-mode part,
 * boot sector and header as the loader left them) or "zeropage" (32-bit entry:
 * the 4096 bytes at %esi), "cmdline" (strlen + 1, at most 4096),
 * "initrd" (at most 64 KiB), "setup_data<i>" (each node's 16-byte header and
 * data, at most 64 KiB, at most 8 nodes).
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define COM1 0x3f8

static inline void outb(u8 v, u16 port) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#ifdef DUMP32
/* Protected mode, flat segments, paging off: an address is a pointer. */
static u8 peek8(u32 addr) { return *(volatile const u8 *)addr; }
#else
static u8 peek8(u32 addr) {
	u8 v;
	__asm__ volatile("movb %%fs:(%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}
#endif
static u32 peek32(u32 addr) {
	return peek8(addr) | (u32)peek8(addr + 1) << 8 | (u32)peek8(addr + 2) << 16 | (u32)peek8(addr + 3) << 24;
}

static void putc_(char c) {
	while (!(inb(COM1 + 5) & 0x20)) {}
	outb((u8)c, COM1);
}
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(u32 v) {
	int shift = 28, started = 0;
	for (; shift >= 0; shift -= 4) {
		u32 d = (v >> shift) & 15;
		if (d || started || shift == 0) { putc_("0123456789abcdef"[d]); started = 1; }
	}
}
static void region(const char *label, u32 paddr, u32 len) {
	u32 i;
	puts_("region "); puts_(label); putc_(' '); hex(paddr); putc_(' '); hex(len); putc_('\n');
	for (i = 0; i < len; i++) {
		u8 b = peek8(paddr + i);
		putc_("0123456789abcdef"[b >> 4]); putc_("0123456789abcdef"[b & 15]);
		if ((i & 31) == 31 || i + 1 == len) putc_('\n');
	}
}

static void serial_init(void) {
	outb(0x00, COM1 + 1); outb(0x80, COM1 + 3); outb(0x01, COM1); outb(0x00, COM1 + 1); outb(0x03, COM1 + 3);
}

/* The command line, the initrd and the setup_data chain that the header at `hdr` (file offset 0x1f1's base) names. */
static void dump_pointers(u32 base, u32 ext) {
	u32 cmd, p, n, i;
	cmd = peek32(base + 0x228);
	if (ext && peek32(ext + 0xc8) == 0 && cmd) {
		for (n = 0; n < 4095 && peek8(cmd + n); n++) {}
		region("cmdline", cmd, n + 1);
	} else if (!ext && cmd) {
		for (n = 0; n < 4095 && peek8(cmd + n); n++) {}
		region("cmdline", cmd, n + 1);
	}
	p = peek32(base + 0x218);
	n = peek32(base + 0x21c);
	if (p && n && !(ext && (peek32(ext + 0xc0) || peek32(ext + 0xc4)))) region("initrd", p, n > 0x10000 ? 0x10000 : n);
	p = peek32(base + 0x250);
	for (i = 0; i < 8 && p && !peek32(base + 0x254); i++) {
		char label[] = "setup_data0";
		u32 len = peek32(p + 12);
		label[10] = (char)('0' + i);
		region(label, p, 16 + (len > 0x10000 ? 0x10000 : len));
		if (peek32(p + 4)) break; /* next above 4 GiB: out of reach */
		p = peek32(p);
	}
}

#ifdef DUMP32
/* 32-bit boot protocol entry (boot.rst, "32-bit Boot Protocol"): %esi holds the zero page. */
void dump32_main(u32 bp) {
	serial_init();
	puts_("\nBOOTPROTO-LINUX-DUMP v1\n");
	region("zeropage", bp, 0x1000);
	dump_pointers(bp, bp);
	puts_("end\n");
	outb(0x10, 0xf4);
}
#else
/* A GDT with one flat 4 GiB data segment (selector 8), for unreal mode. */
static const unsigned long long gdt[2] __attribute__((aligned(8))) = { 0, 0x00cf92000000ffffULL };
static struct { u16 limit; u32 base; } __attribute__((packed)) gdtr;

static void enter_unreal(u32 base) {
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = base + (u32)gdt;
	__asm__ volatile(
		"cli\n\t"
		"lgdtl %0\n\t"
		"movl %%cr0, %%eax\n\t"
		"orb $1, %%al\n\t"
		"movl %%eax, %%cr0\n\t"
		"jmp 1f\n"
		"1:\n\t"
		"movw $8, %%bx\n\t"
		"movw %%bx, %%fs\n\t"
		"andb $0xfe, %%al\n\t"
		"movl %%eax, %%cr0\n\t"
		"jmp 2f\n"
		"2:\n\t"
		"xorw %%bx, %%bx\n\t"
		"movw %%bx, %%fs\n\t"
		: : "m"(gdtr) : "eax", "ebx", "memory");
}

/* 16-bit entry: the real-mode part, header included, is at DS:0. */
void dump_main(void) {
	u16 ds;
	u32 base;
	__asm__ volatile("movw %%ds, %0" : "=r"(ds));
	base = (u32)ds << 4;
	enter_unreal(base);
	serial_init();
	puts_("\nBOOTPROTO-LINUX-DUMP v1\n");
	region("real", base, 0x400);
	dump_pointers(base, 0);
	puts_("end\n");
	outb(0x10, 0xf4);
}
#endif
