/**
 * Walks over input-controlled nesting keep their own stacks (issue 11): a
 * devicetree 1024 levels deep (the cursor's bound) decodes, encodes, prints
 * as DTS and as an outline, opens, validates, and an overlay that deep
 * applies and validates — with a call stack of 200 KiB, about a fifth of
 * Node's default, where a walk recursing once per level overflowed.
 * `deep.ts` makes the trees and runs the calls in a child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const outdir = new URL('../../.cache/fuzz/', import.meta.url);

async function runDeep(depth: number, stackKiB: number): Promise<Record<string, string>> {
  mkdirSync(outdir, { recursive: true });
  const outfile = fileURLToPath(new URL(`deep-${process.pid}.mjs`, outdir));
  await build({
    entryPoints: [fileURLToPath(new URL('deep.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
  const r = spawnSync(process.execPath, [`--stack-size=${stackKiB}`, outfile, String(depth)], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe('deep trees with a small call stack (node --stack-size=200)', () => {
  for (const depth of [1000, 1024]) {
    it(`${depth} levels: every tree walk, printer, encoder and overlay step works`, async () => {
      const results = await runDeep(depth, 200);
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(16);
      for (const [name, result] of Object.entries(results)) expect(`${name}: ${result}`).toBe(`${name}: ok`);
    }, 120_000);
  }
});
