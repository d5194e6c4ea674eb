// The built command line as a user meets it: help for every command, exit
// codes (0 fine, 1 problems found, 2 unusable input), one-line errors, color
// only when asked for by a terminal (NO_COLOR wins), and --json that parses
// for every command.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeTempDir, removeTempDir, run, runCli } from './helpers.js';

const SAMPLES = join(REPO_ROOT, 'samples');
const DTB = join(SAMPLES, 'fdt/qemu-aarch64-virt.dtb');
let dir: string;
let truncated: string;

beforeAll(() => {
  dir = makeTempDir('cli');
  truncated = join(dir, 'truncated.dtb');
  writeFileSync(truncated, readFileSync(DTB).subarray(0, 100)); // totalsize says more
});
afterAll(() => removeTempDir(dir));

// No color unless forced: the child's stdout is a pipe.
const PLAIN = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined };

describe('bootproto command line', () => {
  it.each(['inspect', 'validate', 'dts', 'samples', 'convert'])('%s --help prints its usage and exits 0', async (command) => {
    for (const args of [[command, '--help'], ['help', command]]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`bootproto ${command}`);
    }
  });

  it('names an unreadable input in one line on stderr and exits 2', async () => {
    for (const args of [['inspect', join(dir, 'missing.bin')], ['validate', dir], ['dts', join(dir, 'missing.dtb')], ['inspect', '--as', 'boot-params', '--at', '0x1000', '--load', `${join(dir, 'missing.bin')}@0x1000`]]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^bootproto: /);
    }
    expect((await runCli(['inspect', join(dir, 'missing.bin')])).stderr).toBe(`bootproto: cannot read ${join(dir, 'missing.bin')}: no such file\n`);
  });

  it('validate exits 1 when it finds errors, 0 when it finds none', async () => {
    expect((await runCli(['validate', DTB])).code).toBe(0);
    const bad = await runCli(['validate', truncated], { env: PLAIN });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('[TRUNCATED]');
    // A structure that cannot be decoded at all is a problem, not a usage error.
    const wrong = await runCli(['validate', '--as', 'boot-params', truncated]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('boot_params');
  });

  it('colors only when forced or on a terminal, and never with NO_COLOR', async () => {
    const plain = await runCli(['validate', truncated], { env: PLAIN });
    expect(plain.stdout).not.toContain('\x1b[');
    const forced = await runCli(['validate', truncated], { env: { ...PLAIN, FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\x1b[31merror\x1b[0m');
    const no = await runCli(['validate', truncated], { env: { ...PLAIN, FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(no.stdout).not.toContain('\x1b[');
    const json = await runCli(['validate', '--json', truncated], { env: { ...PLAIN, FORCE_COLOR: '1' } });
    expect(json.stdout).not.toContain('\x1b[');
  });

  it('--json parses for inspect, validate, dts and samples; 64-bit values are "0x…" strings', async () => {
    const inspect = JSON.parse((await runCli(['inspect', '--json', DTB])).stdout) as { format: string };
    expect(inspect.format).toBe('fdt');
    const validate = JSON.parse((await runCli(['validate', '--json', truncated])).stdout) as { problems: { code: string }[] };
    expect(validate.problems[0]?.code).toBe('TRUNCATED');
    const dts = JSON.parse((await runCli(['dts', '--json', DTB])).stdout) as { dts: string; bootCpuidPhys: number };
    expect(dts.dts).toMatch(/^\/dts-v1\/;/);
    const samples = JSON.parse((await runCli(['samples', '--json'])).stdout) as { title: string; format: string | null }[];
    expect(samples.length).toBeGreaterThanOrEqual(9);
    for (const s of samples) expect(s.format).toBeTruthy();
    const memmap = JSON.parse((await runCli(['inspect', '--json', '--as', 'efi-memmap', '--desc-size', '48', join(SAMPLES, 'efi-memmap/ovmf-q35-256M.memmap.bin')])).stdout) as Record<string, unknown>;
    expect(JSON.stringify(memmap)).toMatch(/"0x[0-9a-f]+"/);
  });


  it('--json output has the keys docs/cli.md documents for its format', async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/cli.md'), 'utf8');
    const documented = new Map<string, Set<string>>();
    for (const m of doc.matchAll(/^\| (`[a-z0-9-]+`(?:, `[a-z0-9-]+`)*) \| (`[A-Za-z0-9]+`(?:, `[A-Za-z0-9]+`)*) \|/gm)) {
      const keys = new Set([...m[2]!.matchAll(/`([A-Za-z0-9]+)`/g)].map((k) => k[1]!));
      for (const f of m[1]!.matchAll(/`([a-z0-9-]+)`/g)) documented.set(f[1]!, keys);
    }
    expect(documented.size).toBeGreaterThanOrEqual(14);
    const outputs = JSON.parse((await runCli(['samples', '--json'])).stdout) as Record<string, unknown>[];
    for (const args of [
      ['--as', 'setup-header', join(SAMPLES, 'linux/vmlinuz-head.bin')],
      ['--as', 'mb1-header', join(REPO_ROOT, 'test/fixtures/multiboot/mb1-guest.elf')],
      ['--as', 'mb2-header', join(REPO_ROOT, 'test/fixtures/multiboot/mb2-guest.elf')],
      [join(REPO_ROOT, 'test/fixtures/multiboot/mb1-guest-aout.bin')],
      [join(REPO_ROOT, 'test/fixtures/fdt/features.dtb')],
    ]) {
      outputs.push(JSON.parse((await runCli(['inspect', '--json', ...args])).stdout) as Record<string, unknown>);
    }
    for (const o of outputs) {
      const keys = documented.get(o['format'] as string);
      expect(keys, `format ${String(o['format'])}`).toBeDefined();
      for (const k of Object.keys(o)) if (!['format', 'problems', 'title', 'args'].includes(k)) expect(keys?.has(k), `${String(o['format'])}.${k}`).toBe(true);
      expect(Array.isArray(o['problems'])).toBe(true);
    }
  });

  it("the README's real output is what the command line prints", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /^```console\n([\s\S]*?)^```$/m.exec(readme)?.[1];
    expect(block).toBeDefined();
    const steps = block!.split(/^\$ /m).filter((x) => x !== '');
    let lastCode: number | null = null;
    for (const step of steps) {
      const [command, ...out] = step.replace(/\n$/, '').split('\n');
      if (command === 'echo $?') {
        expect(out.join('\n')).toBe(String(lastCode));
        continue;
      }
      const args = command!.split(' ');
      expect(args[0]).toBe('bootproto');
      const r = await runCli(args.slice(1), { cwd: REPO_ROOT, env: PLAIN });
      lastCode = r.code;
      expect(r.stdout.trimEnd()).toBe(out.join('\n'));
    }
  });

  it('inspects a 40 MiB kernel image from a few slices; --whole reads it once and never copies it', async () => {
    const head = readFileSync(join(SAMPLES, 'linux/vmlinuz-head.bin'));
    const small = join(dir, 'small.bin');
    const big = join(dir, 'big.bin');
    writeFileSync(small, head);
    writeFileSync(big, Buffer.concat([head, Buffer.alloc(40 << 20)]));
    // The CLI run in-process by a wrapper that counts the bytes it reads
    // (through fs.readSync, which fs.readFileSync also reads with) and reports its peak resident memory on exit.
    const measure = async (...args: string[]): Promise<{ rss: number; bytesRead: number }> => {
      const wrapper = `process.argv = [process.argv[0], 'bootproto', ...${JSON.stringify(args)}];
        process.stdout.write = () => true;
        const fs = await import('node:fs');
        let bytesRead = 0;
        const readSync = fs.readSync;
        fs.default.readSync = function (...a) { const n = readSync.apply(this, a); bytesRead += n; return n; };
        (await import('node:module')).syncBuiltinESMExports();
        process.on('exit', () => process.stderr.write(JSON.stringify({ rss: process.resourceUsage().maxRSS * 1024, bytesRead })));
        await import(${JSON.stringify(join(REPO_ROOT, 'dist/cli/main.js'))});`;
      const r = await run(process.execPath, ['--input-type=module', '-e', wrapper]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stderr) as { rss: number; bytesRead: number };
    };
    const baseline = await measure('inspect', small);
    const sliced = await measure('inspect', big);
    const whole = await measure('inspect', '--whole', big);
    // Headers only: the first 8 KiB (format detection; the PE headers lie in it), the real-mode part, a few
    // bytes at the payload and kernel_info.
    expect(sliced.bytesRead).toBeLessThan(64 << 10);
    expect(sliced.rss - baseline.rss).toBeLessThan(16 << 20);
    expect(whole.bytesRead).toBe(head.length + (40 << 20));
    const growth = whole.rss - baseline.rss;
    expect(growth).toBeGreaterThan(30 << 20);
    expect(growth).toBeLessThan(60 << 20); // one 40 MiB read; a copy would add another 40 MiB
    // The same setup header, protocol and PE section table either way.
    const a = JSON.parse((await runCli(['inspect', '--json', big])).stdout) as { bzImage: Record<string, unknown>; pe: Record<string, unknown> };
    const b = JSON.parse((await runCli(['inspect', '--json', '--whole', big])).stdout) as { bzImage: Record<string, unknown>; pe: Record<string, unknown> };
    expect(a.bzImage['header']).toEqual(b.bzImage['header']);
    expect(a.bzImage['payload']).toEqual(b.bzImage['payload']);
    expect(a.pe['sections']).toEqual(b.pe['sections']);
    expect(a.pe['optionalHeader']).toEqual(b.pe['optionalHeader']);
    expect(a.pe['headersOnly']).toMatch(/^headers only/);
  });
});
