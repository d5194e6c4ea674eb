/** docs/linux-bootparams.md's offset tables must agree with the layouts the code uses. */
import { readText } from '../helpers/files.js';
import { expect, it } from 'vitest';
import { specName, type Field, type Layout } from '../../src/core/index.js';
import * as m from '../../src/linux-bootparams/index.js';

const doc = readText('docs/linux-bootparams.md');

it('every table row matches its layout', () => {
  const section = doc.slice(doc.indexOf('<!-- layout-tables:begin -->'), doc.indexOf('<!-- layout-tables:end -->'));
  const tables = section.split('#### ').slice(1);
  const layouts: Layout[] = [
    m.SETUP_HEADER, m.BOOT_PARAMS, m.SCREEN_INFO, m.APM_BIOS_INFO, m.IST_INFO, m.SYS_DESC_TABLE, m.OLPC_OFW_HEADER, m.EFI_INFO,
    m.BOOT_E820_ENTRY, m.EDD_INFO, m.EDD_DEVICE_PARAMS, m.SETUP_DATA, m.SETUP_INDIRECT_LAYOUT, m.KERNEL_INFO, m.JAILHOUSE_SETUP_DATA,
    m.IMA_SETUP_DATA, m.KHO_DATA, m.EFI_SETUP_DATA, m.PCI_SETUP_ROM, m.CC_SETUP_DATA,
  ];
  expect(tables).toHaveLength(layouts.length);
  tables.forEach((t, i) => {
    const layout = layouts[i] as Layout;
    expect(t.startsWith(`\`${layout.name}\` (${layout.size} bytes`)).toBe(true);
    const base = layout === m.SETUP_HEADER ? 0x1f1 : 0;
    const rows = t.split('\n').filter((l) => /^\| 0x/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => [Number(r[1]), Number(r[2]), r[3]])).toEqual(
      layout.order.map((k) => {
        const f = layout.fields[k] as Field;
        return [f.offset + base, f.length, `\`${specName(k, f)}\``];
      }),
    );
  });
});
