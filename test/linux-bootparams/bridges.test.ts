/**
 * Bridges into the zero page, against real handoffs: the PVH start_info QEMU
 * wrote (test/fixtures/pvh) and the Multiboot 2 information GRUB wrote
 * (test/fixtures/multiboot).
 */
import { readBytes, readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, readPhysCString, type PhysicalMemory } from '../../src/core/index.js';
import {
  E820_TYPE_RAM,
  E820_TYPE_RESERVED,
  SETUP_E820_EXT,
  VIDEO_TYPE_EFI,
  VIDEO_TYPE_VGAC,
  VIDEO_TYPE_VLFB,
  bootParamsAddresses,
  bootParamsFromMb1,
  bootParamsFromMb2,
  bootParamsFromPvh,
  decodeBootParams,
  decodeE820Entry,
  walkSetupData,
  writeZeroPage,
  type BootE820Entry,
} from '../../src/linux-bootparams/index.js';
import { decodeMb1Handoff, mb2Tag, mb2Tags, readMb2Info } from '../../src/multiboot/index.js';
import { buildHandoff, decodeHandoff } from '../../src/pvh/index.js';
import { memoryRegions, parseMbDump } from '../multiboot/dump.js';
import { parsePvhDump } from '../tools/pvh-guest/dump.js';

const pvhFixture = (name: string): string => readText(`test/fixtures/pvh/${name}`);
const mbFixture = (name: string): string => readText(`test/fixtures/multiboot/${name}`);
const mbBytes = (name: string): Uint8Array => readBytes(`test/fixtures/multiboot/${name}`);

/**
 * The zero page Linux's PVH entry builds, written down from
 * `arch/x86/platform/pvh/head.S` and `arch/x86/platform/pvh/enlighten.c`
 * (mainline, read for this test). `pvh_start_xen` (head.S) copies
 * sizeof(struct hvm_start_info) bytes from %ebx into `pvh_start_info`, calls
 * `xen_prepare_pvh` and enters `startup_64` with %rsi pointing at
 * `pvh_bootparams`. In enlighten.c:
 * `xen_prepare_pvh` checks the magic and clears the whole of
 * `pvh_bootparams`; `init_pvh_bootparams` then
 * - (version > 0 with memory map entries) sets `e820_entries` to
 *   `memmap_entries` and copies each entry's addr, size and type, in order,
 *   into `e820_table`;
 * - while fewer than 127 entries are used, appends the ISA range
 *   ISA_START_ADDRESS (0xA0000) to ISA_END_ADDRESS (0x100000) as
 *   E820_TYPE_RESERVED (2);
 * - stores `cmdline_paddr` in `hdr.cmd_line_ptr`;
 * - with at least one module, takes the first as the ramdisk:
 *   `hdr.ramdisk_image` its paddr, `hdr.ramdisk_size` its size;
 * - stamps `hdr.version` (2 << 8) | 12 and `hdr.type_of_loader` 0x9 << 4 under
 *   Xen, 0xB << 4 otherwise (QEMU/KVM here);
 * - leaves `acpi_rsdp_addr` 0: the RSDP goes to ACPI through
 *   `x86_init.acpi.get_root_pointer`, which returns `rsdp_paddr`.
 * Offsets are bootparam.h's: e820_entries 0x1E8, e820_table 0x2D0 (20-byte
 * entries), hdr.version 0x206, type_of_loader 0x210, ramdisk_image 0x218,
 * ramdisk_size 0x21C, cmd_line_ptr 0x228. Read straight from the start_info
 * bytes, not through the pvh decoders.
 */
