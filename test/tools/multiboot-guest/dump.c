/*
 * bootproto Multiboot 1 test kernel: dump struct multiboot_info and every
 * structure it points to over COM1, then exit QEMU through isa-debug-exit.
 *
 * Freestanding 32-bit code, no libc and no libgcc. Paging is off, so a
 * pointer is a physical address. Only what a flag marks valid is followed
 * (Multiboot Specification 0.6.96, section 3.3).
 *
 * Serial output (lowercase hex without "0x", numbers not zero-padded):
 *
 *   BOOTPROTO-MB1-DUMP v1
 *   eax <eax>
 *   ebx <ebx>
 *   region <label> <paddr> <length>
 *   <bytes as hex, 32 bytes (64 digits) a line; the last line may be shorter>
 *   ...
 *   end
 *
 * Regions, each only when its flag is set and its address is not 0:
 *   info              88 bytes, 120 when flags bit 12 is set (the
 *                     specification's 116, and the 4 more GRUB 2.06 writes)
 *   cmdline           strlen + 1 (bit 2; at most 4096)
 *   mods              mods_count * 16 (bit 3; at most 16 modules)
 *   mod<i>-string     strlen + 1
 *   mod<i>-data       mod_end - mod_start (at most 64 KiB)
 *   syms              the ELF section header table, num * size (bit 5; at most 64 KiB)
 *   mmap              mmap_length (bit 6; at most 64 KiB)
 *   drives            drives_length (bit 7; at most 64 KiB)
 *   config_table      its u16 length + 2 (bit 8)
 *   boot_loader_name  strlen + 1 (bit 9)
 *   apm               20 bytes (bit 10)
 *   vbe_control_info  512 bytes (bit 11)
 *   vbe_mode_info     256 bytes (bit 11)
 *   palette           num_colors * 3 (bit 12, indexed framebuffer)
 * After "end" the kernel writes 0x10 to port 0xf4; QEMU exits with 33.
 */

#include "guest.h"    /* types, port I/O, rd8..rd32, COM1 output, exit */

/* ---- struct multiboot_info offsets ---- */
#define MI_FLAGS             0
#define MI_CMDLINE          16
#define MI_MODS_COUNT       20
#define MI_MODS_ADDR        24
#define MI_SYMS_NUM         28   /* ELF: num, size, addr, shndx */
#define MI_SYMS_SIZE        32
#define MI_SYMS_ADDR        36
#define MI_MMAP_LENGTH      44
#define MI_MMAP_ADDR        48
#define MI_DRIVES_LENGTH    52
#define MI_DRIVES_ADDR      56
#define MI_CONFIG_TABLE     60
#define MI_BOOT_LOADER_NAME 64
#define MI_APM_TABLE        68
#define MI_VBE_CONTROL_INFO 72
#define MI_VBE_MODE_INFO    76
#define MI_FB_TYPE         109
#define MI_FB_PALETTE_ADDR 110
#define MI_FB_PALETTE_NUM  114

#define F_CMDLINE      (1u << 2)
#define F_MODS         (1u << 3)
#define F_ELF_SHDR     (1u << 5)
#define F_MEM_MAP      (1u << 6)
#define F_DRIVE_INFO   (1u << 7)
#define F_CONFIG_TABLE (1u << 8)
#define F_LOADER_NAME  (1u << 9)
#define F_APM_TABLE    (1u << 10)
#define F_VBE_INFO     (1u << 11)
#define F_FRAMEBUFFER  (1u << 12)

#define MAX_MODULES      16
#define MAX_STRING     4096
#define MAX_BLOCK   0x10000

static u32 cap(u32 n, u32 limit)
{
    return n > limit ? limit : n;
}

/* A region, unless its address is 0. */
static void region(const char *label, int index, const char *suffix, u32 paddr, u32 len)
{
    if (paddr != 0)
        put_region(label, index, suffix, paddr, len);
}

static void string_region(const char *label, int index, const char *suffix, u32 addr)
{
    if (addr != 0)
        region(label, index, suffix, addr, cstr_size(addr, MAX_STRING));
}

void mb_main(u32 eax, u32 ebx)
{
    serial_init();
    put_str("BOOTPROTO-MB1-DUMP v1\neax ");
    put_hex(eax);
    put_str("\nebx ");
    put_hex(ebx);
    put_char('\n');

    if (ebx != 0) {
        u32 flags = rd32(ebx + MI_FLAGS);

        region("info", -1, "", ebx, (flags & F_FRAMEBUFFER) ? 120 : 88);
        if (flags & F_CMDLINE)
            string_region("cmdline", -1, "", rd32(ebx + MI_CMDLINE));
        if (flags & F_MODS) {
            u32 n = cap(rd32(ebx + MI_MODS_COUNT), MAX_MODULES);
            u32 list = rd32(ebx + MI_MODS_ADDR);
            u32 i;
            if (list != 0 && n > 0) {
                region("mods", -1, "", list, n * 16);
                for (i = 0; i < n; i++) {
                    u32 start = rd32(list + i * 16);
                    u32 end = rd32(list + i * 16 + 4);
                    string_region("mod", (int)i, "-string", rd32(list + i * 16 + 8));
                    if (end > start)
                        region("mod", (int)i, "-data", start, cap(end - start, MAX_BLOCK));
                }
            }
        }
        if (flags & F_ELF_SHDR)
            region("syms", -1, "", rd32(ebx + MI_SYMS_ADDR),
                   cap(rd32(ebx + MI_SYMS_NUM) * rd32(ebx + MI_SYMS_SIZE), MAX_BLOCK));
        if (flags & F_MEM_MAP)
            region("mmap", -1, "", rd32(ebx + MI_MMAP_ADDR), cap(rd32(ebx + MI_MMAP_LENGTH), MAX_BLOCK));
        if ((flags & F_DRIVE_INFO) && rd32(ebx + MI_DRIVES_LENGTH) > 0)
            region("drives", -1, "", rd32(ebx + MI_DRIVES_ADDR), cap(rd32(ebx + MI_DRIVES_LENGTH), MAX_BLOCK));
        if (flags & F_CONFIG_TABLE) {
            u32 t = rd32(ebx + MI_CONFIG_TABLE);
            if (t != 0)
                region("config_table", -1, "", t, rd16(t) + 2);
        }
        if (flags & F_LOADER_NAME)
            string_region("boot_loader_name", -1, "", rd32(ebx + MI_BOOT_LOADER_NAME));
        if (flags & F_APM_TABLE)
            region("apm", -1, "", rd32(ebx + MI_APM_TABLE), 20);
        if (flags & F_VBE_INFO) {
            region("vbe_control_info", -1, "", rd32(ebx + MI_VBE_CONTROL_INFO), 512);
            region("vbe_mode_info", -1, "", rd32(ebx + MI_VBE_MODE_INFO), 256);
        }
        if ((flags & F_FRAMEBUFFER) && rd8(ebx + MI_FB_TYPE) == 0)
            region("palette", -1, "", rd32(ebx + MI_FB_PALETTE_ADDR), rd16(ebx + MI_FB_PALETTE_NUM) * 3);
    }

    put_end_and_exit();
}
