/**
 * Helpers of the command-line tests: the CLI run in-process (see
 * test/fuzz/cli-run.ts), sample and fixture paths, and dumped memory
 * regions written to files for `--load FILE@PADDR`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, SAMPLES, removeDir, runCli, tempDir, type CliRun } from '../fuzz/cli-run.js';

export { FIXTURES, SAMPLES, removeDir, runCli, tempDir, type CliRun };

/** `samples/<path>`. */
export const sample = (path: string): string => join(SAMPLES, path);
/** `test/fixtures/<path>`. */
export const fixturePath = (path: string): string => join(FIXTURES, path);

/** Writes regions to files in `dir` and returns the `--load FILE@PADDR` arguments. */
export function loadArgs(dir: string, name: string, regions: readonly { paddr: bigint; bytes: Uint8Array }[]): string[] {
  return regions.flatMap((r, i) => {
    const file = join(dir, `${name}-${i}.bin`);
    writeFileSync(file, r.bytes);
    return ['--load', `${file}@0x${r.paddr.toString(16)}`];
  });
}

/** The one line of an exit-2 run: `bootproto: …` on stderr, nothing on stdout. */
export function usageError(r: CliRun): string {
  if (r.code !== 2 || r.stdout !== '' || !/^bootproto: [^\n]*\n$/.test(r.stderr)) {
    throw new Error(`expected a one-line usage error, got exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(0, 200))}, stderr ${JSON.stringify(r.stderr)}`);
  }
  return r.stderr.slice('bootproto: '.length, -1);
}

/** The JSON a `--json` run printed. */
export function json<T = Record<string, unknown>>(r: CliRun): T {
  return JSON.parse(r.stdout) as T;
}
