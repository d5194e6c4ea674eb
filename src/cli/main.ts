/**
 * `bootproto`: the command line. The only code of the package that uses
 * Node's APIs; everything it decodes goes through the library's public API.
 *
 * Exit codes: 0 success; 1 `validate` found errors (or `inspect` could not
 * decode the whole input); 2 usage error or
 * unreadable input.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootprotoError, createPhysicalMemory, hasErrors, problemFromError, readSourceSync, toJson, type MemoryRegion, type SyncByteSource } from '../core/index.js';
import { detectFormat } from '../detect.js';
import { decodeFdt, toDts } from '../fdt/index.js';
import { detectPeImage } from '../pecoff/index.js';
import { STRUCTS, UsageError, inspectKernelImage, inspectPvhElf, multibootHeaders, type Inspection, type StructHandler } from './formats.js';
import { renderProblems } from './render.js';
import { colorize, useColor } from './color.js';
import { CONVERT_HELP, runConvert } from './convert.js';
import { inspectKernelImageSource } from './linux.js';
import { peHeadersFromSource } from './pecoff.js';

const HELP: Record<string, string> = {
  main: `bootproto — read and check boot protocol structures

Usage:
  bootproto inspect FILE [--json] [--whole]
  bootproto inspect --as STRUCT [--at ADDR] (FILE | --load FILE@PADDR [--load FILE@PADDR …]) [--json]
  bootproto validate …            same inputs as inspect; prints every problem
  bootproto dts FILE.dtb          devicetree source that dtc compiles back to the same blob
  bootproto convert --to boot-params --as pvh-start-info|mb1-info|mb2-info --at PADDR --load FILE@PADDR … --out DIR
                                  the zero page a PVH or Multiboot handoff amounts to
  bootproto samples [MANIFEST]    inspects the bundled sample images
  bootproto help [COMMAND]

Structures (--as):
${STRUCTS.map((s) => `  ${s.name.padEnd(18)} ${s.summary}${s.options === undefined ? '' : `\n  ${''.padEnd(18)}   ${s.options}`}`).join('\n')}

A command refuses an option it does not take (usage error).
Exit codes: 0 ok; 1 validate found errors, or inspect could not decode the whole
input (the problems say why); 2 usage error or unreadable input.
`,
  inspect: `bootproto inspect — detect the format and print what it holds

  bootproto inspect FILE [--json] [--whole]
      Detects the format (DTB, bzImage, zero page, PE/COFF, ELF with a PVH note,
      Multiboot images, raw hvm_start_info) and decodes it. A kernel or PE
      image over 16 MiB is read in slices: its headers and section table,
      without the checksums, digest and directories that need every byte
      (--whole reads the whole file and shows them).
  bootproto inspect --as STRUCT --at PADDR --load FILE@PADDR [--load FILE@PADDR …] [--json]
      Builds physical memory from dumped regions (each FILE's bytes placed at
      PADDR) and decodes STRUCT at PADDR, following its pointers.
  bootproto inspect --as STRUCT [--at OFFSET] FILE [--json]
      Decodes STRUCT at OFFSET of FILE without following pointers.

  --json   machine-readable output; 64-bit values as "0x…" strings
           (schemas: docs/cli.md).
  Color only on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 on.
  Exit 0 decoded; 1 the input could not be decoded whole (problems say why);
  2 usage error or unreadable input.
`,
  validate: `bootproto validate — check a structure and print every problem

  Same inputs as inspect. A file is always read whole, whatever its size
  (every check needs every byte). Exit 0 when no error was found (warnings
  allowed), 1 when at least one error was found, 2 when the input cannot be
  read.

  --json   { "problems": [ … ] }: severity, code, format, structure, field,
           offset, paddr, message for each.
`,
  dts: `bootproto dts FILE.dtb [--json]

  Prints devicetree source for the blob: dtc -I dts -O dtb compiles it back
  to the same bytes (pass -b N to dtc when boot_cpuid_phys is not 0; the
  command says so on stderr).

  --json   { "format": "dts", "bootCpuidPhys": N, "dts": "…" }
`,
  convert: CONVERT_HELP,
  samples: `bootproto samples [MANIFEST] [--json]

  Inspects every sample listed in MANIFEST (default: the package's
  samples/manifest.json): the bundled images of each format.

  --json   one array: each sample's title, args and inspect --json output.
`,
};

interface Options {
  command: string;
  files: string[];
  as?: string;
  at?: bigint;
  loads: { file: string; paddr: bigint }[];
  json: boolean;
  /** `--whole`: read a large kernel or PE image whole instead of its headers only. */
  whole: boolean;
  help: boolean;
  /** Options of one structure's handler (`--desc-size 48`). */
  params: Record<string, string>;
  /** Every option given, as written (`--json`, `--desc-size`), for {@link checkOptions}. */
  given: string[];
}

