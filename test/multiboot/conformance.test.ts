/**
 * checkMb1Handoff and checkMb2Handoff on what GRUB and QEMU wrote (clean,
 * with our test kernels' headers) and on mutated copies (each reports the
 * rule it breaks, spec and section).
 */
import { readBytes, readText } from '../helpers/files.js';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, type PhysicalMemory } from '../../src/core/index.js';
import { checkMb1Handoff, checkMb2Handoff, findMb2Header } from '../../src/multiboot/index.js';
import { memoryRegions, parseMbDump, type MbDump } from './dump.js';

const text = (name: string): string => readText(`test/fixtures/multiboot/${name}`);
const bytes = (name: string): Uint8Array => readBytes(`test/fixtures/multiboot/${name}`);

/** The dump's memory, with `edit` applied to a copy of region `label`. */
function mutated(dump: MbDump, label: string, edit: (b: Uint8Array, dv: DataView) => void): PhysicalMemory {
  const regions = dump.regions.map((r) => {
    if (r.label !== label) return r;
    const b = r.bytes.slice();
    edit(b, new DataView(b.buffer));
    return { ...r, bytes: b };
  });
  return createPhysicalMemory(memoryRegions({ ...dump, regions }));
}

describe('Multiboot 1', () => {
  const cases = [
    { file: 'grub-mb1-128M.serial.txt', image: 'mb1-guest.elf' },
    { file: 'grub-mb1-video-128M.serial.txt', image: undefined },
    { file: 'qemu-mb1-elf-128M.serial.txt', image: 'mb1-guest.elf' },
    { file: 'qemu-mb1-aout-64M.serial.txt', image: 'mb1-guest-aout.bin' },
  ];
  for (const c of cases) {
    it(`${c.file}: no error${c.image === undefined ? '' : ` (with ${c.image}'s header)`}`, () => {
      const dump = parseMbDump(text(c.file));
      const memory = createPhysicalMemory(memoryRegions(dump));
      const problems = checkMb1Handoff(memory, dump.ebx, { eax: dump.eax, ...(c.image === undefined ? {} : { image: bytes(c.image) }) });
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      for (const p of problems) expect(p.rule).toMatch(/^Multiboot 0\.6\.96 §3|^bootproto/);
    });
  }

  describe('mutations of GRUB\'s handoff', () => {
    const dump = parseMbDump(text('grub-mb1-128M.serial.txt'));
    const image = bytes('mb1-guest.elf');
    const memory = createPhysicalMemory(memoryRegions(dump));

    it('BAD_EAX: %eax is not the bootloader magic (§3.2)', () => {
      // (GRUB leaves the module entries' padding nonzero: RESERVED_NONZERO warnings, not errors.)
      const p = checkMb1Handoff(memory, dump.ebx, { eax: 0x36d76289 }).filter((x) => x.severity === 'error');
      expect(p.map((x) => x.code)).toEqual(['BAD_EAX']);
      expect(p[0]?.rule).toMatch(/§3\.2 "Machine state"/);
    });
    it('MEMORY_INFO_MISSING: header bit 1 set, info flag bit 0 cleared (§3.1.2)', () => {
      const p = checkMb1Handoff(mutated(dump, 'info', (_b, dv) => dv.setUint32(0, dv.getUint32(0, true) & ~1, true)), dump.ebx, { image });
      expect(p.find((x) => x.code === 'MEMORY_INFO_MISSING')?.rule).toMatch(/§3\.1\.2/);
    });
    it('MODULE_UNALIGNED: header bit 0 set, a module moved off its page (§3.1.2)', () => {
      const p = checkMb1Handoff(mutated(dump, 'mods', (_b, dv) => { dv.setUint32(0, dv.getUint32(0, true) + 4, true); }), dump.ebx, { image });
      expect(p.find((x) => x.code === 'MODULE_UNALIGNED')?.rule).toMatch(/§3\.1\.2/);
    });
    it('MODULE_END_BEFORE_START (§3.3)', () => {
      const p = checkMb1Handoff(mutated(dump, 'mods', (_b, dv) => dv.setUint32(4, 0, true)), dump.ebx);
      expect(p.find((x) => x.code === 'MODULE_END_BEFORE_START')?.rule).toMatch(/§3\.3 "Boot information format"/);
    });
    it('SYMS_CONFLICT: flags bits 4 and 5 both set (§3.3)', () => {
      const p = checkMb1Handoff(mutated(dump, 'info', (_b, dv) => dv.setUint32(0, dv.getUint32(0, true) | 0x30, true)), dump.ebx);
      expect(p.find((x) => x.code === 'SYMS_CONFLICT')?.rule).toMatch(/bits 4 and 5/);
    });
  });
});

