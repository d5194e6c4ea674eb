/**
 * Shared helpers of the tools tier (`test/tools/**`): running external
 * programs with a timeout, temporary directories, seeded test bytes, and
 * writing dumped memory regions to files for the command line's `--load`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built command line (`npm run build` writes it; `npm run test:tools` builds first). */
export const CLI = path.join(REPO_ROOT, 'dist/cli/main.js');

/** What a finished program did. */
export interface RunResult {
  /** The exit code, or null when it was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when it was killed for running past its timeout. */
  timedOut: boolean;
  /** Wall time in milliseconds. */
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  /** Kill it (and everything it started) after this many milliseconds (default 60 000). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `command` with `args` (no shell) and collects its output. The program
 * gets its own process group, so that on timeout it and its children (QEMU
 * under `run.sh`, say) are killed together, by that group's id. Never rejects
 * on a non-zero exit: check `code`.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - started,
      });
    });
  });
}

/** A one-line account of a run, for assertion messages. */
export function describeRun(what: string, r: RunResult): string {
  const how = r.timedOut ? `timed out after ${r.ms} ms` : r.signal !== null ? `killed by ${r.signal}` : `exited ${r.code}`;
  return `${what} ${how}\n--- stdout ---\n${r.stdout.slice(0, 4000)}\n--- stderr ---\n${r.stderr.slice(0, 4000)}`;
}

/** Runs `command` and throws, with its output, unless it exits 0. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(describeRun(`${command} ${args.join(' ')}`, r));
  return r;
}

/** Runs the built command line (`node dist/cli/main.js ARGS`). */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], options);
}

/** Whether the command line has been built. */
export function cliBuilt(): boolean {
  return fs.existsSync(CLI);
}

/** A fresh directory under the system's temporary directory (`bootproto-PREFIX-XXXXXX`). */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bootproto-${prefix}-`));
}

/** Removes a directory made by {@link makeTempDir}; set KEEP_TMP=1 to keep it for a look. */
export function removeTempDir(dir: string | undefined): void {
  if (dir === undefined) return;
  if (process.env.KEEP_TMP) {
    console.log(`kept ${dir}`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * `length` pseudo-random bytes from `seed` (mulberry32): the same bytes on
 * every run and machine, but without the short period of a counter pattern.
 */
export function seededBytes(seed: number, length: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A region of guest-physical memory to hand to the command line. */
export interface LoadRegion {
  label: string;
  paddr: bigint;
  bytes: Uint8Array;
}

/**
 * Writes each region to `dir/LABEL.bin` and returns the command line's
 * arguments that load them back: `--load FILE@0xPADDR` for each.
 */
export function writeRegionFiles(dir: string, regions: readonly LoadRegion[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const args: string[] = [];
  for (const r of regions) {
    const file = path.join(dir, `${r.label}.bin`);
    fs.writeFileSync(file, r.bytes);
    args.push('--load', `${file}@0x${r.paddr.toString(16)}`);
  }
  return args;
}

/** Formats a value as `0x` and lowercase hexadecimal digits (as the command line's JSON does). */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}
