/**
 * Runs in Chromium (vitest browser project): the module needs nothing from
 * Node. No node: imports; the fixtures come through Vite as URLs and fetch.
 */
import { describe, expect, it } from 'vitest';
import { pecoff } from '../../src/index.js';
import {
  authenticodeDigest,
  authenticodeSha256,
  buildUki,
  decodeCertificates,
  decodePeImage,
  decodeUki,
  peChecksum,
  validatePeImage,
} from '../../src/pecoff/index.js';
import app64Url from '../fixtures/pecoff/app64.efi?url';
import app32Url from '../fixtures/pecoff/app32.efi?url';
import signedUrl from '../fixtures/pecoff/app64-signed.efi?url';
import facts from '../fixtures/pecoff/facts.json';

const inBrowser = typeof window === 'object' && typeof navigator === 'object' && import.meta.url.startsWith('http');
const load = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('pecoff in the browser', () => {
  it.runIf(inBrowser)('runs in Chromium, without Node', () => {
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(pecoff.decodePeImage).toBe(decodePeImage);
  });

  it.runIf(inBrowser)('decodes, checks, digests and builds', async () => {
    const app64 = await load(app64Url);
    const signed = await load(signedUrl);
    const im = decodePeImage(app64);
    expect(im.sections.map((s) => s.resolvedName)).toContain('.bootproto_long');
    expect(peChecksum(im)).toBe(facts['app64.efi'].generateChecksum);
    expect(hex(authenticodeSha256(im))).toBe(facts['app64.efi'].pesignHash);
    expect(hex(await authenticodeDigest(im))).toBe(facts['app64.efi'].pesignHash);
    expect(decodeCertificates(decodePeImage(signed)).length).toBe(1);
    expect(validatePeImage(app64).filter((p) => p.severity === 'error')).toEqual([]);
    const uki = buildUki({ stub: app64, linux: await load(app32Url), cmdline: 'quiet', osrel: 'ID=x\n' });
    expect(decodeUki(decodePeImage(uki)).cmdline).toBe('quiet');
  });
});