function linuxPvhZeroPage(memory: PhysicalMemory, ebx: number, xen: boolean): Uint8Array {
  const zp = new Uint8Array(4096);
  const dv = new DataView(zp.buffer);
  const si = memory.read(ebx, 56);
  const s = new DataView(si.buffer, si.byteOffset, 56);
  const version = s.getUint32(4, true);
  const nrModules = s.getUint32(12, true);
  const modlist = s.getBigUint64(16, true);
  const cmdline = s.getBigUint64(24, true);
  const memmap = s.getBigUint64(40, true);
  const entries = s.getUint32(48, true);
  let n = 0;
  if (version > 0 && entries > 0) {
    n = entries & 0xff;
    const table = memory.read(memmap, entries * 24);
    const t = new DataView(table.buffer, table.byteOffset, table.length);
    for (let i = 0; i < n; i++) {
      dv.setBigUint64(0x2d0 + i * 20, t.getBigUint64(i * 24, true), true);
      dv.setBigUint64(0x2d0 + i * 20 + 8, t.getBigUint64(i * 24 + 8, true), true);
      dv.setUint32(0x2d0 + i * 20 + 16, t.getUint32(i * 24 + 16, true), true);
    }
  }
  if (n < 127) {
    dv.setBigUint64(0x2d0 + n * 20, 0xa0000n, true);
    dv.setBigUint64(0x2d0 + n * 20 + 8, 0x100000n - 0xa0000n, true);
    dv.setUint32(0x2d0 + n * 20 + 16, 2, true);
    n++;
  }
  zp[0x1e8] = n;
  dv.setUint32(0x228, Number(cmdline & 0xffffffffn), true);
  if (nrModules > 0) {
    const m = memory.read(modlist, 32);
    const md = new DataView(m.buffer, m.byteOffset, 32);
    dv.setUint32(0x218, Number(md.getBigUint64(0, true) & 0xffffffffn), true);
    dv.setUint32(0x21c, Number(md.getBigUint64(8, true) & 0xffffffffn), true);
  }
  dv.setUint16(0x206, (2 << 8) | 12, true);
  zp[0x210] = ((xen ? 0x9 : 0xb) << 4) | 0;
  return zp;
}

describe('PVH → zero page, on the handoffs QEMU wrote', () => {
  for (const file of ['qemu-pc-128M.serial.txt', 'qemu-q35-512M.serial.txt']) {
    describe(file, () => {
      const dump = parsePvhDump(pvhFixture(file));
      const memory = createPhysicalMemory(dump.regions);
      const handoff = decodeHandoff(memory, dump.ebx);

      it('is, byte for byte, the zero page Linux builds (acpi_rsdp_addr left to get_root_pointer)', () => {
        for (const xen of [false, true]) {
          const built = bootParamsFromPvh(handoff, { xen, acpiRsdpAddr: false });
          expect(built.problems).toEqual([]);
          expect(built.zeroPage).toEqual(linuxPvhZeroPage(memory, dump.ebx, xen));
        }
      });

      it('field by field: e820 = memmap + the ISA hole, command line, initrd, version, loader, RSDP', () => {
        const built = bootParamsFromPvh(handoff);
        const bp = decodeBootParams(built.zeroPage);
        const want: BootE820Entry[] = [...handoff.memmap.map((e) => ({ addr: e.addr, size: e.size, type: e.type })), { addr: 0xa0000n, size: 0x60000n, type: E820_TYPE_RESERVED }];
        expect(bp.e820Entries).toBe(handoff.memmap.length + 1);
        expect(bp.e820Table).toEqual(want);
        expect(bp.hdr.cmdLinePtr).toBe(Number(handoff.startInfo.cmdlinePaddr));
        expect(readPhysCString(memory, bp.hdr.cmdLinePtr, 4096, { format: 'linux', structure: 'cmdline' }).text).toBe(handoff.cmdline);
        expect(bp.hdr.ramdiskImage).toBe(Number(handoff.modules[0]?.paddr));
        expect(bp.hdr.ramdiskSize).toBe(Number(handoff.modules[0]?.size));
        expect(bp.hdr.version).toBe(0x020c);
        expect(bp.hdr.typeOfLoader).toBe(0xb0);
        expect(bp.acpiRsdpAddr).toBe(handoff.rsdpPaddr);
        // The RSDP the zero page names is the one QEMU put there.
        expect(new TextDecoder().decode(memory.read(bp.acpiRsdpAddr, 8))).toBe('RSD PTR ');
        // Nothing else: the only other nonzero bytes are those of acpi_rsdp_addr.
        const linux = linuxPvhZeroPage(memory, dump.ebx, false);
        const diff = [...built.zeroPage.keys()].filter((i) => built.zeroPage[i] !== linux[i]);
        expect(diff.every((i) => i >= 0x70 && i < 0x78)).toBe(true);
      });

      it('writes into PhysicalMemory where asked', () => {
        const built = bootParamsFromPvh(handoff, { zeroPagePaddr: 0x7000n });
        const out = createPhysicalMemory([{ paddr: 0x7000n, bytes: new Uint8Array(4096) }]);
        writeZeroPage(out, built);
        expect(out.read(0x7000n, 4096)).toEqual(built.zeroPage);
      });
    });
  }
});

