/**
 * End to end against real firmware: boot our memory-map dumping UEFI
 * application (test/tools/efi-memmap-app) under Debian's OVMF in QEMU with
 * several machines and memory sizes, decode the raw map it prints, and check
 * it against -m; then boot Debian's Linux 6.1 through its EFI stub under the
 * same OVMF with efi=debug and check that the library prints each of the
 * kernel's `efi: memNN:` lines byte for byte and converts its map to the
 * very e820 table the stub handed the kernel; and boot GRUB for UEFI with a
 * Multiboot 2 kernel and check its Multiboot 2 memory map against
 * toMultiboot2Mmap of the EFI map it handed over.
 *
 * Needs qemu-system-x86_64, gcc, binutils, gnu-efi, ovmf (and, for the
 * kernel, apt-get download + dpkg-deb; the package is cached in
 * .cache/efi-memmap; for GRUB, grub-efi-amd64-bin, grub-common, xorriso,
 * mtools). Run with `npm run test:tools`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, type Problem } from '../../src/core/index.js';
import {
  EFI_MEMORY_WB,
  E820_TYPE_RAM,
  decodeMemoryMap,
  e820Total,
  encodeMemoryMap,
  linuxMemmapLine,
  memoryMapTotals,
  sortMemoryMap,
  toE820,
  toMultiboot2Mmap,
  validateMemoryMap,
  viewMemoryMap,
  type EfiMemoryMap,
} from '../../src/efi-memmap/index.js';
import { REPO_ROOT, describeRun, makeTempDir, removeTempDir, run, runOk } from './helpers.js';
import { parseEfiMemmapDump, type EfiMemmapDump } from './efi-memmap-app/dump.js';
import { parseLinuxEfiLog } from './efi-memmap-app/linux-log.js';
import { parseGrubMemoryTags } from './efi-memmap-app/mb2-dump.js';

const APP_DIR = path.join(REPO_ROOT, 'test/tools/efi-memmap-app');
const CACHE = path.join(REPO_ROOT, '.cache/efi-memmap');
/** The kernel package: $KERNEL_PACKAGE, else what linux-image-amd64 depends on now (the ABI number moves). */
let KERNEL_PACKAGE = process.env['KERNEL_PACKAGE'] ?? '';
const MIB = 1n << 20n;
const LEGACY_HOLE = 0x60000n;

const CASES = [
  ['q35', '128M'],
  ['q35', '256M'],
  ['q35', '1G'],
  ['q35', '3G'],
  ['pc', '128M'],
  ['pc', '512M'],
  ['pc', '4G'],
] as const;

function memBytes(mem: string): bigint {
  const m = /^(\d+)([MG])$/.exec(mem);
  if (m === null || m[1] === undefined) throw new Error(`unexpected -m ${mem}`);
  return BigInt(m[1]) * (m[2] === 'G' ? 1024n : 1n) * MIB;
}

const show = (ps: readonly Problem[]): string => ps.map(formatProblem).join('\n');

let tmp: string;
let app: string;

beforeAll(async () => {
  tmp = makeTempDir('efi-memmap');
  await runOk('bash', [path.join(APP_DIR, 'build.sh'), tmp], { timeoutMs: 120_000 });
  app = path.join(tmp, 'memmap.efi');
});

afterAll(() => removeTempDir(tmp));

async function boot(machine: string, mem: string): Promise<{ dump: EfiMemmapDump; ms: number }> {
  const out = path.join(tmp, `serial-${machine}-${mem}.txt`);
  const r = await run('bash', [path.join(APP_DIR, 'run.sh'), app, machine, mem, out], { timeoutMs: 150_000 });
  const serial = fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : '';
  if (r.code !== 0) throw new Error(`${describeRun(`run.sh ${machine} ${mem}`, r)}\n--- serial ---\n${serial.slice(-2000)}`);
  return { dump: parseEfiMemmapDump(serial), ms: r.ms };
}

describe.each(CASES)('OVMF -machine %s -m %s', (machine, mem) => {
  let dump: EfiMemmapDump;
  let map: EfiMemoryMap;
  const where = (): { descriptorSize: number; descriptorVersion: number; mapSize: number } => ({
    descriptorSize: dump.descriptorSize,
    descriptorVersion: dump.descriptorVersion,
    mapSize: dump.mapSize,
  });

  beforeAll(async () => {
    const b = await boot(machine, mem);
    dump = b.dump;
    map = decodeMemoryMap(dump.bytes, where());
    const t = memoryMapTotals(map);
    console.log(
      `${machine} ${mem}: ${b.ms} ms, DescriptorSize ${dump.descriptorSize}, version ${dump.descriptorVersion}, ` +
        `${map.descriptors.length} descriptors, ${t.byType.map((x) => `${x.name} ${x.descriptors}`).join(', ')}`,
    );
  });

  it('returns a version 1 map of whole descriptors, which decodes and encodes back', () => {
    expect(dump.descriptorVersion).toBe(1);
    expect(dump.descriptorSize).toBeGreaterThanOrEqual(40);
    expect(dump.mapSize % dump.descriptorSize).toBe(0);
    expect(encodeMemoryMap(map)).toEqual(dump.bytes);
    expect(viewMemoryMap(dump.bytes, where()).count).toBe(map.descriptors.length);
  });

  it('has no errors (at most an unsorted-order warning)', () => {
    const problems = validateMemoryMap(dump.bytes, where());
    expect(problems.filter((p) => p.code !== 'MEMMAP_UNSORTED'), show(problems)).toEqual([]);
    expect(validateMemoryMap(sortMemoryMap(map))).toEqual([]);
  });

  it('describes -m, less the legacy hole, as write-back memory', () => {
    let wb = 0n;
    for (const d of map.descriptors) if ((d.attribute & EFI_MEMORY_WB) !== 0n) wb += d.numberOfPages * 4096n;
    expect(wb).toBe(memBytes(mem) - LEGACY_HOLE);
  });

  it("converts to e820 as the EFI stub would: RAM is every RAM-like descriptor's bytes", () => {
    const { entries, extended } = toE820(map);
    const ramLike = memoryMapTotals(map).byType.filter((x) => [1, 2, 3, 4, 7].includes(x.type)).reduce((a, x) => a + x.bytes, 0n);
    expect(e820Total([...entries, ...extended], E820_TYPE_RAM)).toBe(ramLike);
  });
});

