/** Loads the committed devicetree fixtures (test/fixtures/fdt) in Node. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/fdt');

/** A fixture's bytes; `.gz` files are decompressed. */
export function fixture(name: string): Uint8Array {
  const raw = readFileSync(join(FIXTURES, name));
  const bytes = name.endsWith('.gz') ? gunzipSync(raw) : raw;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}

/** The QEMU dumpdtb fixtures. */
export const QEMU_BLOBS = [
  'qemu-aarch64-virt-1cpu-128M.dtb.gz',
  'qemu-aarch64-virt-4cpu-2G.dtb.gz',
  'qemu-riscv64-virt-2cpu-256M.dtb.gz',
  'qemu-riscv64-virt-8cpu-1G.dtb.gz',
];

/** The dtc-compiled fixtures of features.dts. */
export const FEATURE_BLOBS = ['features.dtb', 'features-v16.dtb', 'features-v3.dtb', 'features-v2.dtb', 'features-cpu3.dtb', 'features-padded.dtb'];
