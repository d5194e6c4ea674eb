/**
 * Runs in Chromium (vitest browser project): a File (here a Blob, as an
 * <input type="file"> or a drop hands one over) read through blobSource:
 * only the slices the headers need, each through slice().arrayBuffer(). No
 * node: imports; the sample comes through Vite as a URL and fetch.
 */
import { describe, expect, it } from 'vitest';
import { blobSource, countingSource } from '../../src/core/index.js';
import { readBzImageHeaders } from '../../src/linux-bootparams/index.js';
import { readPeHeaders } from '../../src/pecoff/index.js';
import kernelHeadUrl from '../../samples/linux/vmlinuz-head.bin?url';

const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');

describe('header readers over a browser Blob', () => {
  it.runIf(inBrowser)('reads a 40 MiB kernel File\'s headers from about 21 KB of it', async () => {
    const head = new Uint8Array(await (await fetch(kernelHeadUrl)).arrayBuffer());
    // 40 MiB: the sample head of Debian's vmlinuz, then zeros (a Blob of parts is not copied into one buffer).
    const file = new Blob([head, new Uint8Array(40 * 1024 * 1024 - head.length)]);
    const source = countingSource(blobSource(file));
    const kernel = await readBzImageHeaders(source);
    expect(kernel.protocolText).toBe('2.15');
    expect(kernel.kernelVersion).toMatch(/^6\.1\.0-/);
    expect(kernel.payload?.compression).toBe('xz');
    const { view, size } = await readPeHeaders(source);
    expect(size).toBe(40 * 1024 * 1024);
    expect(view.sections.count).toBe(4);
    expect(view.optionalHeader64?.magic).toBe(0x20b);
    expect(source.bytesRead).toBeLessThan(32 * 1024);
  });
});
