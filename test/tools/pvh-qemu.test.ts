/**
 * End to end against QEMU: boot our PVH dump guest (test/tools/pvh-guest)
 * under `pc` and `q35` with 128M and 512M, parse the start_info and
 * everything it points to from the guest's serial dump, and check that
 * bootproto reads the handoff QEMU really built: through the library
 * (decodeHandoff, validateHandoff) and through the command line
 * (`inspect`, `validate`). The guest's PVH note is cross-checked against
 * binutils' `readelf`.
 *
 * Needs qemu-system-x86_64, gcc, as, ld and readelf (`.ci/run` installs
 * them); run with `npm run test:tools`, which builds dist/ first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootprotoError, createPhysicalMemory, formatProblem, toJson, type PhysicalMemory, type Problem } from '../../src/core/index.js';
import {
  XEN_HVM_MEMMAP_TYPE_RAM,
  XEN_HVM_START_MAGIC_VALUE,
  decodeHandoff,
  findPvhEntry,
  validateHandoff,
  type PvhHandoff,
} from '../../src/pvh/index.js';
import {
  CLI,
  REPO_ROOT,
  cliBuilt,
  describeRun,
  hex,
  makeTempDir,
  removeTempDir,
  run,
  runCli,
  runOk,
  seededBytes,
  writeRegionFiles,
} from './helpers.js';
import { parsePvhDump, type PvhDump } from './pvh-guest/dump.js';

const GUEST_DIR = path.join(REPO_ROOT, 'test/tools/pvh-guest');

/** The -initrd: 5000 seeded pseudo-random bytes (not the committed fixture). */
const INITRD = seededBytes(0xb0075eed, 5000);

/** The -append: spaces, both kinds of quotes, a backslash and most ASCII punctuation. */
const APPEND = `console=ttyS0 bootproto-test="a b  c" single='x y' punct=!#$%&()*+,-./:;<=>?@[\\]^_\`{|}~ empty= "quoted=1 2" last`;

const CASES = [
  ['pc', '128M'],
  ['pc', '512M'],
  ['q35', '128M'],
  ['q35', '512M'],
] as const;

const MIB = 1n << 20n;

/** "128M" → bytes. */
function memBytes(mem: string): bigint {
  const m = /^(\d+)M$/.exec(mem);
  if (m === null || m[1] === undefined) throw new Error(`unexpected -m ${mem}`);
  return BigInt(m[1]) * MIB;
}

const errorsOf = (problems: readonly Problem[]): Problem[] => problems.filter((p) => p.severity === 'error');
const show = (problems: readonly Problem[]): string => problems.map(formatProblem).join('\n');

let tmp: string;
let guestElf: string;
let initrdFile: string;

/** One boot of the guest: its dump, and the memory over the dumped regions. */
interface Boot {
  machine: string;
  mem: string;
  dump: PvhDump;
  memory: PhysicalMemory;
  serial: string;
  ms: number;
}

const boots = new Map<string, Promise<Boot>>();

/** Boots the guest once per machine and size (later callers share the result). */
function bootGuest(machine: string, mem: string): Promise<Boot> {
  const key = `${machine}-${mem}`;
  let boot = boots.get(key);
  if (boot === undefined) {
    boot = (async () => {
      const out = path.join(tmp, `serial-${key}.txt`);
      const r = await run('bash', [path.join(GUEST_DIR, 'run.sh'), guestElf, machine, mem, initrdFile, APPEND, out], { timeoutMs: 120_000 });
      const serial = fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : '';
      if (r.code !== 0) throw new Error(`${describeRun(`run.sh ${machine} ${mem}`, r)}\n--- serial ---\n${serial.slice(0, 2000)}`);
      const dump = parsePvhDump(serial);
      return { machine, mem, dump, memory: createPhysicalMemory(dump.regions), serial, ms: r.ms };
    })();
    boots.set(key, boot);
  }
  return boot;
}

function region(dump: PvhDump, label: string): PvhDump['regions'][number] {
  const r = dump.regions.find((x) => x.label === label);
  if (r === undefined) throw new Error(`the dump has no region "${label}" (has ${dump.regions.map((x) => x.label).join(', ')})`);
  return r;
}

function requireCli(): void {
  if (!cliBuilt()) throw new Error(`${CLI} is missing: run \`npm run build\` (src/cli/main.ts) first`);
}

