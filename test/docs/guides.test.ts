// Every ```ts block of the docs (docs/*.md: the guides and the per-module
// pages) and of the README runs here, so none goes stale. Each block is
// written as a module under
// .cache/docs-run/ (git-ignored) with `bootproto` and `bootproto/<module>`
// pointed at the sources, then imported; a block that throws (or whose
// `assert` fails) fails its test. Blocks run with the repository as the
// working directory, so `samples/…` paths resolve. A block preceded by
// `<!-- file: PATH -->` is a test file kept in the repository (it runs with
// the other tests); here it is only compared with that file, so the guide
// shows exactly what runs. A block preceded by `<!-- continued -->` goes on
// from the block before it: the two run as one module (names carry over).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const RUN = join(ROOT, '.cache/docs-run'); // git-ignored, and outside test/ so tsc -p test never sees it

const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

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
  const re = /(?:<!-- (?:file: (\S+)|(continued)) -->\s*)?^```ts\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(re)) {
    const before = m[2] !== undefined ? out[out.length - 1] : undefined;
    const code = m[3] ?? '';
    const b: Block = { file, line: text.slice(0, m.index).split('\n').length, code: before === undefined ? code : `${before.code}\n${code}` };
    if (m[1] !== undefined) b.includes = m[1];
    out.push(b);
  }
  return out;
}

/**
 * The README's and the module pages' examples are short: they use names they
 * do not define (the bytes of a kernel, a blob, a memory dump). This defines
 * them from the samples and fixtures (real files, made by real tools), so
 * that those examples run too. A page may give a name its own meaning.
 */
const NAMES: Record<string, string> = {
  kernelElfBytes: `__file('samples/pvh/guest.elf')`,
  guestRamDump: `__pvhRam()`,
  initrd: `new Uint8Array(3000)`,
  dtb: `__file('samples/fdt/qemu-aarch64-virt.dtb')`,
  vmlinuz: `__file('samples/linux/vmlinuz-head.bin')`,
  page: `__file('samples/linux/kernel-pc-256M.zeropage.bin')`,
  bytes: `__file('samples/pecoff/uki-objcopy.efi')`,
  map: `__file('samples/efi-memmap/ovmf-q35-256M.memmap.bin')`,
  memory: `__bp.createPhysicalMemory(__regions('samples/multiboot/qemu-mb1-128M', { 'info.bin': 0x9500n, 'mmap.bin': 0x9000n, 'mods.bin': 0x105000n, 'mod0-string.bin': 0x105020n, 'mod1-string.bin': 0x105033n, 'cmdline.bin': 0x10503cn, 'boot_loader_name.bin': 0x105060n, 'mod0-data.bin': 0x106000n, 'mod1-data.bin': 0x107000n }))`,
  ebx: `0x9500n`,
  mb2Memory: `__bp.createPhysicalMemory(__regions('samples/multiboot/grub-mb2-128M', { 'info.bin': 0x1005f0n, 'mod0-data.bin': 0x105000n, 'mod1-data.bin': 0x106000n }))`,
  mb2Ebx: `0x1005f0n`,
  kernelImage: `__file('test/fixtures/multiboot/mb2-guest.elf')`,
  stub: `__file('test/fixtures/pecoff/app64.efi')`,
  osrel: `'ID=debian\\nVERSION_ID=12\\n'`,
  rsdpBytes: `__file('samples/pvh/qemu-pc-128M/rsdp.bin')`,
  infoBytes: `__file('samples/multiboot/grub-mb2-128M/info.bin')`,
  xen: `__file('test/fixtures/multiboot/mb2-guest.elf')`, // no Xen image is committed: our Multiboot 2 guest stands in
  startInfo: `__file('samples/pvh/qemu-pc-128M/start_info.bin')`,
  memmap: `__file('samples/pvh/qemu-pc-128M/memmap.bin')`,
  ramDump: `__pvhRam()`,
};

/** What a name means on one page, where it differs from {@link NAMES}. */
const PAGE_NAMES: Record<string, Record<string, string>> = {
  'docs/pvh.md': {
    memory: `__bp.createPhysicalMemory([{ paddr: 0n, bytes: __pvhRam() }])`,
    ebx: `0x21e0n`,
  },
  'docs/multiboot.md': {
    ramDump: `__ram(__regions('samples/multiboot/qemu-mb1-128M', { 'info.bin': 0x9500n, 'mmap.bin': 0x9000n, 'mods.bin': 0x105000n, 'mod0-string.bin': 0x105020n, 'mod1-string.bin': 0x105033n, 'cmdline.bin': 0x10503cn, 'boot_loader_name.bin': 0x105060n, 'mod0-data.bin': 0x106000n, 'mod1-data.bin': 0x107000n }))`,
  },
  'docs/core.md': {
    bytes: `__file('samples/pvh/qemu-pc-128M/memmap.bin')`,
    count: `5`,
  },
  'docs/efi-memmap.md': {
    bytes: `__file('samples/efi-memmap/ovmf-q35-256M.memmap.bin')`,
    descriptorSize: `48`,
    mapSize: `bytes.length`,
  },
};

/** The definitions a block uses without declaring them. */
function prelude(file: string, code: string): string {
  const lines = [
    `import { readFileSync as __read } from 'node:fs';`,
    `import * as __bp from 'bootproto';`,
    `const __file = (p: string) => new Uint8Array(__read(p));`,
    `const __regions = (dir: string, files: Record<string, bigint>) => Object.entries(files).map(([f, paddr]) => ({ paddr, bytes: __file(dir + '/' + f), label: f }));`,
    `const __ram = (regions: { paddr: bigint; bytes: Uint8Array }[]) => { const ram = new Uint8Array(128 << 20); for (const r of regions) ram.set(r.bytes, Number(r.paddr)); return ram; };`,
    `const __pvhRam = () => __ram(__regions('samples/pvh/qemu-pc-128M', { 'start_info.bin': 0x21e0n, 'modlist.bin': 0x21c0n, 'cmdline.bin': 0x11c0n, 'memmap.bin': 0x5a8n, 'rsdp.bin': 0xf59d0n, 'mod0-data.bin': 0x7fd7000n }));`,
    `void __bp; void __regions; void __ram; void __pvhRam;`,
  ];
  for (const [name, init] of Object.entries({ ...NAMES, ...PAGE_NAMES[file] })) {
    const used = new RegExp(`\\b${name}\\b`).test(code);
    const declared = new RegExp(`\\b(?:const|let|var)\\s+${name}\\b`).test(code);
    if (used && !declared) lines.push(`const ${name} = ${init};`);
  }
  return lines.join('\n');
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
  if (list.length === 0) continue;
  describe(file, () => {
    it.each(list.map((b) => [`line ${b.line}`, b] as const))('%s', async (_name, b) => {
      if (b.includes !== undefined) {
        // The file imports the sources by relative path where the guide says `bootproto`.
        const kept = readFileSync(join(ROOT, b.includes), 'utf8').replace(/from '(?:\.\.\/)+src\/(?:([a-z0-9-]+)\/)?index\.js'/g, (_m, sub: string | undefined) => `from 'bootproto${sub === undefined ? '' : `/${sub}`}'`);
        expect(b.code).toBe(kept);
        return;
      }
      const path = join(RUN, `${b.file.replace(/[/.]/g, '_')}_${b.line}.ts`);
      writeFileSync(path, toModule(`${prelude(b.file, b.code)}\n${b.code}`));
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

// Types drift too: every block, as run above, also type-checks under the
// project's strict settings.
describe('the blocks type-check', () => {
  it('tsc --noEmit', () => {
    writeFileSync(
      join(RUN, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { types: ['node'], noEmit: true, noUnusedLocals: false }, include: ['*.ts'] }),
    );
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(RUN, 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      throw new Error(String((e as { stdout?: Buffer }).stdout ?? e));
    }
  }, 120_000);
});
