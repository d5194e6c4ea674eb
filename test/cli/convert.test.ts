/**
 * `bootproto convert --to boot-params` in-process: each handoff form
 * (PVH, Multiboot 1, Multiboot 2) from dumped memory to zero-page files,
 * its options (--json, --xen, --zero-page-at, --e820-ext-at) and usage
 * errors, and a map long enough to need a SETUP_E820_EXT node.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBootParams } from '../../src/linux-bootparams/index.js';
import { mb1Dumps, mb2Dumps, pvhDumps } from '../fuzz/seeds.js';
import { json, loadArgs, removeDir, runCli, sample, tempDir, usageError } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('cli-convert');
});
afterAll(() => removeDir(dir));

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

interface Written {
  written: { file: string; paddr: string; length: number; what: string }[];
  problems: { severity: string; code: string }[];
}

describe('convert --to boot-params', () => {
  const forms: [string, () => { at: bigint; regions: { paddr: bigint; bytes: Uint8Array }[] }[]][] = [
    ['pvh-start-info', () => pvhDumps().map((d) => ({ at: BigInt(d.ebx), regions: d.regions }))],
    ['mb1-info', () => mb1Dumps().map((d) => ({ at: BigInt(d.ebx), regions: d.regions }))],
    ['mb2-info', () => mb2Dumps().map((d) => ({ at: BigInt(d.ebx), regions: d.regions }))],
  ];
  it.each(forms)('%s: writes the zero page named by its address, and reports it', (as, dumps) => {
    dumps().forEach((d, i) => {
      const out = join(dir, `${as}-${i}`);
      const loads = loadArgs(dir, `${as}-${i}`, d.regions);
      const r = runCli(['convert', '--to', 'boot-params', '--as', as, '--at', hex(d.at), ...loads, '--out', out]);
      expect(r.stderr).toBe('');
      expect([0, 1]).toContain(r.code);
      expect(r.stdout).toMatch(/^wrote .*zero-page@0x[0-9a-f]+\.bin: zero page, 4096 bytes at 0x[0-9a-f]+$/m);
      expect(r.stdout).toMatch(/^boot_params: version 0x[0-9a-f]+, type_of_loader 0x[0-9a-f]+, e820_entries \d+/m);
      expect(r.stdout).toMatch(/^problems: (none|\d+)$/m);
      const files = readdirSync(out);
      const zp = files.find((f) => f.startsWith('zero-page@'));
      expect(zp).toBeDefined();
      const page = decodeBootParams(new Uint8Array(readFileSync(join(out, zp as string))));
      expect(page.e820Entries).toBeGreaterThan(0);
      // The default place: the first page above every loaded region.
      const top = d.regions.reduce((m, x) => (x.paddr + BigInt(x.bytes.length) > m ? x.paddr + BigInt(x.bytes.length) : m), 0n);
      expect(zp).toBe(`zero-page@${hex((top + 0xfffn) & ~0xfffn)}.bin`);

      const j = json<Written>(runCli(['convert', '--json', '--to', 'boot-params', '--as', as, '--at', hex(d.at), ...loads, '--out', out]));
      expect(j.written[0]?.what).toBe('zero page');
      expect(j.written[0]?.length).toBe(4096);
      expect(Array.isArray(j.problems)).toBe(true);
    });
  });

  it('--zero-page-at places the zero page; --xen marks a PVH boot under Xen (type_of_loader 0x90)', () => {
    const d = pvhDumps()[0]!;
    const loads = loadArgs(dir, 'pvh-xen', d.regions);
    const out = join(dir, 'xen');
    const plain = runCli(['convert', '--to', 'boot-params', '--as', 'pvh-start-info', '--at', hex(d.ebx), ...loads, '--out', out, '--zero-page-at', '0x90000']);
    expect(plain.stdout).toContain('type_of_loader 0xb0');
    expect(existsSync(join(out, 'zero-page@0x90000.bin'))).toBe(true);
    const xen = runCli(['convert', '--to', 'boot-params', '--as', 'pvh-start-info', '--at', hex(d.ebx), ...loads, '--out', out, '--zero-page-at', '0x90000', '--xen']);
    expect(xen.stdout).toContain('type_of_loader 0x90');
  });

  it('a memory map of more than 128 ranges also writes the SETUP_E820_EXT node where --e820-ext-at says', () => {
    // A Multiboot 1 handoff whose mmap has 200 entries (24 bytes each, size field 20).
    const d = mb1Dumps()[0]!;
    const info = d.regions.find((r) => r.bytes.length >= 52 && BigInt(d.ebx) === r.paddr)!;
    const bytes = info.bytes.slice();
    const dv = new DataView(bytes.buffer);
    const flags = dv.getUint32(0, true) | (1 << 6);
    dv.setUint32(0, flags, true);
    const mmapAt = 0x200000;
    const n = 200;
    dv.setUint32(44, n * 24, true);
    dv.setUint32(48, mmapAt, true);
    const mmap = new Uint8Array(n * 24);
    const mv = new DataView(mmap.buffer);
    for (let i = 0; i < n; i++) {
      mv.setUint32(i * 24, 20, true);
      mv.setBigUint64(i * 24 + 4, BigInt(i) * 0x100000n, true);
      mv.setBigUint64(i * 24 + 12, 0x80000n, true);
      mv.setUint32(i * 24 + 20, i % 2 === 0 ? 1 : 2, true);
    }
    const regions = [...d.regions.filter((r) => r !== info && !(r.paddr < BigInt(mmapAt + mmap.length) && BigInt(mmapAt) < r.paddr + BigInt(r.bytes.length))), { paddr: info.paddr, bytes }, { paddr: BigInt(mmapAt), bytes: mmap }];
    const out = join(dir, 'ext');
    const r = runCli(['convert', '--json', '--to', 'boot-params', '--as', 'mb1-info', '--at', hex(d.ebx), ...loadArgs(dir, 'mb1-ext', regions), '--out', out, '--zero-page-at', '0x300000', '--e820-ext-at', '0x310000']);
    expect([0, 1]).toContain(r.code);
    const j = json<Written>(r);
    expect(j.written.map((w) => w.what)).toContain('zero page');
    expect(readdirSync(out).sort()).toEqual(['setup_data-1@0x310000.bin', 'zero-page@0x300000.bin'].sort());
  });

  it('--help prints its help', () => {
    const r = runCli(['convert', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bootproto convert — /);
  });

  const start = sample('pvh/qemu-pc-128M/start_info.bin');
  const usage: [string[], RegExp][] = [
    [[], /^convert needs --to boot-params$/],
    [['--to', 'e820'], /^convert needs --to boot-params \(not "e820"\)$/],
    [['--to', 'boot-params'], /^convert needs --as pvh-start-info \| mb1-info \| mb2-info$/],
    [['--to', 'boot-params', '--as', 'fdt'], /^convert needs --as /],
    [['--to', 'boot-params', '--as', 'mb1-info'], /^convert needs --at PADDR/],
    [['--to', 'boot-params', '--as', 'mb1-info', '--at', '0x1000'], /^convert needs --load FILE@PADDR/],
    [['--to', 'boot-params', '--as', 'mb1-info', '--at', '0x1000', '--load', `${start}@0x1000`], /^convert needs --out DIR$/],
    [['--to'], /^--to needs a value$/],
    [['--at', 'ten'], /^--at: "ten" is not a number/],
    [['--zero-page-at', '-1'], /^--zero-page-at: "-1" is not a number/],
    [['--e820-ext-at', ''], /^--e820-ext-at: "" is not a number/],
    [['--load', 'nopaddr'], /^--load takes FILE@PADDR, got "nopaddr"$/],
    [['--load', 'x@y'], /^--load: "y" is not a number/],
    [['--frob'], /^convert: unknown argument --frob$/],
    [['--to', 'boot-params', '--as', 'pvh-start-info', '--at', '0x0', '--load', 'no-such-file.bin@0x0', '--out', 'x'], /^cannot read no-such-file\.bin: /],
  ];
  it.each(usage)('%j is a usage error', (args, message) => {
    expect(usageError(runCli(['convert', ...args]))).toMatch(message);
  });

  it('a handoff that does not decode is a one-line error, exit 2, and writes nothing', () => {
    const out = join(dir, 'nothing');
    for (const as of ['pvh-start-info', 'mb1-info', 'mb2-info']) {
      const message = usageError(runCli(['convert', '--to', 'boot-params', '--as', as, '--at', '0x100000', '--load', `${start}@0x0`, '--out', out]));
      expect(message).toMatch(/\[[A-Z_]+\]$/);
    }
    expect(existsSync(out)).toBe(false);
  });
});
