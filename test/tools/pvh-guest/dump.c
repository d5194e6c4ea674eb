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

#include "guest.h"    /* types, port I/O, rd8..rd64, COM1 output, exit */

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

/* Below 4 GiB, i.e. reachable without paging. */
static int reachable(u64 paddr)
{
    return (paddr >> 32) == 0;
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

    put_end_and_exit();
}