describe("Debian's Linux booted by OVMF with efi=debug", () => {
  let vmlinuz: string | undefined;

  beforeAll(async () => {
    fs.mkdirSync(CACHE, { recursive: true });
    if (KERNEL_PACKAGE === '') {
      const dep = await runOk('apt-cache', ['depends', 'linux-image-amd64'], { timeoutMs: 60_000 });
      KERNEL_PACKAGE = /Depends: (linux-image-[0-9][^\s]*-amd64)/.exec(dep.stdout)?.[1] ?? 'linux-image-6.1.0-56-amd64';
    }
    const debs = (): string[] => fs.readdirSync(CACHE).filter((f) => f.startsWith(`${KERNEL_PACKAGE}_`) && f.endsWith('.deb'));
    if (debs().length === 0) await runOk('apt-get', ['download', KERNEL_PACKAGE], { cwd: CACHE, timeoutMs: 300_000 });
    const x = path.join(tmp, 'kernel');
    await runOk('dpkg-deb', ['-x', path.join(CACHE, debs()[0] as string), x], { timeoutMs: 120_000 });
    const boot = path.join(x, 'boot');
    const name = fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
    vmlinuz = name === undefined ? undefined : path.join(boot, name);
  });

  it.each(['q35', 'pc'])('-machine %s -m 256M: every efi: memNN line, and the e820 table', async (machine) => {
    if (vmlinuz === undefined) throw new Error(`no vmlinuz in ${KERNEL_PACKAGE}`);
    const out = path.join(tmp, `linux-${machine}.txt`);
    const r = await run('bash', [path.join(APP_DIR, 'run-linux.sh'), vmlinuz, machine, '256M', out], { timeoutMs: 240_000 });
    const serial = fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : '';
    if (r.code !== 0) throw new Error(`${describeRun('run-linux.sh', r)}\n--- serial ---\n${serial.slice(-3000)}`);
    const log = parseLinuxEfiLog(serial);
    const descriptors = log.mem.map((l) => ({
      type: l.type,
      pad: 0,
      physicalStart: l.start,
      virtualStart: 0n,
      numberOfPages: (l.end + 1n - l.start) >> 12n,
      attribute: l.attribute,
    }));
    console.log(`Linux on ${machine} 256M: ${r.ms} ms, ${log.mem.length} descriptors, ${log.e820.length} e820 entries`);
    descriptors.forEach((d, i) => expect(linuxMemmapLine(d, i, { unaccepted: false })).toBe(log.mem[i]?.text));
    const sorted = (es: { addr: bigint; size: bigint; type: number }[]) => [...es].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    expect(sorted(toE820({ descriptors }).entries)).toEqual(sorted(log.e820));
  });
});

describe("Debian's GRUB for UEFI booting a Multiboot 2 kernel under OVMF", () => {
  it.each([
    ['q35', '256M'],
    ['pc', '512M'],
  ])('-machine %s -m %s: the mmap tag is toMultiboot2Mmap of the EFI mmap tag', async (machine, mem) => {
    const kernel = path.join(REPO_ROOT, 'test/fixtures/multiboot/mb2-guest.elf');
    const out = path.join(tmp, `grub-${machine}-${mem}.txt`);
    const r = await run('bash', [path.join(APP_DIR, 'run-grub-efi.sh'), kernel, machine, mem, out], { timeoutMs: 180_000 });
    const serial = fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : '';
    if (r.code !== 0) throw new Error(`${describeRun('run-grub-efi.sh', r)}\n--- serial ---\n${serial.slice(-3000)}`);
    const tags = parseGrubMemoryTags(serial);
    const map = decodeMemoryMap(tags.efi.bytes, { descriptorSize: tags.efi.descriptorSize, descriptorVersion: tags.efi.descriptorVersion });
    console.log(`GRUB on ${machine} ${mem}: ${r.ms} ms, ${map.descriptors.length} EFI descriptors, ${tags.mmap.length} mmap entries`);
    expect(validateMemoryMap(map).filter((p) => p.severity === 'error')).toEqual([]);
    expect(toMultiboot2Mmap(map)).toEqual(tags.mmap);
  });
});
