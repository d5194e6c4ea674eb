/**
 * The command line's fuzz targets (Node only): its struct handlers over
 * mutated bytes and mutated guest memory (`cli/structs`, `cli/memory`), and
 * the command line as a whole: `main()` (argument parsing
 * and every command, `convert` included) run in-process over mutated files
 * and mutated argument lists. The invariants of a command line: the exit
 * code is 0, 1 or 2; standard error is empty or one line starting
 * `bootproto: ` (exactly one on exit 2); nothing escapes `main` (Node would
 * print a stack trace); `--json` output parses.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '../../src/core/index.js';
import { detectFormat } from '../../src/detect.js';
import { STRUCTS, UsageError, inspectKernelImage, inspectPvhElf, multibootHeaders, type Inspection } from '../../src/cli/formats.js';
import { Violation, decoding, total, type Target } from './harness.js';
import { FIXTURES, SAMPLES, removeDir, runCli, tempDir } from './cli-run.js';
import { Rng } from './mutate.js';
import { TARGETS } from './targets.js';
import { fixture, fixtures, linuxDumps, makeContainer, mb1Dumps, mb2Dumps, openContainer, pvhDumps } from './seeds.js';

let workDir: string | undefined;
/** One temporary directory per process for the files the targets write (a few KiB; removed when the process exits). */
function work(): string {
  if (workDir === undefined) {
    const dir = tempDir('fuzz-cli');
    process.on('exit', () => removeDir(dir));
    workDir = dir;
  }
  return workDir;
}

const written = new Set<string>();

/**
 * Writes a file in place: opened without truncation, written, then cut to
 * length. On an ext4 disk mounted with `discard`, `writeFileSync` over an
 * existing file (an `O_TRUNC` open) cost about 3 ms, this about 30 µs.
 */
function putFile(file: string, bytes: Uint8Array, size = bytes.length): void {
  const fd = openSync(file, written.has(file) ? 'r+' : 'w');
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    if (size > bytes.length) ftruncateSync(fd, bytes.length); // the bytes after the input read as zeros
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  written.add(file);
}

function firstLines(s: string): string {
  return s.split('\n').slice(0, 6).join('\n');
}

/** The options that take a value, in `main`'s parser or `convert`'s (an option one of them does not know ends in a usage error there). */
const VALUE_OPTIONS = new Set(['--as', '--at', '--load', '--out', '--to', '--zero-page-at', '--e820-ext-at', ...STRUCTS.flatMap((s) => (s.params ?? []).map((p) => `--${p}`))]);

/**
 * Whether `--json` is given as a flag: not when it is the value of an
 * option before it (`--desc-size --json` sets the descriptor size to
 * "--json", as getopt would; regression cli-args-1).
 */
function jsonFlag(args: readonly string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    if (VALUE_OPTIONS.has(args[i] as string)) i++;
    else if (args[i] === '--json') return true;
  }
  return false;
}

/** How runs ended, by command and exit code (what the fuzzer reached; printed by the CLI tests' coverage check). */
export const cliOutcomes = new Map<string, number>();

/** Runs `bootproto ARGS…` and checks the command line's invariants. */
export function checkCli(args: readonly string[]): void {
  let r: ReturnType<typeof runCli>;
  const shown = args.map((a) => a.replace(work(), '$W').replace(SAMPLES, '$S/')).join(' ');
  try {
    r = runCli(args);
  } catch (e) {
    throw new Violation(`bootproto ${shown} let ${e instanceof Error ? firstLines(e.stack ?? `${e.name}: ${e.message}`) : String(e)} escape (Node prints a stack trace)`, e);
  }
  const outcome = `${args[0] ?? ''} → ${r.code}${r.code === 2 ? `: ${r.stderr.slice(11, 40).replace(/\d+|"[^"]*"?/g, '…')}` : ''}`;
  cliOutcomes.set(outcome, (cliOutcomes.get(outcome) ?? 0) + 1);
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) throw new Violation(`bootproto ${shown} exited ${String(r.code)}`);
  const err = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
  if (err.length > 1 || (err.length === 1 && !err[0]!.startsWith('bootproto: '))) {
    throw new Violation(`bootproto ${shown} wrote ${err.length} line(s) to stderr, not one "bootproto: …" line: ${firstLines(r.stderr)}`);
  }
  if (r.code === 2 && err.length !== 1) throw new Violation(`bootproto ${shown} exited 2 without its one-line error`);
  const help = args.includes('--help') || args.includes('-h') || args[0] === 'help' || args[0] === '--help' || args[0] === '-h';
  if (jsonFlag(args) && r.code !== 2 && !help) {
    try {
      JSON.parse(r.stdout);
    } catch {
      throw new Violation(`bootproto ${shown} exited ${r.code} with --json but printed no JSON: ${r.stdout.slice(0, 120)}`);
    }
  }
}