describe('Multiboot 2', () => {
  const files = ['grub-mb2-128M.serial.txt', 'grub-mb2-video-128M.serial.txt', 'grub-efi-mb2-256M.serial.txt'];
  const image = bytes('mb2-guest.elf');
  for (const file of files) {
    it(`${file}: no error, with mb2-guest.elf's header`, () => {
      const dump = parseMbDump(text(file), 'BOOTPROTO-MB2-DUMP v1');
      const memory = createPhysicalMemory(memoryRegions(dump));
      const problems = checkMb2Handoff(memory, dump.ebx, { eax: dump.eax, image });
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      for (const p of problems) expect(p.rule).toMatch(/^Multiboot2 2\.0 §3|^bootproto/);
    });
  }

  describe('mutations of GRUB\'s handoff', () => {
    const dump = parseMbDump(text('grub-mb2-128M.serial.txt'), 'BOOTPROTO-MB2-DUMP v1');
    const memory = createPhysicalMemory(memoryRegions(dump));

    it('BAD_EAX (§3.3 "I386 machine state")', () => {
      const p = checkMb2Handoff(memory, dump.ebx, { eax: 0x2badb002 });
      expect(p.map((x) => x.code)).toEqual(['BAD_EAX']);
      expect(p[0]?.rule).toMatch(/§3\.3 "I386 machine state"/);
    });
    it('UNALIGNED: the information at an address not 8-byte aligned (§3.6.1)', () => {
      const shifted = createPhysicalMemory(memoryRegions({ ...dump, regions: dump.regions.map((r) => (r.label === 'info' ? { ...r, paddr: r.paddr + 4n } : r)) }));
      const p = checkMb2Handoff(shifted, dump.ebx + 4);
      expect(p.find((x) => x.code === 'UNALIGNED')?.rule).toMatch(/§3\.6\.1/);
    });
    it('REQUESTED_TAG_MISSING: a tag the header requires renamed away (§3.1.4)', () => {
      const header = findMb2Header(image)?.header;
      const required = header?.tags.flatMap((t) => (t.kind === 'information-request' && (t.flags & 1) === 0 ? t.requests : [])) ?? [];
      expect(required.length).toBeGreaterThan(0);
      const victim = required.find((r) => r !== 0) ?? 0;
      const m = mutated(dump, 'info', (b, dv) => {
        for (let o = 8; o + 8 <= b.length; ) {
          const type = dv.getUint32(o, true);
          const size = dv.getUint32(o + 4, true);
          if (type === 0 || size < 8) break;
          if (type === victim) dv.setUint32(o, 0x7777, true);
          o += (size + 7) & ~7;
        }
      });
      const p = checkMb2Handoff(m, dump.ebx, { image });
      expect(p.find((x) => x.code === 'REQUESTED_TAG_MISSING')?.rule).toMatch(/§3\.1\.4 "Multiboot2 information request"/);
    });
    it('MODULE_UNALIGNED: the header asks for module alignment, a module moved (§3.1.11)', () => {
      const m = mutated(dump, 'info', (b, dv) => {
        for (let o = 8; o + 8 <= b.length; ) {
          const type = dv.getUint32(o, true);
          const size = dv.getUint32(o + 4, true);
          if (type === 0 || size < 8) break;
          if (type === 3) {
            dv.setUint32(o + 8, dv.getUint32(o + 8, true) + 8, true);
            break;
          }
          o += (size + 7) & ~7;
        }
      });
      const p = checkMb2Handoff(m, dump.ebx, { image });
      expect(p.find((x) => x.code === 'MODULE_UNALIGNED')?.rule).toMatch(/§3\.1\.11 "Module alignment tag"/);
    });
    it('NO_END_TAG (§3.6.2)', () => {
      const m = mutated(dump, 'info', (b, dv) => {
        for (let o = 8; o + 8 <= b.length; ) {
          const type = dv.getUint32(o, true);
          const size = dv.getUint32(o + 4, true);
          if (type === 0) {
            dv.setUint32(o, 0x7777, true);
            break;
          }
          o += (size + 7) & ~7;
        }
      });
      const p = checkMb2Handoff(m, dump.ebx);
      expect(p.find((x) => x.code === 'NO_END_TAG')?.rule).toMatch(/§3\.6\.2 "Basic tags structure"/);
    });
  });
});
