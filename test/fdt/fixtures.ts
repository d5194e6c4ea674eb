/** Loads the committed devicetree fixtures (test/fixtures/fdt), in Node and in the browser. */
import { readBytes, readGunzipped } from '../helpers/files.js';

export const FIXTURES = 'test/fixtures/fdt';

/** A fixture's bytes; `.gz` files are decompressed. */
export function fixture(name: string): Uint8Array {
  return name.endsWith('.gz') ? readGunzipped(`${FIXTURES}/${name}`) : readBytes(`${FIXTURES}/${name}`);
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
