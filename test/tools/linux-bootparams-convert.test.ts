/**
 * `bootproto convert --to boot-params`, the built CLI (`npm run build` first),
 * on the PVH handoffs QEMU wrote and the Multiboot 2 information GRUB wrote:
 * the files it writes are the zero page (and setup_data) the library builds.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPhysicalMemory } from '../../src/core/index.js';
import { bootParamsFromMb1, bootParamsFromMb2, bootParamsFromPvh, decodeBootParams, decodeE820Entry } from '../../src/linux-bootparams/index.js';
import { decodeMb1Handoff, readMb2Info } from '../../src/multiboot/index.js';
import { buildHandoff, decodeHandoff } from '../../src/pvh/index.js';
import { memoryRegions, parseMbDump } from '../multiboot/dump.js';
import { CLI, run } from './helpers.js';
import { parsePvhDump } from './pvh-guest/dump.js';

const work = mkdtempSync(join(tmpdir(), 'bootproto-convert-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes each region to a file; returns the --load arguments. */
function loads(name: string, regions: readonly { paddr: bigint; bytes: Uint8Array }[]): string[] {
  return regions.flatMap((r, i) => {
    const file = join(work, `${name}-${i}.bin`);
    writeFileSync(file, r.bytes);
    return ['--load', `${file}@0x${r.paddr.toString(16)}`];
  });
}

describe('bootproto convert --to boot-params', () => {
  it('--as pvh-start-info on QEMU q35: zero-page@ADDR.bin is the library\'s zero page', async () => {
    const dump = parsePvhDump(readFileSync(new URL('../fixtures/pvh/qemu-q35-512M.serial.txt', import.meta.url), 'utf8'));
    const out = join(work, 'pvh');
    const r = await run(process.execPath, [CLI, 'convert', '--to', 'boot-params', '--as', 'pvh-start-info', '--at', `0x${dump.ebx.toString(16)}`, ...loads('pvh', dump.regions), '--zero-page-at', '0x9000', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('zero-page@0x9000.bin');
    expect(r.stdout).toContain('type_of_loader 0xb0');
    expect(readdirSync(out)).toEqual(['zero-page@0x9000.bin']);
    const want = bootParamsFromPvh(decodeHandoff(createPhysicalMemory(dump.regions), dump.ebx)).zeroPage;
    expect(new Uint8Array(readFileSync(join(out, 'zero-page@0x9000.bin')))).toEqual(want);
  });

  it('--as mb2-info on GRUB EFI, --json: the files and their addresses', async () => {
    const dump = parseMbDump(readFileSync(new URL('../fixtures/multiboot/grub-efi-mb2-256M.serial.txt', import.meta.url), 'utf8'), 'BOOTPROTO-MB2-DUMP v1');
    const regions = memoryRegions(dump);
    const out = join(work, 'mb2');
    const r = await run(process.execPath, [CLI, 'convert', '--to', 'boot-params', '--as', 'mb2-info', '--at', String(dump.ebx), ...loads('mb2', regions), '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { written: { file: string; paddr: string; length: number }[] };
    expect(report.written).toHaveLength(1);
    const file = report.written[0]?.file ?? '';
    expect(file).toMatch(/zero-page@0x[0-9a-f]+\.bin$/);
    const zp = new Uint8Array(readFileSync(file));
    const want = bootParamsFromMb2(readMb2Info(createPhysicalMemory(regions), dump.ebx), BigInt(dump.ebx)).zeroPage;
    expect(zp).toEqual(want);
    expect(decodeBootParams(zp).efiInfo.efiLoaderSignature).toBe(0x34364c45);
  });

  it('300 ranges: the zero page and a SETUP_E820_EXT node, each in a file named by its address', async () => {
    const memmap = Array.from({ length: 300 }, (_, i) => ({ addr: 0x100000000n + BigInt(i) * 0x200000n, size: 0x100000n, type: 1 }));
    const bytes = new Uint8Array(0x4000);
    const memory = createPhysicalMemory([{ paddr: 0n, bytes }]);
    const { startInfoPaddr } = buildHandoff(memory, { memmap, cmdline: 'big map' }, { startInfo: 0x100n });
    const out = join(work, 'big');
    const r = await run(process.execPath, [CLI, 'convert', '--to', 'boot-params', '--as', 'pvh-start-info', '--at', String(startInfoPaddr), ...loads('big', [{ paddr: 0n, bytes: memory.read(0n, 0x4000) }]), '--zero-page-at', '0x10000', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['setup_data-1@0x11000.bin', 'zero-page@0x10000.bin']);
    const zp = decodeBootParams(new Uint8Array(readFileSync(join(out, 'zero-page@0x10000.bin'))));
    expect(zp.e820Entries).toBe(128);
    expect(zp.hdr.setupData).toBe(0x11000n);
    const node = new Uint8Array(readFileSync(join(out, 'setup_data-1@0x11000.bin')));
    const ext = Array.from({ length: (node.length - 16) / 20 }, (_, i) => decodeE820Entry(node, 16 + i * 20));
    expect([...zp.e820Table, ...ext].slice(0, 300)).toEqual(memmap);
  });

  it('--as mb1-info on GRUB\'s Multiboot 1 handoff', async () => {
    const dump = parseMbDump(readFileSync(new URL('../fixtures/multiboot/grub-mb1-128M.serial.txt', import.meta.url), 'utf8'));
    const regions = memoryRegions(dump);
    const out = join(work, 'mb1');
    const r = await run(process.execPath, [CLI, 'convert', '--to', 'boot-params', '--as', 'mb1-info', '--at', String(dump.ebx), ...loads('mb1', regions), '--zero-page-at', '0x20000000', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = bootParamsFromMb1(decodeMb1Handoff(createPhysicalMemory(regions), dump.ebx)).zeroPage;
    expect(new Uint8Array(readFileSync(join(out, 'zero-page@0x20000000.bin')))).toEqual(want);
  });

  it('usage errors exit 2', async () => {
    const r = await run(process.execPath, [CLI, 'convert', '--to', 'e820']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to boot-params/);
  });
});
