/**
 * The command line in-process (`main()` with its output captured): every
 * command, every detected format, every `--as` structure from a file and
 * from `--load`ed memory, `--json`, the usage errors and their one-line
 * messages, and the exit codes (0 fine, 1 problems or an incomplete
 * decode, 2 usage error or unreadable input). test/tools/cli.test.ts runs
 * the built binary for what needs a real process (pipes, color on a
 * terminal, memory use).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRUCTS } from '../../src/cli/formats.js';
import { createPhysicalMemory } from '../../src/core/index.js';
import { buildHandoff } from '../../src/pvh/index.js';
import { linuxDumps, mb1Dumps, mb2Dumps, pvhDumps } from '../fuzz/seeds.js';
import { fixturePath, json, loadArgs, removeDir, runCli, sample, tempDir, usageError } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('cli-test');
});
afterAll(() => removeDir(dir));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const DTB = sample('fdt/qemu-aarch64-virt.dtb');

describe('help', () => {
  it('no arguments, help, --help and -h print the main help and exit 0', () => {
    for (const args of [[], ['help'], ['--help'], ['-h'], ['help', 'nonsense']]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('bootproto — read and check boot protocol structures');
      for (const s of STRUCTS) expect(r.stdout).toContain(s.name);
      expect(r.stderr).toBe('');
    }
  });

  it.each(['inspect', 'validate', 'dts', 'samples', 'convert'])('help %s, --help and -h print its help', (command) => {
    for (const args of [['help', command], [command, '--help'], [command, '-h']]) {
      const r = runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^bootproto ${command}`));
    }
  });
});

describe('usage errors: one line on stderr, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^unknown command "frobnicate"; try bootproto help$/],
    [['inspect', '--bogus', DTB], /^unknown option --bogus$/],
    [['inspect', '-x'], /^unknown option -x$/],
    [['inspect', '--as'], /^--as needs a value$/],
    [['inspect', '--at'], /^--at needs a value$/],
    [['inspect', '--at', '12z', DTB], /^--at: "12z" is not a number/],
    [['inspect', '--load', 'nopaddr'], /^--load takes FILE@PADDR, got "nopaddr"$/],
    [['inspect', '--load', '@0x10'], /^--load takes FILE@PADDR/],
    [['inspect', '--load', 'x@0xzz'], /^--load: "0xzz" is not a number/],
    [['inspect'], /^give a FILE \(or --as STRUCT with --load\)$/],
    [['validate'], /^give a FILE/],
    [['inspect', '--as', 'fdt'], /^give a FILE or --load FILE@PADDR$/],
    [['inspect', '--as', 'nope', DTB], /^unknown structure "nope"; known: pvh-start-info, /],
    [['inspect', '--as', 'fdt', '--desc-size', '48', DTB], /^--desc-size does not apply to --as fdt$/],
    [['inspect', '--as', 'fdt', '--at', '0', '--load', `${DTB}@0`], /^--as fdt reads a FILE, not --load regions$/],
    [['inspect', '--as', 'pvh-start-info', '--load', `${DTB}@0`], /^--load needs --at PADDR/],
    [['inspect', '--as', 'efi-memmap', DTB], /^--as efi-memmap needs --desc-size N/],
    [['inspect', '--as', 'efi-memmap', '--desc-size', 'x', DTB], /^--desc-size: "x" is not a number$/],
    [['inspect', '--as', 'mb1-info', DTB], /^--as mb1-info: the information points into memory/],
    [['inspect', '--as', 'mb2-info', DTB], /^--as mb2-info: give --load/],
    [['dts'], /^bootproto dts FILE\.dtb$/],
    [['dts', sample('pvh/guest.elf')], /fdt_header\.magic/],
    [['samples', join('nowhere', 'manifest.json')], /^cannot read the sample manifest /],
  ];
  it.each(cases)('%j', (args, message) => {
    expect(usageError(runCli(args))).toMatch(message);
  });

  it('names an unreadable file in words', () => {
    expect(usageError(runCli(['inspect', join(dir, 'missing.bin')]))).toBe(`cannot read ${join(dir, 'missing.bin')}: no such file`);
    expect(usageError(runCli(['validate', dir]))).toBe(`${dir} is a directory`);
    expect(usageError(runCli(['inspect', '--as', 'pvh-start-info', '--at', '0', '--load', `${join(dir, 'missing.bin')}@0`]))).toMatch(/no such file$/);
    expect(usageError(runCli(['inspect', join(dir, 'missing', 'x.bin')]))).toMatch(/cannot read .*: no such file$/);
  });

  it('an unrecognised format asks for --as', () => {
    const junk = file('junk.bin', new Uint8Array(64).fill(0x5a));
    expect(usageError(runCli(['inspect', junk]))).toMatch(/unrecognised format \(unknown\); name the structure with --as \(pvh-start-info, fdt/);
  });
});

describe('every command refuses an option it does not take (exit 2, naming both)', () => {
  const MANIFEST = sample('manifest.json');
  /** A valid call of each command, and the options (with a value where they take one) it takes. */
  const commands: [string, string[], string[]][] = [
    ['inspect', ['inspect', DTB], ['--json', '--whole', '--help', '-h']],
    ['validate', ['validate', DTB], ['--json', '--whole', '--help', '-h']],
    ['dts', ['dts', DTB], ['--json', '--help', '-h']],
    ['samples', ['samples', MANIFEST], ['--json', '--help', '-h']],
    ['help', ['help', 'inspect'], ['--help', '-h']],
  ];
  /** Every option of main's parser, with a value when it takes one. */
  const options: string[][] = [['--json'], ['--whole'], ['--help'], ['-h'], ['--as', 'fdt'], ['--at', '0'], ['--load', `${DTB}@0`], ...[...new Set(STRUCTS.flatMap((h) => h.params ?? []))].map((p) => [`--${p}`, '48'])];

  it('each command and option pair: taken, or refused with one line naming the option and the command', () => {
    let refused = 0;
    for (const [command, base, takes] of commands) {
      for (const option of options) {
        const name = option[0] as string;
        const r = runCli([...base, ...option]);
        if (takes.includes(name)) {
          expect([0, 1], `${command} ${name}: ${r.stderr}`).toContain(r.code);
          continue;
        }
        if ((command === 'inspect' || command === 'validate') && ['--as', '--at', '--load'].includes(name)) continue; // its own cases below
        if (command === 'inspect' || command === 'validate') {
          expect(usageError(r), `${command} ${name}`).toMatch(new RegExp(`^${command}: ${name} needs --as efi-memmap$`));
        } else {
          expect(usageError(r), `${command} ${name}`).toMatch(new RegExp(`^${command} does not take ${name}(; it takes --json)?$`));
        }
        refused++;
      }
    }
    expect(refused).toBe(2 * 3 + 2 * 7 + 8); // inspect, validate: the 3 handler options without --as; dts, samples: all 10 but 3; help: all but --help, -h
  });

  it('convert refuses the options of the other commands, and --xen for a Multiboot handoff', () => {
    for (const option of options.filter((o) => !['--json', '--help', '-h', '--as', '--at', '--load'].includes(o[0] as string))) {
      expect(usageError(runCli(['convert', '--to', 'boot-params', ...option]))).toBe(`convert: unknown argument ${option[0] as string}`);
    }
    const d = mb2Dumps()[0]!;
    const loads = loadArgs(dir, 'xen-mb2', d.regions);
    expect(usageError(runCli(['convert', '--to', 'boot-params', '--as', 'mb2-info', '--at', `0x${d.ebx.toString(16)}`, ...loads, '--out', join(dir, 'xen'), '--xen']))).toBe(
      'convert: --xen applies to --as pvh-start-info only, not mb2-info',
    );
  });

  const cases: [string[], string][] = [
    [['samples', '--desc-size', '--json', MANIFEST], 'samples does not take --desc-size; it takes --json'], // the fuzzer's cli-args-1
    [['samples', '--as', 'fdt'], 'samples does not take --as; it takes --json'],
    [['help', '--json'], 'help does not take --json'],
    [['--help', '--as', 'fdt'], 'help does not take --as'],
    [['dts', '--whole', DTB], 'dts does not take --whole; it takes --json'],
    [['inspect', '--at', '0x40', DTB], 'inspect: --at needs --as STRUCT (without it the format is detected at offset 0)'],
    [['validate', '--desc-size', '48', DTB], 'validate: --desc-size needs --as efi-memmap'],
    [['inspect', DTB, DTB], `inspect takes one FILE; "${DTB}" is a second`],
    [['dts', DTB, 'x.dtb'], 'dts takes one FILE.dtb; "x.dtb" is a second'],
    [['samples', MANIFEST, 'more.json'], 'samples takes one MANIFEST; "more.json" is a second'],
    [['help', 'inspect', 'dts'], 'help takes one COMMAND; "dts" is a second'],
    [['inspect', '--as', 'pvh-start-info', '--at', '0', '--load', `${DTB}@0`, DTB], `inspect: give a FILE or --load regions, not both ("${DTB}" and --load)`],
    [['frobnicate', '--json'], 'unknown command "frobnicate"; try bootproto help'],
  ];
  it.each(cases)('%j', (args, message) => {
    expect(usageError(runCli(args))).toBe(message);
  });

  it('what they take still works: --whole with validate and with --as, --help after any option a command takes', () => {
    expect(runCli(['validate', '--whole', DTB]).code).toBe(0);
    expect(runCli(['inspect', '--whole', '--as', 'fdt', DTB]).code).toBe(0);
    expect(runCli(['dts', '--json', '--help']).stdout).toMatch(/^bootproto dts/);
    expect(runCli(['--help', 'inspect']).stdout).toMatch(/^bootproto inspect/);
  });
});

