/**
 * The QEMU fixtures (see test/fixtures/pvh/README.md): two serial dumps of the
 * PVH test guest, booted by QEMU 7.2 as `pc` with 128 MiB and `q35` with
 * 512 MiB, and three ELF images carrying the PHYS32_ENTRY note.
 */
import { readBytes, readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, elfNotes, readElfHeader, type PhysicalMemory } from '../../src/core/index.js';
import { detectFormat } from '../../src/detect.js';
import {
  HVM_MEMMAP_TABLE_ENTRY,
  HVM_MODLIST_ENTRY,
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_MEMMAP_TYPE_RESERVED,
  XEN_HVM_START_MAGIC_VALUE,
  decodeHandoff,
  decodeMemmapEntry,
  decodeStartInfo,
  encodeMemmap,
  encodeModlist,
  encodePvhNote,
  encodeStartInfo,
  findPvhEntry,
  validateHandoff,
  validateStartInfo,
  viewMemmap,
  viewModlist,
  viewStartInfo,
} from '../../src/pvh/index.js';
import { parsePvhDump, type DumpRegion, type PvhDump } from '../tools/pvh-guest/dump.js';

const fixtureUrl = (name: string): string => `test/fixtures/pvh/${name}`;
const fixture = (name: string): Uint8Array => readBytes(fixtureUrl(name));

const CMDLINE = 'console=ttyS0 bootproto-test="a b" x=1';
const initrd = fixture('initrd.bin');

/** `readelf -h guest32.elf`: "Entry point address: 0x100000"; `readelf -n`: descriptor `00 00 10 00`. */
const GUEST32_ENTRY = 0x100000n;
/** `readelf -lW guest32.elf`: NOTE at file offset 0x0014fc, FileSiz 0x14. */
const GUEST32_NOTE_OFFSET = 0x14fc;
const GUEST32_NOTE_SIZE = 0x14;

function region(dump: PvhDump, label: string): DumpRegion {
  const r = dump.regions.find((x) => x.label === label);
  if (r === undefined) throw new Error(`no region ${label}`);
  return r;
}

const CASES = [
  {
    file: 'qemu-pc-128M.serial.txt',
    ram: 0x7f7fc00n,
    mod0: 0x7fd7000n,
    rsdp: 0xf59d0n,
    memmap: [
      [0x0n, 0x9fc00n, 1],
      [0x9fc00n, 0x400n, 2],
      [0xf0000n, 0x10000n, 2],
      [0x100000n, 0x7ee0000n, 1],
      [0x7fe0000n, 0x20000n, 2],
      [0xfffc0000n, 0x40000n, 2],
      [0xfd00000000n, 0x300000000n, 2],
    ],
  },
  {
    file: 'qemu-q35-512M.serial.txt',
    ram: 0x1ff7fc00n,
    mod0: 0x1ffd7000n,
    rsdp: 0xf59e0n,
    memmap: [
      [0x0n, 0x9fc00n, 1],
      [0x9fc00n, 0x400n, 2],
      [0xf0000n, 0x10000n, 2],
      [0x100000n, 0x1fee0000n, 1],
      [0x1ffe0000n, 0x20000n, 2],
      [0xb0000000n, 0x10000000n, 2],
      [0xfed1c000n, 0x4000n, 2],
      [0xfffc0000n, 0x40000n, 2],
      [0xfd00000000n, 0x300000000n, 2],
    ],
  },
] as const;