/** The options some handler declares. */
const PARAMS = new Set(STRUCTS.flatMap((s) => s.params ?? []));

function parseNumber(text: string, what: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw new UsageError(`${what}: "${text}" is not a number (decimal or 0x hexadecimal)`);
  return BigInt(text);
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { command: argv[0] ?? 'help', files: [], loads: [], json: false, whole: false, help: false, params: {}, given: [] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('-')) o.given.push(a);
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--whole') o.whole = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--as') o.as = value();
    else if (a === '--at') o.at = parseNumber(value(), '--at');
    else if (a === '--load') {
      const v = value();
      const at = v.lastIndexOf('@');
      if (at <= 0) throw new UsageError(`--load takes FILE@PADDR, got "${v}"`);
      o.loads.push({ file: v.slice(0, at), paddr: parseNumber(v.slice(at + 1), '--load') });
    } else if (a.startsWith('--') && PARAMS.has(a.slice(2))) o.params[a.slice(2)] = value();
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else o.files.push(a);
  }
  return o;
}

const INSPECT_OPTIONS = ['--json', '--whole', '--as', '--at', '--load', ...[...PARAMS].map((p) => `--${p}`)];
/** The options each command takes besides `--help`/`-h`, and what its one operand is (`convert` parses its own). */
const COMMANDS: Readonly<Record<string, { takes: readonly string[]; operand: string }>> = {
  inspect: { takes: INSPECT_OPTIONS, operand: 'FILE' },
  validate: { takes: INSPECT_OPTIONS, operand: 'FILE' }, // --whole too: validate reads whole anyway
  dts: { takes: ['--json'], operand: 'FILE.dtb' },
  samples: { takes: ['--json'], operand: 'MANIFEST' },
  help: { takes: [], operand: 'COMMAND' },
};

/**
 * Refuses what the command would otherwise ignore without a word: an option
 * it does not take, a second operand, `--at` or a structure's option without
 * `--as` (`inspect FILE` detects the format and reads it from offset 0), a
 * FILE beside `--load` regions.
 */
function checkOptions(o: Options): void {
  const command = COMMANDS[o.command];
  if (command === undefined) throw new UsageError(`unknown command "${o.command}"; try bootproto help`);
  const { takes, operand } = command;
  for (const a of o.given) {
    if (a === '--help' || a === '-h' || takes.includes(a)) continue;
    throw new UsageError(`${o.command} does not take ${a}${takes.length === 0 ? '' : `; it takes ${takes.join(' ')}`}`);
  }
  if (o.files.length > 1) throw new UsageError(`${o.command} takes one ${operand}; "${o.files[1]}" is a second`);
  if (o.as !== undefined) {
    if (o.loads.length > 0 && o.files.length > 0) throw new UsageError(`${o.command}: give a FILE or --load regions, not both ("${o.files[0]}" and --load)`);
    return;
  }
  if (o.at !== undefined) throw new UsageError(`${o.command}: --at needs --as STRUCT (without it the format is detected at offset 0)`);
  const param = Object.keys(o.params)[0];
  if (param !== undefined) throw new UsageError(`${o.command}: --${param} needs --as ${STRUCTS.filter((s) => s.params?.includes(param)).map((s) => s.name).join(' | ')}`);
}

