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

#include "guest.h"    /* types, port I/O, rd8..rd32, COM1 output, exit */

#define TAG_END     0
#define TAG_MODULE  3
#define MAX_BLOCK   0x10000
#define MAX_TAGS    1024

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
        put_region("info", -1, "", ebx, total);
        while (o + 8 <= total && n++ < MAX_TAGS) {
            u32 type = rd32(ebx + o);
            u32 size = rd32(ebx + o + 4);
            if (type == TAG_END || size < 8)
                break;
            if (type == TAG_MODULE && size >= 16) {
                u32 start = rd32(ebx + o + 8);
                u32 end = rd32(ebx + o + 12);
                if (end > start)
                    put_region("mod", mods, "-data", start, end - start > MAX_BLOCK ? MAX_BLOCK : end - start);
                mods++;
            }
            o = (o + size + 7) & ~7u;
        }
    }

    put_end_and_exit();
}
