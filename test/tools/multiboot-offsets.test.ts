/**
 * The Multiboot 1 layouts against the compiler: Debian's `multiboot` package
 * (the Multiboot Specification 0.6.96 itself, with its example
 * `/usr/include/multiboot/multiboot.h`) is fetched with `apt-get download`
 * into `.cache/multiboot/`, and gcc -m32 lays the header's structures out;
 * every field's offset and every structure's size must equal ours, with one
 * known difference: that header's colour-information union is 4-byte aligned,
 * so gcc puts it at 112 and makes the structure 120 bytes, where the
 * specification's table (also in the package) says 110–115 and 116 bytes.
 * GRUB 2.06 compiles the same kind of union, and writes 112 (see the GRUB
 * video fixture). The specification's HTML is checked for the 110 too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specName, type Field, type Layout } from '../../src/core/index.js';
import * as mb from '../../src/multiboot/index.js';
import { REPO_ROOT, makeTempDir, removeTempDir, runOk } from './helpers.js';

const cache = path.join(REPO_ROOT, '.cache/multiboot');
let dir: string | undefined;
let root: string;
/** struct → member → offset ("SIZE" → sizeof). */
const offsets = new Map<string, Map<string, number>>();

/** The C member of each of our fields, where it is not the snake_case of the key or the spec name. */
const C_NAMES: Record<string, Record<string, string>> = {
  multiboot_info: { syms: 'u', colorInfo: 'framebuffer_palette_addr' },
  multiboot_mmap_entry: { addr: 'addr', len: 'len' },
  multiboot_mod_list: { cmdline: 'cmdline', pad: 'pad' },
};

const cases: [string, Layout][] = [
  ['multiboot_header', mb.MULTIBOOT_HEADER],
  ['multiboot_info', mb.MULTIBOOT_INFO],
  ['multiboot_aout_symbol_table', mb.MULTIBOOT_AOUT_SYMBOL_TABLE],
  ['multiboot_elf_section_header_table', mb.MULTIBOOT_ELF_SECTION_HEADER_TABLE],
  ['multiboot_mmap_entry', mb.MULTIBOOT_MMAP_ENTRY],
  ['multiboot_mod_list', mb.MULTIBOOT_MOD_LIST],
  ['multiboot_apm_info', mb.MULTIBOOT_APM_INFO],
  ['multiboot_color', mb.MULTIBOOT_COLOR],
];

const cName = (struct: string, key: string, f: Field): string => C_NAMES[struct]?.[key] ?? specName(key, f);

beforeAll(async () => {
  fs.mkdirSync(cache, { recursive: true });
  let deb = fs.readdirSync(cache).find((f) => /^multiboot_.*\.deb$/.test(f));
  if (deb === undefined) {
    await runOk('apt-get', ['download', 'multiboot'], { cwd: cache, timeoutMs: 300_000 });
    deb = fs.readdirSync(cache).find((f) => /^multiboot_.*\.deb$/.test(f));
  }
  root = path.join(cache, 'x-multiboot');
  if (!fs.existsSync(root)) await runOk('dpkg-deb', ['-x', path.join(cache, deb as string), root]);
  dir = makeTempDir('mb-offsets');
  // One asm comment per member: "#OFF struct member offset", read from gcc -S (no libc, no linking).
  let c = '#include <multiboot/multiboot.h>\n#define OFF(s, m) __asm__ volatile("#OFF " #s " " #m " %c0" :: "i"(__builtin_offsetof(struct s, m)));\n';
  c += '#define SIZE(s) __asm__ volatile("#OFF " #s " SIZE %c0" :: "i"(sizeof(struct s)));\nvoid probe(void) {\n';
  for (const [struct, layout] of cases) {
    c += `  SIZE(${struct})\n`;
    for (const key of layout.order) c += `  OFF(${struct}, ${cName(struct, key, layout.fields[key] as Field)})\n`;
  }
  c += '}\n';
  fs.writeFileSync(path.join(dir, 'probe.c'), c);
  await runOk('gcc', ['-m32', '-ffreestanding', '-S', '-o', path.join(dir, 'probe.s'), '-I', path.join(root, 'usr/include'), path.join(dir, 'probe.c')]);
  for (const line of fs.readFileSync(path.join(dir, 'probe.s'), 'utf8').split('\n')) {
    const m = /#OFF (\S+) (\S+) \$?(\d+)/.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) continue;
    if (!offsets.has(m[1])) offsets.set(m[1], new Map());
    offsets.get(m[1])?.set(m[2], Number(m[3]));
  }
});
afterAll(() => removeTempDir(dir));

describe("Multiboot 1 layouts equal gcc's layout of the specification's multiboot.h", () => {
  for (const [struct, layout] of cases) {
    it(struct, () => {
      const c = offsets.get(struct);
      expect(c, `${struct} in gcc's output`).toBeDefined();
      for (const key of layout.order) {
        const f = layout.fields[key] as Field;
        const want = struct === 'multiboot_info' && key === 'colorInfo' ? 112 : f.offset;
        expect(c?.get(cName(struct, key, f)), `${struct}.${key}`).toBe(want);
      }
      expect(c?.get('SIZE'), `sizeof(struct ${struct})`).toBe(struct === 'multiboot_info' ? 120 : layout.size);
    });
  }

  it("the specification's own table says color_info is at 110-115 (so 112 is the header's, and GRUB's, deviation)", () => {
    const html = fs.readFileSync(path.join(root, 'usr/share/doc/multiboot/html/Specification.html'), 'utf8').replace(/<[^>]*>/g, '');
    expect(html).toMatch(/109\s+\|\s+framebuffer_type/);
    expect(html).toMatch(/110-115\s+\|\s+color_info/);
    expect(html).toMatch(/110\s+\|\s+framebuffer_palette_addr/);
    expect(html).toMatch(/88\s+\|\s+framebuffer_addr/);
  });
});