/** A cheap hash of an input, to pick its commands (reproducibly from the input alone). */
function hash(b: Uint8Array): number {
  let h = 0x811c9dc5 ^ b.length;
  const step = Math.max(1, b.length >> 6);
  for (let i = 0; i < b.length; i += step) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h >>> 0;
}

const CONTAINER_MAGIC = [0x42, 0x50, 0x4d, 0x43]; // "BPMC": the rest is a memory container (seeds.ts)
const FORMS = ['pvh-start-info', 'mb1-info', 'mb2-info'] as const;
const hexOf = (n: number | bigint): string => `0x${n.toString(16)}`;

/** Writes a container's regions to files: the `--load FILE@PADDR` arguments and the root pointer. */
function loadArgs(container: Uint8Array): { loads: string[]; root: number } {
  const { root, memory } = openContainer(container);
  const loads: string[] = [];
  memory.regions().forEach((r, i) => {
    const file = join(work(), `r${i}.bin`);
    putFile(file, r.bytes);
    loads.push('--load', `${file}@${hexOf(r.paddr)}`);
  });
  return { loads, root };
}

function paramsFor(name: string, rng: Rng): string[] {
  const h = STRUCTS.find((s) => s.name === name);
  return h?.params?.includes('desc-size') ? ['--desc-size', rng.pick(['48', '40', '24', '0', '4096'])] : [];
}

/**
 * `main()` over mutated files: a plain input is written to a file and run
 * through `inspect` and `validate --json` (detection), then three more
 * commands picked from every command, format and flag (`--as` each
 * structure at an offset, `dts`, `--json`); an input that is a memory
 * container (`BPMC` + the container of seeds.ts) is loaded as regions
 * (`--load FILE@PADDR …`) and run through `inspect`/`validate --as` each
 * structure read from memory and `convert --to boot-params` each form.
 */
export const cliMain: Target = {
  name: 'cli/main',
  smokeRuns: 300,
  seeds: () => [
    fixture('../../samples/pvh/guest.elf'),
    fixture('../../samples/fdt/qemu-aarch64-virt.dtb'),
    fixture('../../samples/linux/vmlinuz-head.bin'),
    fixture('../../samples/linux/kernel-pc-256M.zeropage.bin'),
    fixture('../../samples/efi-memmap/ovmf-q35-256M.memmap.bin'),
    fixture('pecoff/app64.efi'),
    fixture('fdt/overlay.dtb'),
    ...fixtures('multiboot', /^mb[12]-guest.*\.(elf|bin)$/),
    ...[...pvhDumps().map((d) => makeContainer(d.ebx, d.regions)), ...mb1Dumps().map((d) => makeContainer(d.ebx, d.regions)), ...mb2Dumps().map((d) => makeContainer(d.ebx, d.regions)), ...linuxDumps().map((d) => makeContainer(d.root, d.regions))].map((c) => {
      const out = new Uint8Array(4 + c.length);
      out.set(CONTAINER_MAGIC);
      out.set(c, 4);
      return out;
    }),
  ],
  run(b) {
    const rng = new Rng(hash(b));
    const json = (): string[] => (rng.chance(0.5) ? ['--json'] : []);
    if (CONTAINER_MAGIC.every((x, i) => b[i] === x)) {
      const { loads, root } = loadArgs(b.subarray(4));
      const at = rng.chance(0.9) ? root : rng.u32();
      const memoryStructs = STRUCTS.filter((s) => s.fromMemory !== undefined).map((s) => s.name);
      for (let i = 0; i < 3; i++) {
        const as = rng.pick(memoryStructs);
        checkCli([rng.pick(['inspect', 'validate']), '--as', as, ...paramsFor(as, rng), '--at', hexOf(at), ...loads, ...json()]);
      }
      const out = join(work(), 'out');
      const extra = [...(rng.chance(0.3) ? ['--xen'] : []), ...(rng.chance(0.2) ? ['--zero-page-at', hexOf(rng.u32() & ~0xfff)] : []), ...(rng.chance(0.2) ? ['--e820-ext-at', hexOf(rng.u32())] : [])];
      checkCli(['convert', '--to', 'boot-params', '--as', rng.pick(FORMS), '--at', hexOf(at), ...loads, '--out', out, ...extra, ...json()]);
      return;
    }
    const file = join(work(), 'input.bin');
    putFile(file, b);
    checkCli(['inspect', file]);
    checkCli(['validate', '--json', file]);
    for (let i = 0; i < 3; i++) {
      const k = rng.below(4);
      if (k === 0) {
        const as = rng.pick(STRUCTS).name;
        const at = rng.chance(0.7) ? 0 : rng.below(b.length + 16);
        checkCli([rng.pick(['inspect', 'validate']), '--as', as, ...paramsFor(as, rng), '--at', String(at), file, ...json()]);
      } else if (k === 1) checkCli(['dts', file, ...json()]);
      else if (k === 2) checkCli(['inspect', file, ...json()]);
      else checkCli(['validate', file, ...json()]);
    }
    // A kernel or PE image past the CLI's whole-file limit (16 MiB) has its
    // headers read in slices: the input, then sparse zeros up to 17 MiB.
    if (largeCandidate(b) && rng.chance(0.25)) {
      const large = join(work(), 'large.bin');
      putFile(large, b, LARGE_FILE);
      checkCli(['inspect', large, ...json()]);
    }
  },
};