describe('PVH → zero page: more than 128 ranges go into SETUP_E820_EXT', () => {
  const memmap = Array.from({ length: 300 }, (_, i) => ({ addr: BigInt(i) * 0x200000n + 0x100000000n, size: 0x100000n, type: i % 3 === 0 ? 2 : 1 }));
  const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x20000) }]);
  const { startInfoPaddr } = buildHandoff(memory, { memmap, cmdline: 'x' }, { startInfo: 0x1000n });
  const handoff = decodeHandoff(memory, startInfoPaddr);

  it('128 in the table, the other 173 (the ISA hole last) in one node linked from hdr.setup_data', () => {
    const built = bootParamsFromPvh(handoff, { zeroPagePaddr: 0x10000n, e820ExtPaddr: 0x11000n });
    expect(built.problems).toEqual([]);
    const bp = decodeBootParams(built.zeroPage);
    expect(bp.e820Entries).toBe(128);
    expect(bp.hdr.setupData).toBe(0x11000n);
    writeZeroPage(memory, built);
    const nodes = walkSetupData(memory, bp.hdr.setupData);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]?.type).toBe(SETUP_E820_EXT);
    const data = nodes[0]?.data ?? new Uint8Array();
    expect(data.length).toBe(173 * 20);
    const ext = Array.from({ length: 173 }, (_, i) => decodeE820Entry(data, i * 20));
    const all = [...bp.e820Table, ...ext];
    expect(all.slice(0, 300)).toEqual(memmap);
    expect(all[300]).toEqual({ addr: 0xa0000n, size: 0x60000n, type: E820_TYPE_RESERVED });
  });

  it('without an address for the node, says so instead of overflowing', () => {
    const built = bootParamsFromPvh(handoff);
    expect(built.problems.map((p) => p.code)).toEqual(['MISSING_ADDRESS']);
    expect(decodeBootParams(built.zeroPage).e820Entries).toBe(128);
  });
});

describe('PVH → zero page: version 0 has no memory map', () => {
  const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x4000) }]);
  const { startInfoPaddr } = buildHandoff(memory, { version: 0, cmdline: 'a' }, { startInfo: 0x1000n });
  it('an error outside Xen, a warning under it; the zero page holds only the hole', () => {
    const h = decodeHandoff(memory, startInfoPaddr);
    expect(bootParamsFromPvh(h).problems.map((p) => [p.severity, p.code])).toEqual([['error', 'NO_MEMMAP']]);
    expect(bootParamsFromPvh(h, { xen: true }).problems.map((p) => [p.severity, p.code])).toEqual([['warning', 'NO_MEMMAP']]);
    expect(decodeBootParams(bootParamsFromPvh(h).zeroPage).e820Table).toEqual([{ addr: 0xa0000n, size: 0x60000n, type: 2 }]);
  });
});