function readInput(file: string): Uint8Array {
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file} is a directory`);
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${file}: ${readError(e)}`);
  }
}

/**
 * Files larger than this are not read whole by `inspect FILE` when their
 * first bytes say kernel image or PE image: their headers are read in
 * slices instead (--whole overrides). Every other input is read whole.
 */
const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;
/**
 * What `inspect FILE` reads first of a large file to tell its format: enough
 * for the kernel and PE magic numbers (other formats are read whole anyway),
 * and not 4096, the size of a zero page. Later reads inside it are served
 * from it.
 */
const DETECT_BYTES = 8 * 1024;

/** A file opened for slice reads (a synchronous slice reader over a file descriptor). */
interface FileSource extends SyncByteSource {
  close(): void;
}

function openSource(file: string): FileSource {
  let fd: number;
  let size: number;
  try {
    fd = openSync(file, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${readError(e)}`);
  }
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      const out = new Uint8Array(length);
      let got = 0;
      try {
        while (got < length) {
          const n = readSync(fd, out, got, length - got, offset + got);
          if (n === 0) break; // the file shrank: the reader reports a short read
          got += n;
        }
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${readError(e)}`);
      }
      return out.subarray(0, got);
    },
    close(): void {
      closeSync(fd);
    },
  };
}

/**
 * A kernel or PE image over {@link WHOLE_FILE_LIMIT}: its headers read in
 * slices, or undefined when the file is smaller, --whole was given, or its
 * first bytes say another format (then it is read whole as before).
 */
function inspectLargeImage(o: Options, file: string): Inspection | undefined {
  if (o.whole) return undefined;
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory() || !st.isFile()) return undefined; // readInput says why
    size = st.size;
  } catch {
    return undefined;
  }
  if (size <= WHOLE_FILE_LIMIT) return undefined;
  const file_ = openSource(file);
  try {
    const head = readSourceSync(file_, 0, Math.min(file_.size, DETECT_BYTES), { format: 'pecoff', structure: 'file' });
    // Reads inside the first bytes come from them, the rest from the file.
    const source: SyncByteSource = {
      size: file_.size,
      read: (offset, length) => (offset + length <= head.length ? head.subarray(offset, offset + length) : file_.read(offset, length)),
    };
    const format = detectFormat(head);
    const note = `headers only: the file has ${source.size} bytes (over ${WHOLE_FILE_LIMIT}); inspect --whole reads it all for the checksum, digest and directories`;
    if (format === 'bzimage') {
      const result = inspectKernelImageSource(source);
      if (!detectPeImage(head)) return result;
      const pe = peHeadersFromSource(source, note);
      return {
        json: { ...result.json, pe: pe.json['pe'] },
        lines: [...result.lines, '', 'The same file as a PE/COFF image (the EFI stub):', ...pe.lines],
        problems: [...result.problems, ...pe.problems],
      };
    }
    if (format === 'pe') return peHeadersFromSource(source, note);
    return undefined;
  } finally {
    file_.close();
  }
}

/** The reason a file could not be read, in words (not Node's `ENOENT: …, stat 'x'`). */
function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many symbolic links',
    EIO: 'input/output error',
    ERR_FS_FILE_TOO_LARGE: 'too large to read into memory',
  };
  return (code !== undefined ? words[code] : undefined) ?? (e as Error).message;
}

/**
 * Inspects the input; a structure that cannot be decoded (a readable file
 * holding the wrong bytes) becomes a problem of an incomplete inspection,
 * not a usage error: `validate` then exits 1 and lists it.
 */