/** The size of the large files `cli/main` makes: past the CLI's 16 MiB whole-file limit. */
const LARGE_FILE = 17 * 1024 * 1024;

/** Inputs `cli/main` may also run as a 17 MiB file: those detected as a kernel or PE image. */
function largeCandidate(b: Uint8Array): boolean {
  const format = detectFormat(b);
  return format === 'bzimage' || format === 'pe';
}

/**
 * The memory bound of an input that may run as a 17 MiB file counts that
 * file, not only the input (regression cli-main-1: a header claiming 32768
 * sections, all inside the sparse file, read and printed — 40 MB of heap
 * for a 5.9 KB input, 2.4 bytes per byte of the file).
 */
cliMain.allocExtra = (b) => (largeCandidate(b) ? 4 * LARGE_FILE : 0);

/**
 * Its time bound counts that file too, at 60 ns a byte of it (regression
 * cli-main-2: a header claiming 51974 sections, all inside the 17 MiB file,
 * listed whole in 12.9 MB of JSON: 250–370 ms, past the 200 ms of a 5.9 KB
 * input; 65535 sections take about 1.3 s through the command).
 */
cliMain.msExtra = (b) => (largeCandidate(b) ? (60 * LARGE_FILE) / 1e6 : 0);

/** Argument lists, one token a line; `S:` and `F:` name files under samples/ and test/fixtures/. */
const ARG_SEEDS: readonly string[][] = [
  ['inspect', 'S:pvh/guest.elf'],
  ['inspect', '--json', 'S:fdt/qemu-aarch64-virt.dtb'],
  ['validate', 'S:linux/vmlinuz-head.bin'],
  ['validate', '--json', 'S:pecoff/uki-objcopy.efi'],
  ['inspect', 'S:linux/kernel-pc-256M.zeropage.bin'],
  ['inspect', '--as', 'efi-memmap', '--desc-size', '48', 'S:efi-memmap/ovmf-q35-256M.memmap.bin'],
  ['inspect', '--as', 'setup-header', '--at', '0', 'S:linux/vmlinuz-head.bin', '--json'],
  ['inspect', '--as', 'pvh-start-info', '--at', '0x21e0', '--load', 'S:pvh/qemu-pc-128M/start_info.bin@0x21e0', '--load', 'S:pvh/qemu-pc-128M/modlist.bin@0x21c0', '--load', 'S:pvh/qemu-pc-128M/cmdline.bin@0x11c0', '--load', 'S:pvh/qemu-pc-128M/memmap.bin@0x5a8'],
  ['validate', '--as', 'mb1-info', '--at', '0x9500', '--load', 'S:multiboot/qemu-mb1-128M/info.bin@0x9500', '--load', 'S:multiboot/qemu-mb1-128M/mmap.bin@0x9000', '--load', 'S:multiboot/qemu-mb1-128M/cmdline.bin@0x10503c'],
  ['inspect', '--as', 'mb2-info', '--at', '0x1005f0', '--load', 'S:multiboot/grub-mb2-128M/info.bin@0x1005f0', '--json'],
  ['inspect', '--as', 'mb1-header', 'F:multiboot/mb1-guest.elf'],
  ['inspect', '--as', 'mb2-header', 'F:multiboot/mb2-guest.elf', '--json'],
  ['dts', 'S:fdt/qemu-aarch64-virt.dtb'],
  ['dts', '--json', 'F:fdt/features.dtb'],
  ['convert', '--to', 'boot-params', '--as', 'pvh-start-info', '--at', '0x21e0', '--load', 'S:pvh/qemu-pc-128M/start_info.bin@0x21e0', '--load', 'S:pvh/qemu-pc-128M/memmap.bin@0x5a8', '--out', 'O'],
  ['convert', '--to', 'boot-params', '--as', 'mb2-info', '--at', '0x1005f0', '--load', 'S:multiboot/grub-mb2-128M/info.bin@0x1005f0', '--out', 'O', '--json'],
  ['convert', '--to', 'boot-params', '--as', 'mb1-info', '--at', '0x9500', '--load', 'S:multiboot/qemu-mb1-128M/info.bin@0x9500', '--load', 'S:multiboot/qemu-mb1-128M/mmap.bin@0x9000', '--out', 'O', '--xen', '--zero-page-at', '0x90000'],
  ['convert', '--help'],
  ['samples', '--json', 'S:manifest.json'],
  ['help', 'inspect'],
  ['validate', '--help'],
  ['inspect', '--as', 'boot-params', '--at', 'zz', 'S:linux/kernel-pc-256M.zeropage.bin'],
  ['inspect', '--load', 'S:pvh/guest.elf@1', '--as'],
];

