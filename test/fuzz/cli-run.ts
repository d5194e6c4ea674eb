/**
 * The command line run in-process, with its standard output and error
 * captured: for the CLI tests (test/cli) and the `cli/main` and `cli/args`
 * fuzz targets. `src/cli/main.ts` runs `main(process.argv)` when loaded, so
 * it is loaded once here with `help` as its argument and its output muted;
 * then {@link runCli} calls the exported `main` with any arguments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one run of the command line did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

/** Runs `fn` with standard output and error collected instead of written. */
export function captured<T>(fn: () => T): { value: T; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as Write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as Write;
  try {
    return { value: fn(), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const argv = process.argv;
const exitCode = process.exitCode;
const stdoutWrite = process.stdout.write;
const stderrWrite = process.stderr.write;
process.argv = [argv[0] ?? 'node', 'bootproto', 'help'];
process.stdout.write = (() => true) as Write;
process.stderr.write = (() => true) as Write;
let loaded: typeof import('../../src/cli/main.js');
try {
  loaded = await import('../../src/cli/main.js');
} finally {
  process.stdout.write = stdoutWrite;
  process.stderr.write = stderrWrite;
  process.argv = argv;
  process.exitCode = exitCode;
}

/** `main` of `src/cli/main.ts`. */
export const main = loaded.main;

/**
 * Runs `bootproto ARGS…` in this process: the exit code and what it wrote.
 * An exception main lets out (Node would print its stack trace) is thrown.
 * Color follows `env` (default: none, as when the output is not a terminal).
 */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }): CliRun {
  const saved: Record<string, string | undefined> = {};
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'TERM']) {
    saved[k] = process.env[k];
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    const r = captured(() => main(args));
    return { code: r.value, stdout: r.stdout, stderr: r.stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The repository's `samples/` directory. */
export const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
/** The repository's `test/fixtures/` directory. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A fresh temporary directory (remove it with {@link removeDir}). */
export function tempDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `bootproto-${what}-`));
}

/** Removes a directory made by {@link tempDir}. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