for (const c of CASES) {
  describe(c.file, () => {
    const dump = parsePvhDump(readText(fixtureUrl(c.file)));
    const memory = (): PhysicalMemory => createPhysicalMemory(dump.regions);

    it('parses the dump: ebx and the regions of the README table', () => {
      expect(dump.ebx).toBe(0x21e0);
      expect(dump.regions.map((r) => [r.label, r.paddr, r.bytes.length])).toEqual([
        ['start_info', 0x21e0n, 0x38],
        ['modlist', 0x21c0n, 0x20],
        ['mod0-data', c.mod0, 0xbb8],
        ['cmdline', 0x11c0n, 0x27],
        ['memmap', 0x5a8n, c.memmap.length * 24],
        ['rsdp', c.rsdp, 0x24],
      ]);
    });

    it('decodes the handoff QEMU built', () => {
      const h = decodeHandoff(memory(), dump.ebx);
      expect(h.startInfoPaddr).toBe(0x21e0n);
      expect(h.startInfo).toEqual({
        magic: XEN_HVM_START_MAGIC_VALUE,
        version: 1,
        flags: 0,
        nrModules: 1,
        modlistPaddr: 0x21c0n,
        cmdlinePaddr: 0x11c0n,
        rsdpPaddr: c.rsdp,
        memmapPaddr: 0x5a8n,
        memmapEntries: c.memmap.length,
        reserved: 0,
      });
      expect(h.cmdline).toBe(CMDLINE);
      expect(h.rsdpPaddr).toBe(c.rsdp);
      expect(h.modules).toHaveLength(1);
      const mod = h.modules[0];
      expect(mod).toEqual({ paddr: c.mod0, size: BigInt(initrd.length), cmdlinePaddr: 0n, reserved: 0n });
      expect(mod && 'cmdline' in mod).toBe(false);
      // The module's bytes are initrd.bin.
      expect(memory().read(c.mod0, initrd.length)).toEqual(initrd);
      expect(region(dump, 'mod0-data').bytes).toEqual(initrd);
      // The command line region is the -append string and its NUL.
      expect(new TextDecoder().decode(region(dump, 'cmdline').bytes)).toBe(`${CMDLINE}\0`);
    });

    it('decodes the memory map: sorted, reserved 0, RAM total as the README says', () => {
      const h = decodeHandoff(memory(), dump.ebx);
      expect(h.memmap.map((e) => [e.addr, e.size, e.type])).toEqual(c.memmap);
      expect(h.memmap.every((e) => e.reserved === 0)).toBe(true);
      expect(h.memmap.every((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM || e.type === XEN_HVM_MEMMAP_TYPE_RESERVED)).toBe(true);
      const ram = h.memmap.filter((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM).reduce((a, e) => a + e.size, 0n);
      expect(ram).toBe(c.ram);
      for (let i = 1; i < h.memmap.length; i++) {
        const prev = h.memmap[i - 1];
        const cur = h.memmap[i];
        expect(prev && cur && prev.addr + prev.size <= cur.addr).toBe(true);
      }
      // The same walk through one view, without decoding.
      const t = viewMemmap(region(dump, 'memmap').bytes, 0, c.memmap.length);
      let viaView = 0;
      for (let i = 0; i < t.count; i++) if (t.get(i).type === XEN_HVM_MEMMAP_TYPE_RAM) viaView += t.get(i).size;
      expect(BigInt(viaView)).toBe(c.ram);
    });

    it('validates with no problems at all (RSDP revision 0 is fine: only the signature is checked)', () => {
      // Judged: no warnings either. flags 0, reserved fields 0, types 1 and 2 only,
      // entries sorted and disjoint, the module and the handoff structures disjoint,
      // "RSD PTR " at rsdp_paddr. The RSDP is ACPI 1.0 (revision byte 15 = 0, so
      // only its first 20 bytes count); the validator does not look past the signature.
      const rsdp = region(dump, 'rsdp').bytes;
      expect(String.fromCharCode(...rsdp.subarray(0, 8))).toBe('RSD PTR ');
      expect(rsdp[15]).toBe(0);
      expect(validateHandoff(memory(), dump.ebx)).toEqual([]);
      expect(validateHandoff(memory(), dump.ebx, { checkModuleData: true })).toEqual([]);
      expect(validateStartInfo(region(dump, 'start_info').bytes)).toEqual([]);
    });

    it('without the module bytes, checkModuleData reports the module UNMAPPED', () => {
      const without = createPhysicalMemory(dump.regions.filter((r) => r.label !== 'mod0-data'));
      expect(validateHandoff(without, dump.ebx)).toEqual([]);
      expect(validateHandoff(without, dump.ebx, { checkModuleData: true })).toMatchObject([
        { severity: 'error', code: 'UNMAPPED', structure: 'hvm_modlist_entry', field: 'paddr', offset: 0 },
      ]);
    });

    it('re-encodes start_info, modlist and memmap to the dumped bytes', () => {
      const h = decodeHandoff(memory(), dump.ebx);
      const startInfo = region(dump, 'start_info').bytes;
      expect(encodeStartInfo(h.startInfo)).toEqual(startInfo);
      expect(encodeStartInfo(decodeStartInfo(startInfo))).toEqual(startInfo);
      expect(viewStartInfo(startInfo).memmapEntries).toBe(c.memmap.length);
      expect(encodeMemmap(h.memmap)).toEqual(region(dump, 'memmap').bytes);
      const modlist = h.modules.map(({ paddr, size, cmdlinePaddr, reserved }) => ({ paddr, size, cmdlinePaddr, reserved }));
      expect(encodeModlist(modlist)).toEqual(region(dump, 'modlist').bytes);
      expect(viewModlist(region(dump, 'modlist').bytes, 0, 1).decodeAll()).toEqual(modlist);
      expect(decodeMemmapEntry(region(dump, 'memmap').bytes, 3 * HVM_MEMMAP_TABLE_ENTRY.size).type).toBe(1);
      expect(region(dump, 'modlist').bytes.length).toBe(HVM_MODLIST_ENTRY.size);
    });

    it('detects the start_info bytes', () => {
      expect(detectFormat(region(dump, 'start_info').bytes)).toBe('pvh-start-info');
    });
  });
}

describe('PHYS32_ENTRY note in the fixture ELF images', () => {
  it('guest32.elf: entry as readelf reports it, in the PT_NOTE segment and the .note.Xen section', () => {
    const file = fixture('guest32.elf');
    expect(readElfHeader(file).eEntry).toBe(GUEST32_ENTRY);
    expect(findPvhEntry(file)).toEqual({
      entry: GUEST32_ENTRY,
      descSize: 4,
      sources: ['segment', 'section'],
      offset: GUEST32_NOTE_OFFSET,
      elfClass: 32,
    });
    expect(detectFormat(file)).toBe('pvh-elf');
  });

  it('encodePvhNote gives the note bytes inside guest32.elf', () => {
    const file = fixture('guest32.elf');
    const inFile = file.subarray(GUEST32_NOTE_OFFSET, GUEST32_NOTE_OFFSET + GUEST32_NOTE_SIZE);
    expect(encodePvhNote(GUEST32_ENTRY)).toEqual(inFile);
    expect(encodePvhNote(GUEST32_ENTRY, 4, true)).toEqual(inFile);
  });

  it('note64-segment.elf: 8-byte descriptor, ELF64', () => {
    const file = fixture('note64-segment.elf');
    const found = findPvhEntry(file);
    // The brief expected sources ['segment'] only, but `readelf -SW` shows the
    // image also has a `.note.Xen` SHT_NOTE section (at file offset 0x1004,
    // size 0x18) holding the same note, so the note is found in both.
    expect(found).toEqual({ entry: 0x1000000n, descSize: 8, sources: ['segment', 'section'], offset: 0x1004, elfClass: 64 });
    expect(found?.sources[0]).toBe('segment');
    expect(encodePvhNote(0x1000000n, 8)).toEqual(file.subarray(0x1004, 0x1004 + 0x18));
    expect(elfNotes(file).filter((n) => n.source === 'segment')).toHaveLength(1);
  });

  it('note32-section-only.elf: found in the SHT_NOTE section only (there is no PT_NOTE)', () => {
    const file = fixture('note32-section-only.elf');
    expect(findPvhEntry(file)).toEqual({ entry: 0x100010n, descSize: 4, sources: ['section'], offset: 0x1014, elfClass: 32 });
    expect(readElfHeader(file).eEntry).toBe(0x100010n);
    expect(encodePvhNote(0x100010n)).toEqual(file.subarray(0x1014, 0x1014 + 0x14));
  });

  it('initrd.bin is what the README says, and no ELF', () => {
    expect(initrd.length).toBe(3000);
    expect(initrd.every((b, i) => b === ((i * 7 + 3) & 255))).toBe(true);
    expect(detectFormat(initrd)).toBe('unknown');
  });
});