function inspectOrReport(o: Options): Inspection {
  try {
    return inspectInput(o);
  } catch (e) {
    if (!(e instanceof BootprotoError)) throw e;
    const problem = problemFromError(e);
    return { json: { format: o.as ?? null, problems: [problem] }, lines: [`${o.as ?? 'input'}: not decodable (see problems)`], problems: [problem], incomplete: true };
  }
}

function inspectInput(o: Options): Inspection {
  if (o.as !== undefined) {
    const handler = STRUCTS.find((s) => s.name === o.as);
    if (handler === undefined) throw new UsageError(`unknown structure "${o.as}"; known: ${STRUCTS.map((s) => s.name).join(', ')}`);
    for (const name of Object.keys(o.params)) {
      if (!(handler.params ?? []).includes(name)) throw new UsageError(`--${name} does not apply to --as ${handler.name}`);
    }
    if (o.loads.length > 0) {
      if (handler.fromMemory === undefined) throw new UsageError(`--as ${handler.name} reads a FILE, not --load regions`);
      if (o.at === undefined) throw new UsageError('--load needs --at PADDR: where the structure is');
      const regions: MemoryRegion[] = o.loads.map((l) => ({ paddr: l.paddr, bytes: readInput(l.file), label: l.file }));
      return handler.fromMemory(createPhysicalMemory(regions), o.at, o.params);
    }
    const file = o.files[0];
    if (file === undefined) throw new UsageError('give a FILE or --load FILE@PADDR');
    return handler.fromBytes(readInput(file), Number(o.at ?? 0n), o.params);
  }
  const file = o.files[0];
  if (file === undefined) throw new UsageError('give a FILE (or --as STRUCT with --load)');
  const large = inspectLargeImage(o, file);
  if (large !== undefined) return large;
  const bytes = readInput(file);
  const format = detectFormat(bytes);
  const struct = (name: string): StructHandler => STRUCTS.find((s) => s.name === name) as StructHandler;
  switch (format) {
    case 'pvh-elf':
    case 'elf':
      return withMultiboot(inspectPvhElf(bytes), bytes);
    case 'multiboot2-image':
    case 'multiboot1-image':
      return withMultiboot({ json: { format, problems: [] }, lines: [`${format}:`], problems: [] }, bytes);
    case 'pvh-start-info':
      return struct('pvh-start-info').fromBytes(bytes, 0, {});
    case 'boot-params':
      return struct('boot-params').fromBytes(bytes, 0, {});
    case 'fdt':
      return struct('fdt').fromBytes(bytes, 0, {});
    case 'bzimage':
      return withPe(inspectKernelImage(bytes), bytes);
    case 'pe':
      return struct('pe').fromBytes(bytes, 0, {});
    default:
      throw new UsageError(`${file}: unrecognised format (${format}); name the structure with --as (${STRUCTS.map((s) => s.name).join(', ')})`);
  }
}

/** Adds the PE/COFF view of a bzImage that is also a PE image (the EFI stub). */
function withPe(result: Inspection, bytes: Uint8Array): Inspection {
  if (!detectPeImage(bytes)) return result;
  const pe = (STRUCTS.find((s) => s.name === 'pe') as StructHandler).fromBytes(bytes, 0, {});
  return {
    json: { ...result.json, pe: pe.json['pe'] },
    lines: [...result.lines, '', 'The same file as a PE/COFF image (the EFI stub):', ...pe.lines],
    problems: [...result.problems, ...pe.problems],
  };
}

