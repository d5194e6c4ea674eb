// The inspector page in a real browser: `npm run site` builds it, a small
// static server on 127.0.0.1 serves it, and Playwright drives Debian's
// Chromium through it with real files from the fixtures — a QEMU devicetree,
// a signed EFI application, the head of Debian's kernel image, and a damaged
// blob. A screenshot of each is kept in test/tools/artifacts/ (git-ignored).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectFile } from '../../site/inspect.js';
import { multiboot } from '../../src/index.js';
import { REPO_ROOT } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const SITE = join(REPO_ROOT, 'site/dist');
const ARTIFACTS = join(REPO_ROOT, 'test/tools/artifacts');
const FIXTURES = join(REPO_ROOT, 'test/fixtures');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

let server: Server;
let browser: Browser;
let page: Page;
let origin = '';
/** Requests to anywhere but the page's own server: there must be none. */
const foreign: string[] = [];
/** Uncaught exceptions and console errors of the page: there must be none. */
const errors: string[] = [];

beforeAll(async () => {
  execFileSync('npm', ['run', '--silent', 'site'], { cwd: REPO_ROOT, stdio: 'pipe' });
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(SITE, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(SITE) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) foreign.push(r.url());
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector('#samples button');
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server === undefined ? ok() : server.close(() => ok())));
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});

