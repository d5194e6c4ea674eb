// Every ```ts block of the guides (docs/guide-*.md) and of the README runs
// here, so none goes stale. Each block is written as a module beside this
// test (test/docs/.run/, git-ignored) with `bootproto` and `bootproto/<module>`
// pointed at the sources, then imported; a block that throws (or whose
// `assert` fails) fails its test. Blocks run with the repository as the
// working directory, so `samples/…` paths resolve. A block preceded by
// `<!-- file: PATH -->` is a test file kept in the repository (it runs with
// the other tests); here it is only compared with that file, so the guide
// shows exactly what runs.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const RUN = join(import.meta.dirname, '.run');

const files = [...readdirSync(join(ROOT, 'docs')).filter((f) => /^guide-.*\.md$/.test(f)).map((f) => `docs/${f}`)];

interface Block {
  file: string;
  line: number;
  code: string;
  /** The repository file the block shows (`<!-- file: … -->`). */
  includes?: string;
}

function blocks(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Block[] = [];
  const re = /(?:<!-- file: (\S+) -->\s*)?^```ts\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(re)) {
    const b: Block = { file, line: text.slice(0, m.index).split('\n').length, code: m[2] ?? '' };
    if (m[1] !== undefined) b.includes = m[1];
    out.push(b);
  }
  return out;
}

/** The block as a module importing the sources instead of the package. */
function toModule(code: string): string {
  const src = join(ROOT, 'src');
  return code.replace(/from '(bootproto)(?:\/([a-z0-9-]+))?'/g, (_m, _p: string, sub: string | undefined) => `from '${join(src, sub === undefined ? 'index.js' : `${sub}/index.js`)}'`);
}

mkdirSync(RUN, { recursive: true });
afterAll(() => rmSync(RUN, { recursive: true, force: true }));

for (const file of files) {
  const list = blocks(file);
  describe(file, () => {
    it.each(list.map((b) => [`line ${b.line}`, b] as const))('%s', async (_name, b) => {
      if (b.includes !== undefined) {
        // The file imports the sources by relative path where the guide says `bootproto`.
        const kept = readFileSync(join(ROOT, b.includes), 'utf8').replace(/from '(?:\.\.\/)+src\/(?:([a-z0-9-]+)\/)?index\.js'/g, (_m, sub: string | undefined) => `from 'bootproto${sub === undefined ? '' : `/${sub}`}'`);
        expect(b.code).toBe(kept);
        return;
      }
      const path = join(RUN, `${b.file.replace(/[/.]/g, '_')}_${b.line}.ts`);
      writeFileSync(path, toModule(b.code));
      const cwd = process.cwd();
      process.chdir(ROOT);
      try {
        await import(/* @vite-ignore */ path);
      } finally {
        process.chdir(cwd);
      }
    });
  });
}
