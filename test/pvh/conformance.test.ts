/**
 * checkPvhHandoff on the handoffs QEMU wrote (clean) and on mutated copies
 * (each reports the rule it breaks).
 */
import { readBytes, readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, type PhysicalMemory } from '../../src/core/index.js';
import { buildHandoff, checkPvhHandoff } from '../../src/pvh/index.js';
import { parsePvhDump, type DumpRegion } from '../tools/pvh-guest/dump.js';

const text = (name: string): string => readText(`test/fixtures/pvh/${name}`);
const bytes = (name: string): Uint8Array => readBytes(`test/fixtures/pvh/${name}`);

/** The dump's memory with `edit` applied to a copy of region `label`. */
function mutated(regions: readonly DumpRegion[], label: string, edit: (b: Uint8Array, dv: DataView) => void): PhysicalMemory {
  return createPhysicalMemory(
    regions.map((r) => {
      if (r.label !== label) return r;
      const b = r.bytes.slice();
      edit(b, new DataView(b.buffer));
      return { ...r, bytes: b };
    }),
  );
}

for (const file of ['qemu-pc-128M.serial.txt', 'qemu-q35-512M.serial.txt']) {
  describe(file, () => {
    const dump = parsePvhDump(text(file));
    const memory = createPhysicalMemory(dump.regions);

    it('passes clean, with the kernel image and with the Linux rules', () => {
      expect(checkPvhHandoff(memory, dump.ebx)).toEqual([]);
      expect(checkPvhHandoff(memory, dump.ebx, { image: bytes('guest32.elf'), linux: true })).toEqual([]);
    });

    const cases: { name: string; label: string; edit: (b: Uint8Array, dv: DataView) => void; code: string; rule: RegExp; linux?: boolean }[] = [
      { name: 'a wrong magic', label: 'start_info', edit: (_b, dv) => dv.setUint32(0, 0x12345678, true), code: 'BAD_MAGIC', rule: /start_info\.h, struct hvm_start_info: magic/ },
      { name: 'a reserved field set', label: 'start_info', edit: (_b, dv) => dv.setUint32(52, 1, true), code: 'RESERVED_NONZERO', rule: /start_info\.h.*reserved/ },
      { name: 'an unterminated command line', label: 'cmdline', edit: (b) => b.fill(0x41), code: 'UNTERMINATED', rule: /zero-terminated ASCII string/ },
      { name: 'a command line pointer into nothing', label: 'start_info', edit: (_b, dv) => dv.setBigUint64(24, 0x7fff0000n, true), code: 'UNMAPPED', rule: /physical address of what it names/ },
      { name: 'overlapping memory map entries', label: 'memmap', edit: (_b, dv) => dv.setBigUint64(24, dv.getBigUint64(0, true) + 0x1000n, true), code: 'MEMMAP_OVERLAP', rule: /hvm_memmap_table_entry.*overlap/ },
      { name: 'an unknown memory type', label: 'memmap', edit: (_b, dv) => dv.setUint32(16, 99, true), code: 'UNKNOWN_TYPE', rule: /XEN_HVM_MEMMAP_TYPE_/ },
      { name: 'a broken RSDP signature', label: 'rsdp', edit: (b) => b.set([0x58], 0), code: 'BAD_RSDP', rule: /RSDP/ },
      { name: 'no memory map for a Linux guest outside Xen', label: 'start_info', edit: (_b, dv) => dv.setUint32(48, 0, true), code: 'LINUX_NO_MEMMAP', rule: /enlighten\.c, init_pvh_bootparams/, linux: true },
    ];
    for (const c of cases) {
      it(`reports ${c.code} for ${c.name}`, () => {
        const problems = checkPvhHandoff(mutated(dump.regions, c.label, c.edit), dump.ebx, { linux: c.linux ?? false });
        const hit = problems.find((p) => p.code === c.code);
        expect(hit, JSON.stringify(problems.map((p) => p.code))).toBeDefined();
        expect(hit?.rule).toMatch(c.rule);
        for (const p of problems) expect(p.rule).toBeTruthy();
      });
    }

    it('reports NO_PVH_NOTE for a kernel image without the PHYS32_ENTRY note', () => {
      const elf = bytes('guest32.elf');
      // A 32-bit ELF header only: no program headers, no sections, so no note.
      const bare = elf.slice(0, 52);
      new DataView(bare.buffer).setUint32(28, 0, true); // e_phoff
      new DataView(bare.buffer).setUint32(32, 0, true); // e_shoff
      new DataView(bare.buffer).setUint16(44, 0, true); // e_phnum
      new DataView(bare.buffer).setUint16(48, 0, true); // e_shnum
      const problems = checkPvhHandoff(memory, dump.ebx, { image: bare });
      expect(problems.map((p) => p.code)).toContain('NO_PVH_NOTE');
      expect(problems.find((p) => p.code === 'NO_PVH_NOTE')?.rule).toMatch(/elfnote\.h, XEN_ELFNOTE_PHYS32_ENTRY/);
    });
  });
}

describe('the Linux rules on built handoffs', () => {
  const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x40000) }]);
  const map = (n: number): { addr: bigint; size: bigint; type: number }[] => Array.from({ length: n }, (_, i) => ({ addr: BigInt(i) * 0x2000n, size: 0x1000n, type: 1 }));
  it.each([
    [100, []],
    [127, ['LINUX_NO_ISA_HOLE']],
    [200, ['LINUX_E820_OVERFLOW']],
    [300, ['LINUX_E820_COUNT_TRUNCATED']],
  ] as const)('%i entries: %j', (n, codes) => {
    const { startInfoPaddr } = buildHandoff(memory, { memmap: map(n) }, { startInfo: 0x1000n });
    const problems = checkPvhHandoff(memory, startInfoPaddr, { linux: true });
    expect(problems.map((p) => p.code)).toEqual(codes);
    for (const p of problems) expect(p.rule).toMatch(/init_pvh_bootparams/);
  });
  it('a command line above 4 GiB', () => {
    const big = createPhysicalMemory([
      { paddr: 0n, bytes: new Uint8Array(0x4000) },
      { paddr: 0x100000000n, bytes: new Uint8Array(0x1000) },
    ]);
    const { startInfoPaddr } = buildHandoff(big, { memmap: map(4), cmdline: 'hi' }, { startInfo: 0x1000n, cmdline: 0x100000000n });
    const problems = checkPvhHandoff(big, startInfoPaddr, { linux: true });
    expect(problems.map((p) => p.code)).toEqual(['LINUX_CMDLINE_ABOVE_4G']);
  });
});

describe('Linux copies 56 bytes from %ebx (head.S, pvh_start_xen)', () => {
  it('a version 0 start_info at the very end of memory: LINUX_START_INFO_SHORT', () => {
    const memory = createPhysicalMemory([{ paddr: 0n, bytes: new Uint8Array(0x1028) }]);
    const { startInfoPaddr } = buildHandoff(memory, { version: 0 }, { startInfo: 0x1000n });
    expect(checkPvhHandoff(memory, startInfoPaddr)).toEqual([]);
    const codes = checkPvhHandoff(memory, startInfoPaddr, { linux: true, xen: true }).map((p) => p.code);
    expect(codes).toEqual(['LINUX_START_INFO_SHORT']);
  });
});
