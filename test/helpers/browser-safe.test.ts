// The browser project runs every test file that test/helpers/node-only.ts
// does not list. A node: import anywhere in such a file, or in a local module
// it imports, stops it loading in Chromium: this finds that in the node
// project, with the way out (read files through test/helpers/files.ts, or
// list the test as node-only with its reason).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_ONLY } from './node-only.js';

const ROOT = resolve(import.meta.dirname, '../..');

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*')}$`);
const nodeOnly = NODE_ONLY.map(globToRegExp);

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(`${dir}/${e.name}`) : e.name.endsWith('.test.ts') ? [`${dir}/${e.name}`] : [],
  );
}

/** The node: modules a file reaches through its own imports and the local modules it imports. */
function nodeImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)) {
    const spec = m[1] ?? m[2] ?? '';
    if (spec.startsWith('node:')) found.push(`${file}: ${spec}`);
    else if (spec.startsWith('.') && !spec.includes('?')) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts')));
      if (target.endsWith('.ts') && !target.startsWith('src/')) found.push(...nodeImports(target, seen));
    }
  }
  return found;
}

describe('the browser project can load every test it runs', () => {
  const files = testFiles('test').filter((f) => !nodeOnly.some((re) => re.test(f)));
  it('runs the library tests', () => {
    for (const dir of ['core', 'pvh', 'fdt', 'linux-bootparams', 'pecoff', 'efi-memmap', 'multiboot']) {
      expect(files.some((f) => f.startsWith(`test/${dir}/`)), dir).toBe(true);
    }
  });
  it.each(files)('%s reaches no node: module (read files through test/helpers/files.ts, or list the test in test/helpers/node-only.ts)', (file) => {
    expect(nodeImports(file)).toEqual([]);
  });
});