/** The command line's `--load` arguments for the dump's regions, written to files under `dir`. */
function loadArgs(dir: string, regions: PvhDump['regions']): string[] {
  return writeRegionFiles(dir, regions);
}

beforeAll(async () => {
  tmp = makeTempDir('pvh-qemu');
  await runOk('bash', [path.join(GUEST_DIR, 'build.sh'), tmp], { timeoutMs: 120_000 });
  guestElf = path.join(tmp, 'guest.elf');
  initrdFile = path.join(tmp, 'initrd.bin');
  fs.writeFileSync(initrdFile, INITRD);
});

afterAll(() => removeTempDir(tmp));

describe.each(CASES)('QEMU -machine %s -m %s', (machine, mem) => {
  let boot: Boot;
  let handoff: PvhHandoff;

  beforeAll(async () => {
    boot = await bootGuest(machine, mem);
    handoff = decodeHandoff(boot.memory, BigInt(boot.dump.ebx));
    const ram = handoff.memmap.filter((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM).reduce((a, e) => a + e.size, 0n);
    console.log(
      `${machine} ${mem}: ${boot.ms} ms, ebx ${hex(boot.dump.ebx)}, ` +
        boot.dump.regions.map((r) => `${r.label}@${hex(r.paddr)}+${hex(r.bytes.length)}`).join(' ') +
        `, ${handoff.memmap.length} memmap entries, RAM ${hex(ram)}`,
    );
  });

  it('decodeHandoff reads the start_info QEMU wrote', () => {
    const { dump } = boot;
    expect(handoff.startInfoPaddr).toBe(BigInt(dump.ebx));
    expect(region(dump, 'start_info').paddr).toBe(BigInt(dump.ebx));
    expect(handoff.startInfo.magic).toBe(XEN_HVM_START_MAGIC_VALUE);
    expect(handoff.startInfo.version).toBe(1);
    expect(handoff.startInfo.cmdlinePaddr).toBe(region(dump, 'cmdline').paddr);
    expect(handoff.startInfo.modlistPaddr).toBe(region(dump, 'modlist').paddr);
    expect(handoff.startInfo.memmapPaddr).toBe(region(dump, 'memmap').paddr);
  });

  it('the command line is the -append string', () => {
    expect(handoff.cmdline).toBe(APPEND);
  });

  it('one module: the initrd, byte for byte', () => {
    expect(handoff.modules).toHaveLength(1);
    const [mod] = handoff.modules;
    expect(mod?.size).toBe(BigInt(INITRD.length));
    const data = region(boot.dump, 'mod0-data');
    expect(data.paddr).toBe(mod?.paddr);
    expect(data.bytes).toEqual(INITRD);
    // Read through the memory too, at the address the module list gives.
    expect(boot.memory.read(mod?.paddr ?? 0n, INITRD.length)).toEqual(INITRD);
  });

  it(`the memory map's RAM is within 1 MiB of ${mem} and ends below it`, () => {
    const size = memBytes(mem);
    const ram = handoff.memmap.filter((e) => e.type === XEN_HVM_MEMMAP_TYPE_RAM);
    expect(ram.length).toBeGreaterThan(0);
    const total = ram.reduce((a, e) => a + e.size, 0n);
    expect(total).toBeLessThanOrEqual(size);
    expect(total).toBeGreaterThanOrEqual(size - MIB);
    for (const e of ram) expect(e.addr + e.size, `RAM [${hex(e.addr)}, ${hex(e.addr + e.size)})`).toBeLessThanOrEqual(size);
    // The initrd sits in RAM.
    const mod = handoff.modules[0];
    expect(mod).toBeDefined();
    if (mod !== undefined) {
      expect(ram.some((e) => e.addr <= mod.paddr && mod.paddr + mod.size <= e.addr + e.size)).toBe(true);
    }
  });

  it('validateHandoff finds no errors', () => {
    const problems = validateHandoff(boot.memory, boot.dump.ebx);
    expect(errorsOf(problems), show(problems)).toEqual([]);
    // The dump holds the initrd's bytes, so checking them is clean too.
    const withData = validateHandoff(boot.memory, boot.dump.ebx, { checkModuleData: true });
    expect(errorsOf(withData), show(withData)).toEqual([]);
  });

  it('`bootproto inspect --as pvh-start-info --json` prints the same handoff', async () => {
    requireCli();
    const dir = path.join(tmp, `regions-${machine}-${mem}`);
    const load = loadArgs(dir, boot.dump.regions);
    const r = await runCli(['inspect', '--as', 'pvh-start-info', '--at', hex(boot.dump.ebx), ...load, '--json']);
    expect(r.code, describeRun('bootproto inspect', r)).toBe(0);
    const json = JSON.parse(r.stdout) as {
      format: string;
      handoff: {
        startInfoPaddr: string;
        cmdline: string;
        modules: { paddr: string; size: string }[];
        memmap: { addr: string; size: string; type: number; reserved: number }[];
        rsdpPaddr: string;
      };
      problems: unknown[];
    };
    expect(json.format).toBe('pvh-start-info');
    expect(json.handoff.startInfoPaddr).toBe(hex(boot.dump.ebx));
    expect(json.handoff.cmdline).toBe(APPEND);
    expect(json.handoff.modules).toHaveLength(1);
    expect(json.handoff.modules[0]).toMatchObject({ paddr: hex(region(boot.dump, 'mod0-data').paddr), size: hex(INITRD.length) });
    expect(json.handoff.rsdpPaddr).toBe(hex(region(boot.dump, 'rsdp').paddr));
    // Entry for entry what the library decodes, rendered as the library's JSON does.
    const expected = JSON.parse(toJson(handoff)) as typeof json.handoff;
    expect(json.handoff.memmap).toEqual(expected.memmap);
    expect(json.handoff.memmap.every((e) => /^0x[0-9a-f]+$/.test(e.addr) && /^0x[0-9a-f]+$/.test(e.size))).toBe(true);
    expect(json.handoff).toMatchObject(expected);
    expect(json.problems).toEqual([]);
  });

  it('`bootproto validate --as pvh-start-info` exits 0', async () => {
    requireCli();
    const dir = path.join(tmp, `regions-${machine}-${mem}`);
    const load = loadArgs(dir, boot.dump.regions);
    const r = await runCli(['validate', '--as', 'pvh-start-info', '--at', hex(boot.dump.ebx), ...load]);
    expect(r.code, describeRun('bootproto validate', r)).toBe(0);
  });
});

describe('a region set without the memory map', () => {
  let boot: Boot;
  let regions: PvhDump['regions'];

  beforeAll(async () => {
    boot = await bootGuest('pc', '128M');
    regions = boot.dump.regions.filter((r) => r.label !== 'memmap');
    expect(regions.length).toBe(boot.dump.regions.length - 1);
  });

  it('validateHandoff reports UNMAPPED hvm_memmap_table_entry', () => {
    const memory = createPhysicalMemory(regions);
    const problems = validateHandoff(memory, boot.dump.ebx);
    expect(errorsOf(problems), show(problems)).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'UNMAPPED',
        structure: 'hvm_memmap_table_entry',
        paddr: region(boot.dump, 'memmap').paddr,
      }),
    );
    // Nothing else is wrong with it.
    expect(errorsOf(problems), show(problems)).toHaveLength(1);
  });

  it('decodeHandoff throws UNMAPPED for hvm_memmap_table_entry', () => {
    const memory = createPhysicalMemory(regions);
    let caught: unknown;
    try {
      decodeHandoff(memory, BigInt(boot.dump.ebx));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BootprotoError);
    expect(caught).toMatchObject({ code: 'UNMAPPED', structure: 'hvm_memmap_table_entry' });
  });

  it('`bootproto validate` exits 1', async () => {
    requireCli();
    const load = loadArgs(path.join(tmp, 'regions-no-memmap'), regions);
    const r = await runCli(['validate', '--as', 'pvh-start-info', '--at', hex(boot.dump.ebx), ...load]);
    expect(r.code, describeRun('bootproto validate', r)).toBe(1);
  });
});

