// What a boot loader left in guest memory, checked in a test: QEMU 7.2's PVH
// handoff and Multiboot 1 information, dumped by a test guest over serial into
// files under samples/. Shown whole in docs/guide-test-guest-memory.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPhysicalMemory, formatProblem, type MemoryRegion } from '../../src/index.js';
import { decodeMb1Handoff, validateMb1Handoff } from '../../src/multiboot/index.js';
import { XEN_HVM_MEMMAP_TYPE_RAM, decodeHandoff, validateHandoff } from '../../src/pvh/index.js';

/** Guest memory from dumped regions: each file's bytes at its guest-physical address. */
function guestMemory(dir: string, files: Record<string, bigint>) {
  const regions: MemoryRegion[] = Object.entries(files).map(([file, paddr]) => ({
    paddr,
    bytes: new Uint8Array(readFileSync(`${dir}/${file}`)),
    label: file,
  }));
  return createPhysicalMemory(regions);
}

describe('what QEMU handed our guest', () => {
  it('PVH: a valid start_info, our command line, one module, RAM below 4 GiB', () => {
    const memory = guestMemory('samples/pvh/qemu-pc-128M', {
      'start_info.bin': 0x21e0n, // the address the guest found in %ebx
      'modlist.bin': 0x21c0n,
      'cmdline.bin': 0x11c0n,
      'memmap.bin': 0x5a8n,
      'rsdp.bin': 0xf59d0n,
      'mod0-data.bin': 0x7fd7000n,
    });
    const problems = validateHandoff(memory, 0x21e0n);
    expect(problems.map(formatProblem)).toEqual([]); // on failure, the message names field and address

    const handoff = decodeHandoff(memory, 0x21e0n);
    expect(handoff.cmdline).toBe('console=ttyS0 bootproto-test="a b" x=1');
    expect(handoff.modules).toHaveLength(1);
    expect(handoff.modules[0]?.size).toBe(3000n);
    const ram = handoff.memmap.filter((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM);
    expect(ram.reduce((sum, e) => sum + e.size, 0n)).toBe(0x7f7fc00n);
  });

  it('Multiboot 1: the information QEMU wrote, modules and memory map included', () => {
    const memory = guestMemory('samples/multiboot/qemu-mb1-128M', {
      'info.bin': 0x9500n,
      'mmap.bin': 0x9000n,
      'mods.bin': 0x105000n,
      'mod0-string.bin': 0x105020n,
      'mod1-string.bin': 0x105033n,
      'cmdline.bin': 0x10503cn,
      'boot_loader_name.bin': 0x105060n,
      'mod0-data.bin': 0x106000n,
      'mod1-data.bin': 0x107000n,
    });
    expect(validateMb1Handoff(memory, 0x9500n).filter((p) => p.severity === 'error')).toEqual([]);
    const handoff = decodeMb1Handoff(memory, 0x9500n);
    expect(handoff.bootLoaderName).toMatch(/^qemu/);
    expect(handoff.modules?.map((m) => m.string)).toEqual(['mod1.bin first arg', 'mod2.bin']);
    expect(handoff.mmap?.length).toBeGreaterThan(0);
  });

  it('a broken handoff: every problem, each with its address', () => {
    const start = new Uint8Array(readFileSync('samples/pvh/qemu-pc-128M/start_info.bin'));
    start[0] = 0; // damage the magic
    const memory = createPhysicalMemory([{ paddr: 0x21e0n, bytes: start }]);
    const problems = validateHandoff(memory, 0x21e0n);
    expect(problems.some((p) => p.code === 'BAD_MAGIC' && p.paddr === 0x21e0n)).toBe(true);
  });
});