/** Tokens a token-level edit may put in: every option, command, structure and some lying values. */
const VOCABULARY: readonly string[] = [
  'inspect', 'validate', 'dts', 'convert', 'samples', 'help', '--help', '-h', '--json', '--as', '--at', '--load', '--out', '--to', 'boot-params',
  '--desc-size', '--zero-page-at', '--e820-ext-at', '--xen', '--', '-', '', '@', '0', '0x', '-1', '1e3', '0xffffffffffffffffff', '0x7fffffff',
  'S:fdt/qemu-aarch64-virt.dtb', 'S:pvh/guest.elf@0x1000', 'S:linux/vmlinuz-head.bin', 'S:pvh', 'F:fdt/overlay.dtb', 'S:manifest.json', ...FORMS,
  ...STRUCTS.map((s) => s.name),
];

/** Token-level edits (delete, duplicate, swap, insert from {@link VOCABULARY}), chosen from the input's hash. */
function editTokens(tokens: string[], rng: Rng): string[] {
  const out = [...tokens];
  const n = rng.below(3);
  for (let i = 0; i < n; i++) {
    const at = rng.below(out.length + 1);
    const k = rng.below(4);
    if (k === 0 && out.length > 0) out.splice(Math.min(at, out.length - 1), 1);
    else if (k === 1 && out.length > 0) out.splice(at, 0, out[Math.min(at, out.length - 1)] as string);
    else if (k === 2 && out.length > 1) {
      const j = rng.below(out.length);
      const a = Math.min(at, out.length - 1);
      [out[a], out[j]] = [out[j] as string, out[a] as string];
    } else out.splice(at, 0, rng.pick(VOCABULARY));
  }
  return out;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * `main()` over mutated argument lists: each input is text, one argument a
 * line, mutated like any bytes (so options lose letters, numbers gain them,
 * arguments move between commands). File tokens stay inside samples/,
 * test/fixtures/ or a temporary directory: `S:`/`F:` expand there, a path
 * from the root becomes relative (the run's working directory is the
 * temporary directory), and `--out` always writes there. Up to two
 * token-level edits (picked from the input's hash) add, drop, repeat or swap
 * whole arguments.
 */
export const cliArgs: Target = {
  name: 'cli/args',
  smokeRuns: 300,
  seeds: () => ARG_SEEDS.map((a) => textEncoder.encode(a.join('\n'))),
  run(b) {
    const dir = work();
    mkdirSync(join(dir, 'cwd'), { recursive: true });
    const tokens = editTokens(textDecoder.decode(b).split('\n'), new Rng(hash(b)));
    const args = tokens.map((t, i) => {
      if (tokens[i - 1] === '--out') return join(dir, 'out');
      if (t.startsWith('S:')) return join(SAMPLES, t.slice(2));
      if (t.startsWith('F:')) return join(FIXTURES, t.slice(2));
      return t.startsWith('/') ? `.${t}` : t;
    });
    const cwd = process.cwd();
    process.chdir(join(dir, 'cwd'));
    try {
      checkCli(args);
    } finally {
      process.chdir(cwd);
    }
  },
};

// ─── cli ─────────────────────────────────────────────────────────────────

/** A CLI handler's answer: BootprotoError or UsageError allowed; the result must render to JSON. */
function cliCall(what: string, fn: () => Inspection | { lines: string[]; json: Record<string, unknown> }): void {
  let r: Inspection | { lines: string[]; json: Record<string, unknown> } | undefined;
  try {
    r = decoding(what, fn);
  } catch (e) {
    if (e instanceof Violation && e.cause instanceof UsageError) return;
    throw e;
  }
  if (r) total(`${what} → toJson`, () => core.toJson(r.json));
}

/** The parameters a handler needs: a descriptor size for the EFI map (the map's size defaults to the input). */
function cliParams(names: readonly string[] | undefined): Record<string, string> {
  return names?.includes('desc-size') ? { 'desc-size': '48' } : {};
}

const cliStructs: Target = {
  name: 'cli/structs',
  smokeRuns: 500,
  seeds: () => [
    ...fixtures('pvh', /\.elf$/),
    ...fixtures('multiboot', /\.(elf|bin)$/),
    fixture('linux-bootparams/qemu-guest.bzImage'),
    ...fixtures('linux-bootparams', /zeropage\.bin$/),
    fixture('pecoff/uki-bootproto.efi'),
    fixture('pecoff/app64.efi'),
    fixture('efi-memmap/ovmf-q35-256M.memmap.bin'),
    fixture('fdt/features.dtb'),
    fixture('fdt/overlay.dtb'),
    ...mb2Dumps().map((d) => d.regions.find((r) => r.label === 'info')?.bytes ?? new Uint8Array()),
    ...pvhDumps().map((d) => d.regions.find((r) => r.label === 'start_info')?.bytes ?? new Uint8Array()),
  ],
  run(b) {
    total('detectFormat', () => detectFormat(b));
    for (const h of STRUCTS) {
      const params = cliParams(h.params);
      cliCall(`cli ${h.name}.fromBytes`, () => h.fromBytes(b, 0, params));
    }
    cliCall('cli inspectPvhElf', () => inspectPvhElf(b));
    cliCall('cli inspectKernelImage', () => inspectKernelImage(b));
    cliCall('cli multibootHeaders', () => multibootHeaders(b));
  },
};

const cliMemory: Target = {
  name: 'cli/memory',
  seeds: () => [
    ...pvhDumps().map((d) => makeContainer(d.ebx, d.regions)),
    ...mb1Dumps().map((d) => makeContainer(d.ebx, d.regions)),
    ...mb2Dumps().map((d) => makeContainer(d.ebx, d.regions)),
    ...linuxDumps().map((d) => makeContainer(d.root, d.regions)),
  ],
  run(b) {
    const { root, memory } = openContainer(b);
    for (const h of STRUCTS) {
      if (!h.fromMemory) continue;
      const params = cliParams(h.params);
      cliCall(`cli ${h.name}.fromMemory`, () => h.fromMemory?.(memory, BigInt(root), params) ?? { lines: [], json: {} });
    }
  },
};

/** The command line's targets (Node only: src/cli reads files and writes to stdout). */
export const CLI_TARGETS: readonly Target[] = [cliStructs, cliMemory, cliMain, cliArgs];

/** Every target, the library's then the command line's: what `npm run fuzz` and the node project's smoke pass run. */
export const ALL_TARGETS: readonly Target[] = [...TARGETS, ...CLI_TARGETS];