/** The PVH note as binutils sees it. */
interface ReadelfNote {
  descSize: number;
  descriptor: bigint;
}

/**
 * Parses `readelf -n` for the Xen note of type 0x12. binutils (2.40) does
 * not know Xen's note types and prints it as
 *
 *     Xen                  0x00000004	Unknown note type: (0x00000012)
 *        description data: 00 00 10 00
 *
 * (with -W, both on one line).
 */
function parseReadelfXenNote(text: string, littleEndian: boolean): ReadelfNote[] {
  const notes: ReadelfNote[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*Xen\s+0x([0-9a-f]+)\s+(?:Unknown note type: \(0x0*12\)|.*PHYS32_ENTRY)/i.exec(lines[i] ?? '');
    if (m === null || m[1] === undefined) continue;
    // With -W the data follows on the same line; without, on the next one.
    const d = /description data:((?:[ \t]+[0-9a-f]{2})+)/i.exec(`${lines[i] ?? ''}\n${lines[i + 1] ?? ''}`);
    if (d === null || d[1] === undefined) throw new Error(`readelf -n: no description data after "${lines[i]}"`);
    const bytes = d[1].trim().split(/\s+/).map((b) => Number.parseInt(b, 16));
    const ordered = littleEndian ? [...bytes].reverse() : bytes;
    const descriptor = ordered.reduce((a, b) => (a << 8n) | BigInt(b), 0n);
    notes.push({ descSize: Number.parseInt(m[1], 16), descriptor });
  }
  return notes;
}