async function pick(name: string, bytes: Uint8Array): Promise<void> {
  await page.setInputFiles('#file', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await page.waitForFunction((n) => document.getElementById('status')?.textContent?.startsWith(`${n}:`), name);
}

/** Clicks the tree row whose label is `label` (the first one). */
async function clickField(label: string): Promise<void> {
  await page.locator('#tree .row', { has: page.locator('.label', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first().click();
}

const selectedBytes = (): Promise<number[]> =>
  page.$$eval('#hex .byte.sel', (cells) => cells.map((c) => Number((c as HTMLElement).dataset['offset'])));
const selectedLabel = (): Promise<string | null> => page.locator('#tree [aria-selected="true"] > .row > .label').first().textContent();

describe('the inspector page in Chromium', () => {
  it('decodes a DTB QEMU generated: header tree, a field highlights its bytes, a byte selects its field', async () => {
    const dtb = gunzipSync(readFileSync(join(FIXTURES, 'fdt/qemu-aarch64-virt-1cpu-128M.dtb.gz')));
    await pick('qemu-aarch64-virt.dtb', dtb);
    expect(await page.textContent('#status')).toContain('Flattened devicetree blob');
    expect(await page.locator('#tree .label', { hasText: /^fdt_header$/ }).count()).toBe(1);
    await clickField('off_dt_strings');
    expect(await selectedBytes()).toEqual([12, 13, 14, 15]);
    // The other way round: byte 0x14 (version) selects `version`.
    await page.click('#hex .byte[data-offset="20"]');
    expect(await selectedLabel()).toBe('version');
    expect(await selectedBytes()).toEqual([20, 21, 22, 23]);
    // A node of the structure block (expanded from the tree) points at its FDT_BEGIN_NODE token.
    await clickField('structure block');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    expect(await selectedLabel()).toBe('/');
    const root = await selectedBytes();
    const off = dtb.readUInt32BE(8);
    expect(root[0]).toBe(off);
    expect(dtb.readUInt32BE(off)).toBe(1); // FDT_BEGIN_NODE
    // The problems are the validator's (QEMU's blob carries 1 MiB of free space: a note, not an error).
    const problems = inspectFile(new Uint8Array(dtb)).problems;
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(await page.locator('#problems li').count()).toBe(problems.length);
    await page.screenshot({ path: join(ARTIFACTS, 'site-dtb.png'), fullPage: true });
    // The README's picture (docs/images/inspector.png is a copy): a field of the tree selected.
    await clickField('off_dt_strings');
    await page.screenshot({ path: join(ARTIFACTS, 'site-readme.png') });
  });

  it('decodes a signed EFI application: PE headers, sections, and the same problems as the library', async () => {
    const efi = new Uint8Array(readFileSync(join(FIXTURES, 'pecoff/app64-signed.efi')));
    await pick('app64-signed.efi', efi);
    expect(await page.textContent('#status')).toContain('PE/COFF');
    for (const s of ['IMAGE_DOS_HEADER', 'IMAGE_FILE_HEADER', 'IMAGE_OPTIONAL_HEADER64', 'section table']) {
      expect(await page.locator('#tree .label', { hasText: new RegExp(`^${s}$`) }).count()).toBe(1);
    }
    await clickField('e_lfanew');
    expect(await selectedBytes()).toEqual([0x3c, 0x3d, 0x3e, 0x3f]);
    const peOffset = efi[0x3c]! | (efi[0x3d]! << 8);
    await clickField('Machine');
    expect(await selectedBytes()).toEqual([peOffset + 4, peOffset + 5]);
    const expected = inspectFile(efi).problems.length;
    expect(await page.locator('#problems li').count()).toBe(expected);
    await page.screenshot({ path: join(ARTIFACTS, 'site-efi.png'), fullPage: true });
  });

  it('decodes the head of a bzImage: setup header at 0x1f1, HdrS at 0x202, and its EFI stub', async () => {
    const head = new Uint8Array(readFileSync(join(FIXTURES, 'linux-bootparams/vmlinuz-head.bin')));
    await pick('vmlinuz-head.bin', head);
    expect(await page.textContent('#status')).toContain('x86 Linux kernel image with an EFI stub');
    await clickField('header');
    expect(await selectedBytes()).toEqual([0x202, 0x203, 0x204, 0x205]);
    expect(await page.locator('#hex .byte.sel').allTextContents()).toEqual(['48', '64', '72', '53']); // "HdrS"
    expect(await page.locator('#tree .label', { hasText: /^EFI stub \(PE\/COFF\)$/ }).count()).toBe(1);
    // Keyboard: from the hex view, arrows move the cursor and Enter selects the field under it.
    await page.click('#hex .byte[data-offset="496"]'); // 0x1f0: no field
    await page.keyboard.press('ArrowRight'); // 0x1f1 setup_sects
    await page.keyboard.press('Enter');
    expect(await selectedLabel()).toBe('setup_sects');
    const expected = inspectFile(head).problems.length;
    expect(await page.locator('#problems li').count()).toBe(expected);
    await page.screenshot({ path: join(ARTIFACTS, 'site-bzimage.png'), fullPage: true });
  });

  it('lists the problems of a truncated blob, each linked to its bytes', async () => {
    const dtb = new Uint8Array(readFileSync(join(FIXTURES, 'fdt/features.dtb'))).subarray(0, 200);
    await pick('truncated.dtb', dtb);
    const problems = inspectFile(dtb).problems;
    expect(problems.some((p) => p.severity === 'error')).toBe(true);
    expect(await page.locator('#problems li.error').count()).toBe(problems.filter((p) => p.severity === 'error').length);
    const first = problems.find((p) => p.offset < dtb.length)!;
    await page.locator('#problems button:not([disabled])').first().click();
    expect(await page.locator('#hex .byte.cursor').getAttribute('data-offset')).toBe(String(first.offset));
    // The header is still shown, read field by field: the problem selects the field at fault.
    expect(first.field).toBe('totalsize');
    expect(await selectedLabel()).toBe('totalsize');
    expect(await selectedBytes()).toEqual([4, 5, 6, 7]);
    await page.screenshot({ path: join(ARTIFACTS, 'site-problems.png'), fullPage: true });
  });

  it('decodes a file dropped on the page', async () => {
    const elf = [...readFileSync(join(REPO_ROOT, 'samples/pvh/guest.elf'))];
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'dropped.elf'));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, elf);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('dropped.elf:'));
    expect(await page.textContent('#status')).toContain('PVH entry note');
    await clickField('entry');
    // The note's descriptor (after its 12-byte header and "Xen\\0"): 0x100000, little-endian.
    expect((await selectedBytes())[0]).toBe(0x14fc + 16);
    expect(await page.locator('#hex .byte.sel').allTextContents()).toEqual(['00', '00', '10', '00']);
  });

  it('breaks every Multiboot 2 information tag into its fields: a field highlights its bytes, a byte selects its field', async () => {
    const info = new Uint8Array(readFileSync(join(REPO_ROOT, 'samples/multiboot/grub-mb2-128M/info.bin')));
    // The model: each tag's fields, what follows them and the padding cover the tag's bytes exactly, in order.
    const model = inspectFile(info, { as: 'mb2-info', paddr: 0x1005f0n });
    const tags = model.tree.find((n) => n.label === 'tags')!.children!;
    expect(tags.length).toBe(12);
    for (const tag of tags) {
      let at = tag.offset!;
      for (const f of tag.children!) {
        expect(f.offset, `${tag.label} ${f.label}`).toBe(at);
        at += f.size!;
      }
      expect(at, tag.label).toBe(tag.offset! + ((tag.size! + 7) & ~7));
    }
    await page.locator('#samples button', { hasText: /^Multiboot 2 information/ }).click();
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('multiboot/grub-mb2-128M/info.bin:'));
    expect(await page.textContent('#status')).toContain('Multiboot 2 boot information');
    // GRUB's command line tag (type 1 at 0x18, 34 bytes): the tag, then its string.
    await clickField('[1] MULTIBOOT2_TAG_TYPE_CMDLINE');
    expect(await selectedBytes()).toEqual(Array.from({ length: 34 }, (_, i) => 0x18 + i));
    await page.click('#hex .byte[data-offset="40"]');
    expect(await selectedLabel()).toBe('string');
    const text = (await page.locator('#hex .byte.sel').allTextContents()).map((h) => String.fromCharCode(parseInt(h, 16))).join('');
    expect(text).toBe('console=ttyS0 hello=world\0');
    // The leftover bytes GRUB leaves after a tag are their own field.
    await page.click('#hex .byte[data-offset="21"]');
    expect(await selectedLabel()).toBe('padding');
    expect(await selectedBytes()).toEqual([20, 21, 22, 23]);
    // A memory map entry's type (entry 0 of the mmap tag at 0xc0: entries from 0xd0, type at +16).
    await clickField('[6] MULTIBOOT2_TAG_TYPE_MMAP');
    await page.click('#hex .byte[data-offset="225"]');
    expect(await selectedLabel()).toBe('type');
    expect(await selectedBytes()).toEqual([224, 225, 226, 227]);
    await page.screenshot({ path: join(ARTIFACTS, 'site-mb2-info.png'), fullPage: true });
  });

  it('breaks a Multiboot 2 header\'s tags into their fields', async () => {
    const elf = new Uint8Array(readFileSync(join(FIXTURES, 'multiboot/mb2-guest.elf')));
    const found = multiboot.findMb2Header(elf)!;
    await pick('mb2-guest.elf', elf);
    await clickField('multiboot_header (Multiboot 2)');
    expect(await selectedBytes()).toHaveLength(found.header.headerLength);
    // Tag 0 is an information request (type 1) listing the tags the kernel wants: its second entry.
    const entry = found.offset + 16 + 8 + 4;
    await page.click(`#hex .byte[data-offset="${entry + 1}"]`);
    expect(await selectedLabel()).toBe('[1]');
    expect(await selectedBytes()).toEqual([entry, entry + 1, entry + 2, entry + 3]);
    expect(await page.textContent('#field')).toContain('MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME');
    // The tag's flags (u16 at +2).
    await page.click(`#hex .byte[data-offset="${found.offset + 16 + 2}"]`);
    expect(await selectedLabel()).toBe('flags');
    expect(await selectedBytes()).toEqual([found.offset + 18, found.offset + 19]);
    await page.screenshot({ path: join(ARTIFACTS, 'site-mb2-header.png'), fullPage: true });
  });

  it('opens every sample with one click, and reads on a narrow screen', async () => {
    const n = await page.locator('#samples button').count();
    expect(n).toBeGreaterThanOrEqual(9);
    for (let i = 0; i < n; i++) {
      await page.locator('#samples button').nth(i).click();
      await page.waitForFunction(() => (document.getElementById('tree')?.childElementCount ?? 0) > 0);
      expect(await page.textContent('#status')).not.toContain('could not');
      expect(await page.textContent('#status')).not.toContain('Unrecognised');
      await page.evaluate(() => document.getElementById('tree')?.replaceChildren());
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#samples button').nth(2).click();
    await page.waitForFunction(() => (document.getElementById('tree')?.childElementCount ?? 0) > 0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'site-narrow.png'), fullPage: true });
  });
});