/** Byte ranges covered by entries of `type`, merged. */
function covered(entries: readonly { addr: bigint; size: bigint; type: number }[], type: number): [bigint, bigint][] {
  const r = entries
    .filter((e) => e.type === type && e.size > 0n)
    .map((e): [bigint, bigint] => [e.addr, e.addr + e.size])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const x of r) {
    const last = out[out.length - 1];
    if (last !== undefined && x[0] <= last[1]) last[1] = x[1] > last[1] ? x[1] : last[1];
    else out.push([x[0], x[1]]);
  }
  return out;
}

/** Whether every byte of `inner` lies in `outer` (both merged, sorted). */
function inside(inner: [bigint, bigint][], outer: [bigint, bigint][]): boolean {
  return inner.every(([s, e]) => outer.some(([os, oe]) => os <= s && e <= oe));
}

describe('Multiboot 2 → zero page, on the information GRUB wrote', () => {
  const cases = [
    { file: 'grub-mb2-128M.serial.txt', efi: false, video: false },
    { file: 'grub-mb2-video-128M.serial.txt', efi: false, video: true },
    { file: 'grub-efi-mb2-256M.serial.txt', efi: true, video: true },
  ];
  for (const c of cases) {
    describe(c.file, () => {
      const dump = parseMbDump(mbFixture(c.file), 'BOOTPROTO-MB2-DUMP v1');
      const memory = createPhysicalMemory(memoryRegions(dump));
      const info = readMb2Info(memory, dump.ebx);
      const built = bootParamsFromMb2(info, BigInt(dump.ebx));
      const bp = decodeBootParams(built.zeroPage);
      const addr = bootParamsAddresses(bp);

      it('converts without an error', () => {
        expect(built.problems.filter((p) => p.severity === 'error')).toEqual([]);
      });

      it('every RAM byte of the mmap tag is RAM in the e820, every reserved, ACPI, NVS and bad byte keeps its kind', () => {
        const mmap = mb2Tag(info, 'mmap');
        expect(mmap).toBeDefined();
        const entries = (mmap?.entries ?? []).map((e) => ({ addr: e.addr, size: e.len, type: e.type }));
        expect(covered(bp.e820Table, E820_TYPE_RAM)).toEqual(covered(entries, 1));
        // Types other than 1, 3, 4, 5 are "reserved" in both specifications, and reserved in the e820.
        const asReserved = entries.map((e) => ({ ...e, type: [1, 3, 4, 5].includes(e.type) ? e.type : 2 }));
        for (const t of [2, 3, 4, 5]) expect(covered(bp.e820Table, t)).toEqual(covered(asReserved, t));
      });

      it('the command line and the initrd are where the pointers say', () => {
        expect(readPhysCString(memory, addr.cmdLinePtr, 4096, { format: 'linux', structure: 'cmdline' }).text).toBe(mb2Tag(info, 'cmdline')?.string);
        const mod = mb2Tags(info, 'module')[0];
        expect(addr.ramdiskImage).toBe(BigInt(mod?.modStart ?? -1));
        expect(memory.read(addr.ramdiskImage, Number(addr.ramdiskSize))).toEqual(mbBytes('mod1.bin'));
      });

      it('the ACPI RSDP copy and, on EFI, efi_info point into the information', () => {
        const acpi = mb2Tag(info, 'acpi-new') ?? mb2Tag(info, 'acpi-old');
        if (acpi !== undefined) {
          expect(new TextDecoder().decode(memory.read(bp.acpiRsdpAddr, 8))).toBe('RSD PTR ');
          expect(memory.read(bp.acpiRsdpAddr, acpi.rsdp.length)).toEqual(acpi.rsdp);
        } else expect(bp.acpiRsdpAddr).toBe(0n);
        const efiMmap = mb2Tag(info, 'efi-mmap');
        if (c.efi) {
          expect(efiMmap).toBeDefined();
          expect(bp.efiInfo.efiLoaderSignature).toBe(0x34364c45); // "EL64"
          expect(addr.efiSystab).toBe(mb2Tag(info, 'efi64')?.pointer);
          expect(memory.read(addr.efiMemmap, bp.efiInfo.efiMemmapSize)).toEqual(efiMmap?.efiMmap);
          expect(bp.efiInfo.efiMemdescSize).toBe(efiMmap?.descrSize);
          // The e820 made from the EFI map instead (the EFI stub's rules) has every RAM byte the mmap tag has.
          const viaEfi = decodeBootParams(bootParamsFromMb2(info, BigInt(dump.ebx), { memoryMap: 'efi-mmap' }).zeroPage);
          const mmapRam = covered((mb2Tag(info, 'mmap')?.entries ?? []).map((e) => ({ addr: e.addr, size: e.len, type: e.type })), 1);
          expect(inside(mmapRam, covered(viaEfi.e820Table, E820_TYPE_RAM))).toBe(true);
        } else {
          expect(bp.efiInfo.efiLoaderSignature).toBe(0);
        }
      });

      it('screen_info from the framebuffer tag (RGB, or GRUB\'s EGA text console)', () => {
        const fb = mb2Tag(info, 'framebuffer');
        expect(fb).toBeDefined();
        if (fb?.framebufferType === 2) {
          // GRUB's text console: an EGA text framebuffer of 80 columns.
          expect([bp.screenInfo.origVideoIsVga, bp.screenInfo.origVideoCols, bp.screenInfo.origVideoLines]).toEqual([VIDEO_TYPE_VGAC, fb.framebufferWidth, fb.framebufferHeight]);
          return;
        }
        if (fb === undefined || fb.framebufferType !== 1) throw new Error('expected an RGB or EGA text framebuffer');
        expect(bp.screenInfo.origVideoIsVga).toBe(c.efi ? VIDEO_TYPE_EFI : VIDEO_TYPE_VLFB);
        expect(BigInt(bp.screenInfo.lfbBase) | (BigInt(bp.screenInfo.extLfbBase) << 32n)).toBe(fb.framebufferAddr);
        expect([bp.screenInfo.lfbWidth, bp.screenInfo.lfbHeight, bp.screenInfo.lfbDepth, bp.screenInfo.lfbLinelength]).toEqual([fb.framebufferWidth, fb.framebufferHeight, fb.framebufferBpp, fb.framebufferPitch]);
        expect(bp.screenInfo.lfbSize).toBe(fb.framebufferPitch * fb.framebufferHeight);
        expect([bp.screenInfo.redPos, bp.screenInfo.redSize]).toEqual([fb.rgb?.framebufferRedFieldPosition, fb.rgb?.framebufferRedMaskSize]);
      });
    });
  }
});

describe('Multiboot 1 → zero page, on the information GRUB wrote', () => {
  for (const file of ['grub-mb1-128M.serial.txt', 'grub-mb1-video-128M.serial.txt']) {
    it(file, () => {
      const dump = parseMbDump(mbFixture(file));
      const memory = createPhysicalMemory(memoryRegions(dump));
      const h = decodeMb1Handoff(memory, dump.ebx);
      const built = bootParamsFromMb1(h);
      expect(built.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const bp = decodeBootParams(built.zeroPage);
      const entries = (h.mmap ?? []).map((e) => ({ addr: e.addr, size: e.len, type: e.type }));
      expect(covered(bp.e820Table, E820_TYPE_RAM)).toEqual(covered(entries, 1));
      expect(readPhysCString(memory, bp.hdr.cmdLinePtr, 4096, { format: 'linux', structure: 'cmdline' }).text).toBe(h.cmdline);
      const mod = h.modules?.[0];
      expect(bp.hdr.ramdiskImage).toBe(mod?.modStart);
      expect(memory.read(bp.hdr.ramdiskImage, bp.hdr.ramdiskSize)).toEqual(mbBytes('mod1.bin'));
    });
  }
});