describe('the guest ELF against readelf', () => {
  let file: Uint8Array;
  let entry: bigint;
  let littleEndian: boolean;
  let noteSectionOffset: number;

  beforeAll(async () => {
    file = new Uint8Array(fs.readFileSync(guestElf));
    const h = await runOk('readelf', ['-hW', guestElf]);
    const e = /Entry point address:\s+0x([0-9a-f]+)/.exec(h.stdout);
    if (e === null || e[1] === undefined) throw new Error(`readelf -h: no entry point\n${h.stdout}`);
    entry = BigInt(`0x${e[1]}`);
    littleEndian = /Data:\s+2's complement, little endian/.test(h.stdout);
    const s = await runOk('readelf', ['-SW', guestElf]);
    // [ 3] .note.Xen         NOTE            001004fc 0014fc 000014 00   A  0   0  4
    const sec = /\.note\.Xen\s+NOTE\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(s.stdout);
    if (sec === null || sec[1] === undefined) throw new Error(`readelf -S: no .note.Xen NOTE section\n${s.stdout}`);
    noteSectionOffset = Number.parseInt(sec[1], 16);
  });

  it('findPvhEntry agrees with readelf -h and readelf -n', async () => {
    const n = await runOk('readelf', ['-nW', guestElf]);
    const notes = parseReadelfXenNote(n.stdout, littleEndian);
    expect(notes, n.stdout).toHaveLength(1);
    expect(notes[0]).toEqual({ descSize: 4, descriptor: entry });

    const found = findPvhEntry(file);
    expect(found).toBeDefined();
    expect(found?.entry).toBe(entry);
    expect(found?.descSize).toBe(4);
    expect(found?.elfClass).toBe(32);
    // The linker script puts .note.Xen in a PT_NOTE segment too: found in both.
    expect([...(found?.sources ?? [])].sort()).toEqual(['section', 'segment']);
    expect(found?.offset).toBe(noteSectionOffset);
  });

  it('the PT_NOTE segment is where readelf -l says', async () => {
    const l = await runOk('readelf', ['-lW', guestElf]);
    // NOTE           0x0014fc 0x001004fc 0x001004fc 0x00014 0x00014 R   0x4
    const m = /^\s*NOTE\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/m.exec(l.stdout);
    if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`readelf -l: no NOTE program header\n${l.stdout}`);
    expect(Number.parseInt(m[1], 16)).toBe(noteSectionOffset);
    expect(Number.parseInt(m[2], 16)).toBe(20);
  });

  it('`bootproto inspect guest.elf --json` prints the note', async () => {
    requireCli();
    const r = await runCli(['inspect', guestElf, '--json']);
    expect(r.code, describeRun('bootproto inspect', r)).toBe(0);
    const json = JSON.parse(r.stdout) as { format: string; note: { entry: string; descSize: number; sources: string[] } };
    expect(json.format).toBe('pvh-elf');
    expect(json.note.entry).toBe(hex(entry));
    expect(json.note.descSize).toBe(4);
    expect(json.note.sources[0]).toBe('segment');
    expect([...json.note.sources].sort()).toEqual(['section', 'segment']);
    const found = findPvhEntry(file);
    expect(json.note).toMatchObject(JSON.parse(toJson(found)) as object);
  });
});
