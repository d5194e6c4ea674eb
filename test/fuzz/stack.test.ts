/**
 * Walks over input-controlled nesting keep their own stacks (issue 11): a
 * devicetree 1024 levels deep (the cursor's bound) decodes, encodes, prints
 * as DTS and as an outline, opens, validates, and an overlay that deep
 * applies and validates — with a call stack of 200 KiB, about a fifth of
 * Node's default, where a walk recursing once per level overflowed.
 * `deep.ts` makes the trees and runs the calls in a child process. The JSON
 * of such a tree too: `toJson` of the decoded tree, and the command line's
 * `inspect --json` of the blob (the bundled CLI run with that stack), whose
 * output is compared with `JSON.stringify` run here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fdtBlob } from '../../src/cli/fdt.js';
import { jsonReplacer } from '../../src/core/index.js';
import { cellsValue, FdtWriter } from '../../src/fdt/index.js';

const outdir = new URL('../../.cache/fuzz/', import.meta.url);

/** Bundles for Node 20 as ES modules: the children run the bundles. */
const bundle = (options: BuildOptions): Promise<unknown> => build({ bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', ...options });

async function runDeep(depth: number, stackKiB: number): Promise<Record<string, string>> {
  mkdirSync(outdir, { recursive: true });
  const outfile = fileURLToPath(new URL(`deep-${process.pid}.mjs`, outdir));
  await bundle({ entryPoints: [fileURLToPath(new URL('deep.ts', import.meta.url))], outfile });
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

/** A blob `depth` levels deep: the root and a chain of nodes below it, each with a property, written token by token. */
function deepBlob(depth: number): Uint8Array {
  const w = new FdtWriter();
  for (let level = 0; level < depth; level++) {
    w.beginNode(level === 0 ? '' : 'a');
    w.property('level', cellsValue([level]));
  }
  for (let level = 0; level < depth; level++) w.endNode();
  return w.finish();
}

describe('the JSON of a 1024-level tree with a small call stack (node --stack-size=200)', () => {
  it('toJson of the decoded tree, and bootproto inspect --json of the blob, give JSON.stringify\'s text', async () => {
    mkdirSync(outdir, { recursive: true });
    const dir = fileURLToPath(new URL(`json-${process.pid}/`, outdir));
    await bundle({
      entryPoints: { cli: fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)), lib: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
    });
    const blob = deepBlob(1024);
    const file = `${dir}deep.dtb`;
    writeFileSync(file, blob);
    const expected = JSON.stringify(fdtBlob.fromBytes(blob, 0, {}).json, jsonReplacer, 2); // here: Node's default stack
    const depthOf = (text: string): number => {
      let d = 0;
      for (let n = (JSON.parse(text) as { tree: { root: { children: unknown[] } } }).tree.root; n !== undefined; n = n.children[0] as typeof n) d++;
      return d;
    };
    expect(depthOf(expected)).toBe(1024);

    const cli = spawnSync(process.execPath, ['--stack-size=200', `${dir}cli.mjs`, 'inspect', '--json', file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toBe(`${expected}\n`);

    const script = `const { fdt, toJson } = await import(process.argv[1]);
const { readFileSync } = await import('node:fs');
process.stdout.write(toJson(fdt.decodeFdt(new Uint8Array(readFileSync(process.argv[2])))));`;
    const lib = spawnSync(process.execPath, ['--stack-size=200', '--input-type=module', '-e', script, pathToFileURL(`${dir}lib.mjs`).href, file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
    expect(lib.stderr).toBe('');
    expect(lib.status).toBe(0);
    expect(depthOf(`{"tree":${lib.stdout}}`)).toBe(1024);
    rmSync(dir, { recursive: true }); // 1 MB of bundles a run; kept when a check fails, to look into
  }, 120_000);
});