/** Adds the Multiboot headers an image carries (Xen has both) to its inspection. */
function withMultiboot(result: Inspection, bytes: Uint8Array): Inspection {
  const mb = multibootHeaders(bytes);
  if (mb.lines.length === 0) return result;
  return { ...result, json: { ...result.json, ...mb.json }, lines: [...result.lines, ...mb.lines] };
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printLines(lines: readonly string[]): void {
  print((useColor() ? colorize(lines) : lines).join('\n'));
}

function runInspect(o: Options, validate: boolean): number {
  // validate reads every byte whatever the size: a check it cannot make
  // (checksum, digest, certificates) would be a problem it silently missed.
  const result = inspectOrReport(validate ? { ...o, whole: true } : o);
  if (validate) {
    if (o.json) print(toJson({ problems: result.problems }));
    else {
      const lines: string[] = [];
      renderProblems(lines, result.problems);
      printLines(lines);
    }
    return hasErrors(result.problems) ? 1 : 0;
  }
  if (o.json) print(toJson(result.json));
  else {
    const lines = [...result.lines];
    renderProblems(lines, result.problems);
    printLines(lines);
  }
  return result.incomplete ? 1 : 0;
}

function runDts(o: Options): number {
  const file = o.files[0];
  if (file === undefined) throw new UsageError('bootproto dts FILE.dtb');
  const bytes = readInput(file);
  const tree = decodeFdt(bytes);
  if (tree.bootCpuidPhys !== 0) {
    process.stderr.write(`bootproto: note: boot_cpuid_phys is ${tree.bootCpuidPhys}, which DTS cannot express; compile with dtc -b ${tree.bootCpuidPhys}\n`);
  }
  if (o.json) print(toJson({ format: 'dts', bootCpuidPhys: tree.bootCpuidPhys, dts: toDts(tree) }));
  else print(toDts(tree));
  return 0;
}

interface Sample {
  title: string;
  args: string[];
}

function runSamples(o: Options): number {
  const here = dirname(fileURLToPath(import.meta.url));
  const manifest = resolve(o.files[0] ?? join(here, '..', '..', 'samples', 'manifest.json'));
  const base = dirname(manifest);
  let samples: Sample[];
  try {
    samples = JSON.parse(readFileSync(manifest, 'utf8')) as Sample[];
  } catch (e) {
    throw new UsageError(`cannot read the sample manifest ${manifest}: ${(e as Error).message}`);
  }
  const results: unknown[] = [];
  for (const s of samples) {
    // Paths in the manifest are relative to it: FILE, and FILE in FILE@PADDR.
    const args = s.args.map((a, i) => {
      if (i === 0 || a.startsWith('-')) return a; // the command, an option
      const prev = s.args[i - 1];
      if (prev === '--load') {
        const at = a.lastIndexOf('@');
        return `${join(base, a.slice(0, at))}${a.slice(at)}`;
      }
      if (prev === '--as' || prev === '--at' || (prev !== undefined && PARAMS.has(prev.slice(2)))) return a;
      return join(base, a);
    });
    const sampleOptions = parseArgs(args);
    checkOptions(sampleOptions);
    if (o.json) {
      results.push({ title: s.title, args: s.args, ...inspectOrReport(sampleOptions).json });
      continue;
    }
    print(`\n=== ${s.title}\n$ bootproto ${s.args.join(' ')}\n`);
    runInspect(sampleOptions, false);
  }
  if (o.json) print(toJson(results));
  return 0;
}

/** Runs the command line on `argv` (without `node` and the script); returns the exit code. */
export function main(argv: readonly string[]): number {
  let o: Options;
  try {
    if (argv[0] === 'convert') return runConvert(argv.slice(1)); // its own options (--to, --out)
    o = parseArgs(argv);
    if (o.command === '--help' || o.command === '-h') o.command = 'help';
    checkOptions(o);
    if (o.help || o.command === 'help') {
      const topic = o.command === 'help' ? (o.files[0] ?? 'main') : o.command;
      print(HELP[topic] ?? HELP['main'] ?? '');
      return 0;
    }
    switch (o.command) {
      case 'inspect':
        return runInspect(o, false);
      case 'validate':
        return runInspect(o, true);
      case 'samples':
        return runSamples(o);
      default:
        return runDts(o); // checkOptions knows no other command
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bootproto: ${e.message}\n`);
      return 2;
    }
    if (e instanceof BootprotoError) {
      process.stderr.write(`bootproto: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// A reader that stops early (`bootproto inspect … | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = main(process.argv.slice(2));
