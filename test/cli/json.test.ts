/**
 * The command line's `--json` goes through core's `toJson`, which walks
 * deep values with a stack of its own (issue 11). Here every JSON output
 * of the bundled samples is checked to be exactly what
 * `JSON.stringify(value, jsonReplacer, 2)` gives for the same value:
 * `samples --json`, each sample's `inspect --json` and `validate --json`,
 * `dts --json`, `convert --json` of each handoff form, the large-file
 * path, and `inspect --json` of every fixture file. `toJson` is wrapped
 * (vi.mock) to compare each call it serves.
 */
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mb1Dumps, mb2Dumps, pvhDumps } from '../fuzz/seeds.js';
import { fixturePath, loadArgs, removeDir, runCli, sample, tempDir } from './helpers.js';

/** Every value the command line gave `toJson`, with both texts. */
const calls = vi.hoisted(() => ({ count: 0, differ: [] as { ours: string; native: string }[] }));

vi.mock('../../src/core/index.js', async (importOriginal) => {
  const core = await importOriginal<typeof import('../../src/core/index.js')>();
  return {
    ...core,
    toJson(value: unknown, indent?: number | string): string {
      const ours = core.toJson(value, indent);
      const native = JSON.stringify(value, core.jsonReplacer, indent ?? 2);
      calls.count++;
      if (ours !== native) calls.differ.push({ ours, native });
      return ours;
    },
  };
});

let dir: string;
beforeAll(() => {
  dir = tempDir('cli-json');
});
afterAll(() => removeDir(dir));

/** Runs a `--json` command and returns how many `toJson` calls it made (all equal to JSON.stringify's). */
function check(args: string[]): number {
  const before = calls.count;
  const r = runCli(args);
  expect([0, 1], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  expect(calls.differ).toEqual([]);
  expect(r.stdout.length).toBeGreaterThan(2);
  return calls.count - before;
}

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

/** Every file under a folder. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((f) => join(folder, f))
    .filter((f) => statSync(f).isFile());
}

describe('--json output = JSON.stringify(value, jsonReplacer, 2)', () => {
  const manifest = JSON.parse(readFileSync(sample('manifest.json'), 'utf8')) as { title: string; args: string[] }[];

  it('samples --json, and each sample inspected and validated', () => {
    expect(check(['samples', '--json'])).toBe(1);
    for (const s of manifest) {
      const args = s.args.map((a, i) => {
        const prev = s.args[i - 1];
        if (prev === '--load') return sample(a);
        return a.startsWith('-') || i === 0 || prev === '--as' || prev === '--at' || prev === '--desc-size' ? a : sample(a);
      });
      expect(check([...args, '--json'])).toBe(1);
      expect(check(['validate', ...args.slice(1), '--json'])).toBe(1);
    }
  });

  it('dts --json', () => {
    for (const f of [sample('fdt/qemu-aarch64-virt.dtb'), ...filesUnder(fixturePath('fdt')).filter((f) => f.endsWith('.dtb'))]) {
      expect(check(['dts', '--json', f])).toBe(1);
    }
  });

  it('convert --json of each handoff form', () => {
    const forms: [string, { at: number; regions: { paddr: bigint; bytes: Uint8Array }[] }[]][] = [
      ['pvh-start-info', pvhDumps().map((d) => ({ at: d.ebx, regions: d.regions }))],
      ['mb1-info', mb1Dumps().map((d) => ({ at: d.ebx, regions: d.regions }))],
      ['mb2-info', mb2Dumps().map((d) => ({ at: d.ebx, regions: d.regions }))],
    ];
    for (const [as, dumps] of forms) {
      dumps.forEach((d, i) => {
        const loads = loadArgs(dir, `${as}-${i}`, d.regions);
        expect(check(['convert', '--json', '--to', 'boot-params', '--as', as, '--at', hex(d.at), ...loads, '--out', join(dir, `${as}-${i}`)])).toBe(1);
      });
    }
  });

  it('inspect --json of a kernel and a PE image past 16 MiB (headers read in slices)', () => {
    for (const [name, path] of [
      ['kernel', sample('linux/vmlinuz-head.bin')],
      ['pe', sample('pecoff/uki-objcopy.efi')],
    ] as const) {
      const file = join(dir, `large-${name}.bin`);
      const bytes = readFileSync(path);
      const fd = openSync(file, 'w');
      try {
        writeSync(fd, bytes, 0, bytes.length, 0);
        ftruncateSync(fd, 17 * 1024 * 1024);
      } finally {
        closeSync(fd);
      }
      expect(check(['inspect', '--json', file])).toBe(1);
    }
  });

  it('inspect --json of every fixture file that is detected', () => {
    let detected = 0;
    for (const f of filesUnder(fixturePath(''))) {
      const r = runCli(['inspect', '--json', f]);
      expect(calls.differ).toEqual([]);
      if (r.code !== 2) detected++;
    }
    expect(detected).toBeGreaterThan(40);
  });
});