describe('inspect: every detected format', () => {
  const cases: [string, string, string][] = [
    ['pvh-elf', sample('pvh/guest.elf'), 'image with a PVH entry note'],
    ['pvh-elf', fixturePath('pvh/note64-segment.elf'), 'found in   PT_NOTE segment, SHT_NOTE section'],
    ['elf', fixturePath('multiboot/mb1-guest.elf'), 'multiboot1 header'],
    ['elf', fixturePath('multiboot/mb2-guest.elf'), 'multiboot2 header'],
    ['multiboot1-image', fixturePath('multiboot/mb1-guest-aout.bin'), 'multiboot1 header'],
    ['pvh-start-info', sample('pvh/qemu-pc-128M/start_info.bin'), '(pointers not followed'],
    ['boot-params', sample('linux/kernel-pc-256M.zeropage.bin'), 'bootParams'],
    ['fdt', DTB, 'structure block:'],
    ['bzimage', sample('linux/vmlinuz-head.bin'), 'The same file as a PE/COFF image (the EFI stub):'],
    ['bzimage', fixturePath('linux-bootparams/qemu-guest.bzImage'), 'bzImage'],
    ['pe', sample('pecoff/uki-objcopy.efi'), 'Authenticode SHA-256'],
    ['pe', fixturePath('pecoff/app32.efi'), 'PE32 image'],
  ];
  it.each(cases)('%s: %s', (format, path, text) => {
    const r = runCli(['inspect', path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(text);
    expect(r.stdout).toMatch(/(^|\n)problems: (none|\d+)\n/);
    const j = runCli(['inspect', '--json', path]);
    expect(j.code).toBe(0);
    const out = json(j);
    expect(out['format'] === format || (format === 'elf' && out['format'] === 'elf')).toBe(true);
    expect(Array.isArray(out['problems'])).toBe(true);
  });

  it('an ELF with Multiboot headers lists them in --json too', () => {
    const out = json(runCli(['inspect', '--json', fixturePath('multiboot/mb2-guest.elf')]));
    expect(out['multiboot2']).toBeDefined();
    const mb1 = json(runCli(['inspect', '--json', fixturePath('multiboot/mb1-guest-aout.bin')]));
    expect(mb1['format']).toBe('multiboot1-image');
    expect(mb1['multiboot1']).toBeDefined();
  });

  it('a bzImage with an EFI stub carries its PE view in --json', () => {
    const out = json(runCli(['inspect', '--json', sample('linux/vmlinuz-head.bin')]));
    expect(out['format']).toBe('bzimage');
    expect(out['pe']).toBeDefined();
  });

  it('a truncated DTB: inspect exits 1 (not decodable), validate exits 1 with the problem', () => {
    const truncated = file('truncated.dtb', readFileSync(DTB).subarray(0, 100));
    const r = runCli(['inspect', truncated]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fdt: not decodable (see problems)');
    expect(r.stdout).toContain('[TRUNCATED]');
    const v = runCli(['validate', '--json', truncated]);
    expect(v.code).toBe(1);
    expect(json<{ problems: { code: string }[] }>(v).problems[0]?.code).toBe('TRUNCATED');
  });
});

describe('validate', () => {
  it('exits 0 with "problems: none" on good inputs, 1 with every problem on bad ones', () => {
    for (const path of [DTB, sample('pvh/guest.elf'), sample('pecoff/uki-objcopy.efi'), sample('linux/kernel-pc-256M.zeropage.bin')]) {
      const r = runCli(['validate', path]);
      expect(r.code, path).toBe(0);
      expect(r.stdout).toMatch(/^problems: (none|\d+)$/m);
    }
    const bad = readFileSync(sample('linux/kernel-pc-256M.zeropage.bin'));
    bad.writeUInt32LE(0, 0x202); // the "HdrS" magic
    const r = runCli(['validate', '--as', 'boot-params', file('bad-zp.bin', bad)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^problems: \d+/);
    expect(r.stdout).toContain('error');
    const j = json<{ problems: { severity: string; code: string; message: string }[] }>(runCli(['validate', '--json', '--as', 'boot-params', file('bad-zp.bin', bad)]));
    expect(j.problems.some((p) => p.severity === 'error')).toBe(true);
  });

  it('a structure that cannot be decoded is a problem (exit 1), not a usage error', () => {
    const r = runCli(['validate', '--as', 'boot-params', file('short.bin', new Uint8Array(100))]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('boot_params');
    const i = runCli(['inspect', '--as', 'boot-params', file('short.bin', new Uint8Array(100))]);
    expect(i.code).toBe(1);
    expect(i.stdout).toContain('boot-params: not decodable (see problems)');
    const j = json(runCli(['inspect', '--json', '--as', 'boot-params', file('short.bin', new Uint8Array(100))]));
    expect(j['format']).toBe('boot-params');
  });

  it('prints the conformance rule of a handoff problem', () => {
    const d = pvhDumps()[0]!;
    const regions = d.regions.map((r) => ({ ...r, bytes: r.label === 'start_info' ? r.bytes.slice() : r.bytes }));
    const si = regions.find((r) => r.label === 'start_info')!;
    new DataView(si.bytes.buffer, si.bytes.byteOffset).setUint32(0x30, 1000, true); // memmap_entries past the dumped table
    const r = runCli(['validate', '--as', 'pvh-start-info', '--at', `0x${d.ebx.toString(16)}`, ...loadArgs(dir, 'pvh-bad', regions)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\n {6}rule: /);
  });
});

describe('--as each structure', () => {
  it('from a file at an offset', () => {
    const cases: [string[], string][] = [
      [['--as', 'pvh-start-info', sample('pvh/qemu-pc-128M/start_info.bin')], 'hvm_start_info'],
      [['--as', 'fdt', DTB], 'fdt_header'],
      [['--as', 'boot-params', sample('linux/kernel-pc-256M.zeropage.bin')], 'bootParams'],
      [['--as', 'setup-header', sample('linux/vmlinuz-head.bin')], 'setupHeader'],
      [['--as', 'setup-header', '--at', '0', sample('linux/kernel-pc-256M.zeropage.bin')], 'setupHeader'],
      [['--as', 'pe', sample('pecoff/uki-objcopy.efi')], 'PE32+ image'],
      [['--as', 'efi-memmap', '--desc-size', '48', sample('efi-memmap/ovmf-q35-256M.memmap.bin')], 'As Linux prints it:'],
      [['--as', 'efi-memmap', '--desc-size', '0x30', '--desc-version', '1', '--map-size', '480', sample('efi-memmap/ovmf-q35-256M.memmap.bin')], 'EFI memory map: 10 descriptors of 48 bytes'],
      [['--as', 'mb1-header', fixturePath('multiboot/mb1-guest.elf')], 'header'],
      [['--as', 'mb2-header', fixturePath('multiboot/mb2-guest.elf')], 'header'],
    ];
    for (const [args, text] of cases) {
      const r = runCli(['inspect', ...args]);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(text);
      const j = runCli(['inspect', '--json', ...args]);
      expect(json(j)['format']).toBe(args[1]);
    }
  });

  it('an offset into the file: a DTB and a PE image inside a larger file', () => {
    const dtb = readFileSync(DTB);
    const padded = file('padded.bin', new Uint8Array([...new Uint8Array(0x100), ...dtb]));
    expect(runCli(['inspect', '--as', 'fdt', '--at', '0x100', padded]).code).toBe(0);
    const pe = readFileSync(fixturePath('pecoff/app64.efi'));
    const pePadded = file('pe-padded.bin', new Uint8Array([...new Uint8Array(0x200), ...pe]));
    expect(runCli(['inspect', '--as', 'pe', '--at', '0x200', pePadded]).code).toBe(0);
  });

  it('a header that is not there: the problem, and null in --json', () => {
    const r = runCli(['inspect', '--json', '--as', 'mb1-header', sample('pvh/guest.elf')]);
    expect(json(r)['header']).toBeNull();
    expect(r.code, 'no header found is not a decode: exit 1').toBe(1);
    const pe = runCli(['inspect', '--as', 'pe', DTB]);
    expect(pe.code).toBe(1);
    expect(pe.stdout).toContain('pe: not decodable (see problems)');
  });

  it('a header is read from a file, not from memory: a problem of the inspection', () => {
    for (const as of ['mb1-header', 'mb2-header']) {
      const r = runCli(['inspect', '--as', as, '--at', '0x100', '--load', `${sample('pvh/guest.elf')}@0x100`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('a header is read from an image FILE, not from --load regions');
    }
  });
});

describe('--as … --load: structures in dumped memory', () => {
  it('a PVH handoff (QEMU), with its modules, memmap and rsdp', () => {
    for (const d of pvhDumps()) {
      const args = ['--as', 'pvh-start-info', '--at', `0x${d.ebx.toString(16)}`, ...loadArgs(dir, 'pvh', d.regions)];
      const r = runCli(['inspect', ...args]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/modules: \d/);
      expect(r.stdout).toContain('RAM in memmap:');
      expect(json<{ handoff: { memmap: unknown[] } }>(runCli(['inspect', '--json', ...args])).handoff.memmap.length).toBeGreaterThan(0);
      expect(runCli(['validate', ...args]).code).toBe(0);
    }
  });

  it('PVH handoffs built by the library: version 0, no command line, a module with one, no rsdp, odd memmap types', () => {
    const handoff = (version: 0 | 1, spec: Parameters<typeof buildHandoff>[1]): string[] => {
      const memory = createPhysicalMemory([{ paddr: 0x1000n, bytes: new Uint8Array(0x1000) }]);
      const built = buildHandoff(memory, { ...spec, version }, { startInfo: 0x1000n });
      const region = memory.regions()[0]!;
      return ['--as', 'pvh-start-info', '--at', hex(built.startInfoPaddr), ...loadArgs(dir, `built-${version}`, [region])];
    };
    const v0 = runCli(['inspect', ...handoff(0, {})]);
    expect(v0.code).toBe(0);
    expect(v0.stdout).toMatch(/^hvm_start_info @ 0x1000 \(40 bytes\)$/m);
    expect(v0.stdout).toContain('cmdline: (none)');
    expect(v0.stdout).toContain('modules: 0\n');
    expect(v0.stdout).toContain('memmap: 0 entries\n');
    expect(v0.stdout).toContain('rsdp: (none)');
    expect(v0.stdout).not.toContain('RAM in memmap');
    const v1 = runCli([
      'inspect',
      ...handoff(1, {
        cmdline: 'console=hvc0',
        modules: [{ paddr: 0x10000n, size: 0x800n, cmdline: 'initrd' }],
        memmap: [
          { addr: 0n, size: 0x9fc00n, type: 1 },
          { addr: 0xa0000n, size: 0n, type: 99 },
        ],
        rsdpPaddr: 0xf0000n,
      }),
    ]);
    expect(v1.stdout).toContain('cmdline @ ');
    expect(v1.stdout).toContain(', cmdline "initrd"');
    expect(v1.stdout).toContain('unknown type 99');
    expect(v1.stdout).toContain('rsdp: 0xf0000');
    expect(v1.stdout).toMatch(/RAM in memmap: 0x9fc00/);
  });

  it('a PVH start_info that is not there: not decodable, exit 1', () => {
    const r = runCli(['inspect', '--as', 'pvh-start-info', '--at', '0x0', '--load', `${DTB}@0x0`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('hvm_start_info: not decodable (see problems)');
    expect(json(runCli(['inspect', '--json', '--as', 'pvh-start-info', '--at', '0x0', '--load', `${DTB}@0x0`]))['handoff']).toBeNull();
  });

  it('Multiboot 1 information (QEMU and GRUB)', () => {
    for (const d of mb1Dumps()) {
      const args = ['--as', 'mb1-info', '--at', `0x${d.ebx.toString(16)}`, ...loadArgs(dir, 'mb1', d.regions)];
      const r = runCli(['inspect', ...args]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('handoff');
      expect(json(runCli(['inspect', '--json', ...args]))['handoff']).toBeDefined();
    }
    const none = runCli(['inspect', '--as', 'mb1-info', '--at', '0x100000', '--load', `${DTB}@0x0`]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('handoff: not decodable (see problems)');
  });

  it('Multiboot 2 information, an EFI memory map tag decoded as a map', () => {
    let efi = 0;
    for (const d of mb2Dumps()) {
      const args = ['--as', 'mb2-info', '--at', `0x${d.ebx.toString(16)}`, ...loadArgs(dir, 'mb2', d.regions)];
      const r = runCli(['inspect', ...args]);
      expect(r.code).toBe(0);
      if (r.stdout.includes('efi-mmap tag (type 17), decoded:')) {
        efi++;
        expect(r.stdout).toContain('As Linux prints it:');
      }
    }
    expect(efi).toBe(1); // GRUB under OVMF
  });

  it('Multiboot 2: an EFI memory map tag that does not decode is named, the rest still shown', () => {
    const d = mb2Dumps().find((x) => x.regions.some((r) => r.label === 'info' && findTag(r.bytes, 17) >= 0))!;
    const regions = d.regions.map((r) => ({ ...r, bytes: r.bytes.slice() }));
    const info = regions.find((r) => r.label === 'info')!;
    const at = findTag(info.bytes, 17);
    new DataView(info.bytes.buffer, info.bytes.byteOffset).setUint32(at + 8, 8, true); // descr_size 8: smaller than a descriptor
    const r = runCli(['inspect', '--as', 'mb2-info', '--at', `0x${d.ebx.toString(16)}`, ...loadArgs(dir, 'mb2-bad', regions)]);
    expect(r.stdout).toMatch(/efi-mmap tag \(type 17\): .+/);
    expect(r.stdout).not.toContain('efi-mmap tag (type 17), decoded:');
  });

  it('a Linux zero page in memory, with its command line and setup_data', () => {
    // GRUB's linux command dumps a whole zero page; QEMU's and GRUB's linux16 dump only the real-mode part they wrote.
    for (const d of linuxDumps()) {
      const args = ['--as', 'boot-params', '--at', `0x${d.root.toString(16)}`, ...loadArgs(dir, 'linux', d.regions)];
      const r = runCli(['inspect', ...args]);
      if (d.regions.some((x) => x.label === 'zeropage')) {
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('bootParams');
        expect(r.stdout).toMatch(/\ncmdline: "BOOT_IMAGE=/);
        expect(json(runCli(['inspect', '--json', ...args]))['bootParams']).toBeDefined();
      } else {
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('[UNMAPPED]');
      }
    }
    const none = runCli(['inspect', '--as', 'boot-params', '--at', '0x100000', '--load', `${DTB}@0x0`]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('boot_params: not decodable (see problems)');
  });

  it('a zero page whose efi_info points at an EFI memory map: the map is decoded; one that points nowhere is named', () => {
    const zp = new Uint8Array(readFileSync(sample('linux/kernel-pc-256M.zeropage.bin')));
    const map = readFileSync(sample('efi-memmap/ovmf-q35-256M.memmap.bin'));
    const dv = new DataView(zp.buffer);
    // efi_info at 0x1c0: loader_signature, systab, memdesc_size, memdesc_version, memmap, memmap_size, systab_hi, memmap_hi
    dv.setUint32(0x1c0 + 8, 48, true);
    dv.setUint32(0x1c0 + 12, 1, true);
    dv.setUint32(0x1c0 + 16, 0x100000, true);
    dv.setUint32(0x1c0 + 20, map.length, true);
    const zpFile = file('efi-zp.bin', zp);
    const mapFile = file('efi-map.bin', map);
    const r = runCli(['inspect', '--as', 'boot-params', '--at', '0x10000', '--load', `${zpFile}@0x10000`, '--load', `${mapFile}@0x100000`]);
    expect(r.stdout).toContain('efi_info.efi_memmap @ 0x100000, decoded:');
    const nowhere = runCli(['inspect', '--as', 'boot-params', '--at', '0x10000', '--load', `${zpFile}@0x10000`]);
    expect(nowhere.stdout).toMatch(/efi_info\.efi_memmap @ 0x100000: .+/);
  });
});

function hex(n: bigint | number): string {
  return `0x${n.toString(16)}`;
}

/** The offset of the first Multiboot 2 tag of `type` in an information block, or -1. */
function findTag(info: Uint8Array, type: number): number {
  const dv = new DataView(info.buffer, info.byteOffset, info.byteLength);
  for (let at = 8; at + 8 <= info.length; ) {
    const t = dv.getUint32(at, true);
    const size = dv.getUint32(at + 4, true);
    if (t === type) return at;
    if (t === 0 || size < 8) return -1;
    at += (size + 7) & ~7;
  }
  return -1;
}

describe('dts', () => {
  it('prints source, or JSON with it; a non-zero boot_cpuid_phys is noted on stderr', () => {
    const r = runCli(['dts', DTB]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/dts-v1\/;\n/);
    expect(r.stderr).toBe('');
    const j = json<{ format: string; bootCpuidPhys: number; dts: string }>(runCli(['dts', '--json', DTB]));
    expect(j.format).toBe('dts');
    expect(j.dts).toBe(r.stdout);
    const cpu3 = runCli(['dts', fixturePath('fdt/features-cpu3.dtb')]);
    expect(cpu3.code).toBe(0);
    expect(cpu3.stderr).toBe('bootproto: note: boot_cpuid_phys is 3, which DTS cannot express; compile with dtc -b 3\n');
  });
});

describe('samples', () => {
  it('inspects every bundled sample (text and --json), from the default or a given manifest', () => {
    const r = runCli(['samples']);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(sample('manifest.json'), 'utf8')) as { title: string }[];
    for (const s of manifest) expect(r.stdout).toContain(`=== ${s.title}`);
    const j = json<{ title: string; format: string }[]>(runCli(['samples', '--json', sample('manifest.json')]));
    expect(j.map((s) => s.title)).toEqual(manifest.map((s) => s.title));
    for (const s of j) expect(s.format).toBeTruthy();
  });

  it('a manifest that is not JSON is a usage error', () => {
    expect(usageError(runCli(['samples', file('bad-manifest.json', new TextEncoder().encode('{'))]))).toMatch(/^cannot read the sample manifest/);
  });
});

describe('color', () => {
  it('colors problems, headings and offsets when forced; never with NO_COLOR or --json', () => {
    const truncated = file('truncated2.dtb', readFileSync(DTB).subarray(0, 100));
    const forced = runCli(['inspect', sample('pvh/qemu-pc-128M/start_info.bin')], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\x1b[1mhvm_start_info (56 bytes)\x1b[0m');
    expect(forced.stdout).toMatch(/ {2}\x1b\[2m\+0x00\x1b\[0m magic/);
    const bad = runCli(['validate', truncated], { FORCE_COLOR: '1' });
    expect(bad.stdout).toContain('\x1b[31merror\x1b[0m');
    expect(bad.stdout).toContain('\x1b[1mproblems: ');
    expect(runCli(['validate', truncated], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
    expect(runCli(['validate', '--json', truncated], { FORCE_COLOR: '1' }).stdout).not.toContain('\x1b[');
    expect(runCli(['validate', truncated], { FORCE_COLOR: '0' }).stdout).not.toContain('\x1b[');
  });
});
