/**
 * Every offset and size of the linux-bootparams layouts, checked against the
 * C compiler's layout of the real kernel headers (gcc + Debian's
 * linux-libc-dev: <asm/bootparam.h>, <linux/screen_info.h>, <linux/edd.h>,
 * <linux/apm_bios.h>, <asm/ist.h>, <video/edid.h>).
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specName, type Field, type Layout } from '../../src/core/index.js';
import * as lbp from '../../src/linux-bootparams/index.js';
import { REPO_ROOT, makeTempDir, removeTempDir, runOk } from './helpers.js';

let dir: string | undefined;
const members = new Map<string, Map<string, { offset: number; size: number }>>();

beforeAll(async () => {
  dir = makeTempDir('lbp-offsets-');
  const exe = path.join(dir, 'offsets');
  await runOk('gcc', ['-Wall', '-o', exe, path.join(REPO_ROOT, 'test/tools/linux-bootparams/offsets.c')]);
  const out = await runOk(exe, []);
  for (const line of out.stdout.trim().split('\n')) {
    const [s, f, o, z] = line.split(' ') as [string, string, string, string];
    if (!members.has(s)) members.set(s, new Map());
    members.get(s)?.set(f, { offset: Number(o), size: Number(z) });
  }
});
afterAll(() => removeTempDir(dir));

/** C structure name → our layout, and where our layout starts within it (payload layouts skip the 16-byte setup_data header). */
const cases: [string, Layout, number, boolean][] = [
  ['setup_header', lbp.SETUP_HEADER, 0, true],
  ['boot_params', lbp.BOOT_PARAMS, 0, true],
  ['screen_info', lbp.SCREEN_INFO, 0, true],
  ['apm_bios_info', lbp.APM_BIOS_INFO, 0, true],
  ['ist_info', lbp.IST_INFO, 0, true],
  ['sys_desc_table', lbp.SYS_DESC_TABLE, 0, true],
  ['olpc_ofw_header', lbp.OLPC_OFW_HEADER, 0, true],
  ['efi_info', lbp.EFI_INFO, 0, true],
  ['boot_e820_entry', lbp.BOOT_E820_ENTRY, 0, true],
  ['edd_info', lbp.EDD_INFO, 0, true],
  ['edd_device_params', lbp.EDD_DEVICE_PARAMS, 0, true],
  ['setup_data', lbp.SETUP_DATA, 0, true],
  ['setup_indirect', lbp.SETUP_INDIRECT_LAYOUT, 0, true],
  ['jailhouse_setup_data', lbp.JAILHOUSE_SETUP_DATA, 0, true],
  ['ima_setup_data', lbp.IMA_SETUP_DATA, 0, true],
  ['efi_setup_data', lbp.EFI_SETUP_DATA, 0, true],
  ['pci_setup_rom', lbp.PCI_SETUP_ROM, 16, true],
  ['cc_setup_data', lbp.CC_SETUP_DATA, 16, false],
  ['kho_data_', lbp.KHO_DATA, 0, true],
];

describe('layouts equal gcc’s layout of the kernel headers', () => {
  for (const [cName, layout, base, sameSize] of cases) {
    it(cName, () => {
      const c = members.get(cName);
      expect(c, `${cName} printed by offsets.c`).toBeDefined();
      if (c === undefined) return;
      if (sameSize) expect(layout.size, `${cName} size`).toBe((c.get('SIZE')?.offset ?? -1) - base);
      const named = new Set<string>();
      for (const key of layout.order) {
        const f = layout.fields[key] as Field;
        const spec = specName(key, f);
        if (spec.startsWith('(')) continue; // padding the C compiler inserts without a name
        named.add(spec);
        const m = c.get(spec);
        expect(m, `${cName}.${spec} exists in the header`).toBeDefined();
        expect([spec, (m?.offset ?? -1) - base, m?.size]).toEqual([spec, f.offset, f.length]);
      }
      for (const member of c.keys()) {
        if (member !== 'SIZE' && member !== 'romdata') expect(named.has(member), `${cName}.${member} is in the layout`).toBe(true);
      }
    });
  }

  it('the edid_info member is 128 bytes', () => {
    expect(members.get('edid_info')?.get('SIZE')?.offset).toBe(lbp.BOOT_PARAMS.fields.edidInfo.length);
  });
});
