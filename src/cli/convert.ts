/**
 * `bootproto convert --to boot-params`: the zero page another boot protocol's
 * handoff amounts to, written as files named with their physical addresses.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootprotoError, createPhysicalMemory, hasErrors, hex, toJson, type MemoryRegion } from '../core/index.js';
import { bootParamsFromMb1, bootParamsFromMb2, bootParamsFromPvh, type BuiltZeroPage } from '../linux-bootparams/index.js';
import { decodeMb1Handoff, readMb2Info } from '../multiboot/index.js';
import { decodeHandoff } from '../pvh/index.js';
import { renderProblems } from './render.js';
import { UsageError } from './types.js';

/** Help text of `bootproto convert`. */
export const CONVERT_HELP = `bootproto convert — the zero page another protocol's handoff amounts to

  bootproto convert --to boot-params --as (pvh-start-info | mb1-info | mb2-info)
                    --at PADDR --load FILE@PADDR [--load FILE@PADDR …] --out DIR
                    [--zero-page-at PADDR] [--e820-ext-at PADDR] [--xen] [--json]

  Builds physical memory from the dumped regions, reads the handoff at PADDR
  (what %ebx held) and writes DIR/zero-page@0xADDR.bin and, when the memory
  map has more than 128 ranges, DIR/setup_data-1@0xADDR.bin (SETUP_E820_EXT).
  --zero-page-at  where the zero page goes (default: the first 4 KiB page
                  above every loaded region); --e820-ext-at: where the
                  SETUP_E820_EXT node goes (default: the page after the zero page).
  --xen           PVH: Xen is underneath (type_of_loader 0x90, not 0xB0).
  Exit 0 when written without an error, 1 when the conversion found errors
  (the files are written anyway), 2 on a usage error or unreadable input.
`;

const FORMS = ['pvh-start-info', 'mb1-info', 'mb2-info'] as const;

function num(text: string | undefined, what: string): bigint {
  if (text === undefined || !/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw new UsageError(`${what}: "${text ?? ''}" is not a number (decimal or 0x hexadecimal)`);
  return BigInt(text);
}

function readFile(file: string): Uint8Array {
  try {
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

const page = (n: bigint): bigint => (n + 0xfffn) & ~0xfffn;

/** Runs `bootproto convert` on its arguments (those after `convert`); returns the exit code. */
export function runConvert(args: readonly string[]): number {
  try {
    let to: string | undefined;
    let as: string | undefined;
    let at: bigint | undefined;
    let out: string | undefined;
    let zeroPageAt: bigint | undefined;
    let extAt: bigint | undefined;
    let xen = false;
    let json = false;
    const loads: { file: string; paddr: bigint }[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const value = (): string => {
        const v = args[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        return v;
      };
      if (a === '--to') to = value();
      else if (a === '--as') as = value();
      else if (a === '--at') at = num(value(), '--at');
      else if (a === '--out') out = value();
      else if (a === '--zero-page-at') zeroPageAt = num(value(), '--zero-page-at');
      else if (a === '--e820-ext-at') extAt = num(value(), '--e820-ext-at');
      else if (a === '--xen') xen = true;
      else if (a === '--json') json = true;
      else if (a === '--help' || a === '-h') {
        process.stdout.write(CONVERT_HELP);
        return 0;
      } else if (a === '--load') {
        const v = value();
        const k = v.lastIndexOf('@');
        if (k <= 0) throw new UsageError(`--load takes FILE@PADDR, got "${v}"`);
        loads.push({ file: v.slice(0, k), paddr: num(v.slice(k + 1), '--load') });
      } else throw new UsageError(`convert: unknown argument ${a}`);
    }
    if (to !== 'boot-params') throw new UsageError(`convert needs --to boot-params${to === undefined ? '' : ` (not "${to}")`}`);
    if (as === undefined || !(FORMS as readonly string[]).includes(as)) throw new UsageError(`convert needs --as ${FORMS.join(' | ')}`);
    if (at === undefined) throw new UsageError('convert needs --at PADDR: where the handoff is (what %ebx held)');
    if (loads.length === 0) throw new UsageError('convert needs --load FILE@PADDR: the dumped memory');
    if (out === undefined) throw new UsageError('convert needs --out DIR');
    if (xen && as !== 'pvh-start-info') throw new UsageError(`convert: --xen applies to --as pvh-start-info only, not ${as}`);

    const regions: MemoryRegion[] = loads.map((l) => ({ paddr: l.paddr, bytes: readFile(l.file) }));
    const memory = createPhysicalMemory(regions);
    const top = regions.reduce((m, r) => (r.paddr + BigInt(r.bytes.length) > m ? r.paddr + BigInt(r.bytes.length) : m), 0n);
    const zp = zeroPageAt ?? page(top);
    const placement = { zeroPagePaddr: zp, e820ExtPaddr: extAt ?? zp + 0x1000n };
    let built: BuiltZeroPage;
    if (as === 'pvh-start-info') built = bootParamsFromPvh(decodeHandoff(memory, at), { ...placement, xen });
    else if (as === 'mb2-info') built = bootParamsFromMb2(readMb2Info(memory, at), at, placement);
    else built = bootParamsFromMb1(decodeMb1Handoff(memory, at), placement);

    mkdirSync(out, { recursive: true });
    const written: { file: string; paddr: bigint; length: number; what: string }[] = [];
    for (const ch of built.chunks) {
      const name = ch.label === 'zero page' ? 'zero-page' : ch.label.replace(/\s+/g, '-');
      const file = join(out, `${name}@${hex(ch.paddr)}.bin`);
      writeFileSync(file, ch.bytes);
      written.push({ file, paddr: ch.paddr, length: ch.bytes.length, what: ch.label });
    }
    if (json) process.stdout.write(`${toJson({ written, problems: built.problems })}\n`);
    else {
      const lines = written.map((w) => `wrote ${w.file}: ${w.what}, ${w.length} bytes at ${hex(w.paddr)}`);
      const bp = built.bootParams;
      lines.push(`boot_params: version ${hex(bp.hdr.version)}, type_of_loader ${hex(bp.hdr.typeOfLoader)}, e820_entries ${bp.e820Entries}, cmd_line_ptr ${hex(bp.hdr.cmdLinePtr)}, ramdisk ${hex(bp.hdr.ramdiskImage)}+${hex(bp.hdr.ramdiskSize)}, acpi_rsdp_addr ${hex(bp.acpiRsdpAddr)}`);
      renderProblems(lines, built.problems);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return hasErrors(built.problems) ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof BootprotoError) {
      process.stderr.write(`bootproto: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
