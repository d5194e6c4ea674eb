/**
 * Shared helpers of the PE/COFF tests: the fixtures, the facts python3-pefile
 * and pesign wrote about them (test/fixtures/pecoff/facts.json), and small
 * byte patchers for corrupt variants.
 */
import { readBytes, readText } from '../helpers/files.js';

const dir = 'test/fixtures/pecoff/';

/** The names of the committed fixtures. */
export const FIXTURES = [
  'app64.efi',
  'app32.efi',
  'app64-signed.efi',
  'uki-objcopy.efi',
  'bplib.dll',
  'use-bplib.efi',
  'uki-bootproto.efi',
  'uki-objcopy-update.efi',
  'uki-objcopy-moved.efi',
  'app64-longname.efi',
  'app64-nosym.efi',
  'app64-nosym-longname.efi',
] as const;
/** A fixture name. */
export type FixtureName = (typeof FIXTURES)[number];

/** A fixture's bytes (a fresh copy on every call, so tests may patch it). */
export function fixture(name: FixtureName | 'cmdline-long.txt' | 'sbat-big.csv'): Uint8Array {
  return readBytes(dir + name);
}

/** What pefile reported for a fixture. */
export interface PefileFacts {
  size: number;
  dos: Record<string, number | string>;
  file: Record<string, number>;
  optional: Record<string, number>;
  directories: [number, number][];
  sections: Record<string, number | string>[];
  generateChecksum: number;
  pesignHash: string;
  exports: [number, string | null, number][];
  imports: [string, [string | null, number | null, number | null][]][];
  debug: (Record<string, number> & { codeView?: { CvSignature: string; Signature_String: string; Age: number; PdbFileName: string } })[];
}

/** The facts of every fixture. */
export const FACTS = JSON.parse(readText(dir + 'facts.json')) as Record<FixtureName, PefileFacts>;

/** Writes a little-endian u16/u32 into `bytes` at `offset`. */
export function put(bytes: Uint8Array, offset: number, value: number, width: 1 | 2 | 4 = 4): Uint8Array {
  for (let i = 0; i < width; i++) bytes[offset + i] = (value >>> (8 * i)) & 0xff;
  return bytes;
}

/** Reads a little-endian u32. */
export function get32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** Lowercase hexadecimal of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
