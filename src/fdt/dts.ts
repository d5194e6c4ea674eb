/**
 * Devicetree source text (Devicetree Specification v0.4 chapter 6) printed
 * from a tree, such that `dtc -I dts -O dtb` compiles it back to the same
 * tree. Value forms are chosen as dtc's `guess_value_type()` chooses them
 * (strings, then cells, then bytes); strings are printed one per NUL-terminated
 * piece (`"a", "b"`), never with an embedded `\0`, which dtc would read back
 * as an octal escape when a digit follows.
 *
 * @module
 */
import { decodeFdt, type FdtNode, type FdtTree } from './tree.js';

function isStringByte(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || c === 0 || (c >= 0x07 && c <= 0x0d);
}

/** How a value prints: `'empty'` (no `=`), `'string'` list, `'cells'` (`<…>`) or `'bytes'` (`[…]`). */
export type DtsValueForm = 'empty' | 'string' | 'cells' | 'bytes';

/**
 * The form dtc picks for a value that carries no type information (as from
 * a blob): a string list when the value ends in NUL, every byte is printable
 * or NUL or a C whitespace escape, and NULs are no more than the other bytes;
 * else cells when the length is a multiple of 4; else bytes.
 */
export function dtsValueForm(value: Uint8Array): DtsValueForm {
  const len = value.length;
  if (len === 0) return 'empty';
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < len; i++) {
    const c = value[i] as number;
    if (!isStringByte(c)) notString++;
    if (c === 0) nul++;
  }
  if (value[len - 1] === 0 && notString === 0 && nul <= len - nul) return 'string';
  return len % 4 === 0 ? 'cells' : 'bytes';
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x5c: '\\\\',
  0x22: '\\"',
};

function quote(bytes: Uint8Array, start: number, end: number): string {
  let s = '"';
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    const e = ESCAPES[c];
    if (e !== undefined) s += e;
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** The right-hand side of a property assignment (`"a", "b"`, `<0x1 0x2>`, `[01 02]`), or `''` for an empty value. */
export function dtsValue(value: Uint8Array): string {
  switch (dtsValueForm(value)) {
    case 'empty':
      return '';
    case 'string': {
      const parts: string[] = [];
      let start = 0;
      while (start < value.length) {
        const nul = value.indexOf(0, start);
        parts.push(quote(value, start, nul));
        start = nul + 1;
      }
      return parts.join(', ');
    }
    case 'cells': {
      const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
      const cells: string[] = [];
      for (let i = 0; i < value.length; i += 4) cells.push(`0x${hex2(dv.getUint32(i))}`);
      return `<${cells.join(' ')}>`;
    }
    case 'bytes': {
      const bytes: string[] = [];
      for (let i = 0; i < value.length; i++) bytes.push(hex2(value[i] as number));
      return `[${bytes.join(' ')}]`;
    }
  }
}

/**
 * Prints `root` and its descendants, tab-indented by level. An explicit
 * stack instead of recursion: a tree as deep as a blob may nest (1024 nodes)
 * prints at any reasonable stack size. Each frame is a node open at its
 * level, with the index of its next subnode to print.
 */
function writeNodes(root: FdtNode, lines: string[]): void {
  const frames: { node: FdtNode; next: number }[] = [];
  const open = (node: FdtNode): void => {
    const tab = '\t'.repeat(frames.length);
    lines.push(`${tab}${node.name === '' ? '/' : node.name} {`);
    for (const p of node.properties) {
      const v = dtsValue(p.value);
      lines.push(v === '' ? `${tab}\t${p.name};` : `${tab}\t${p.name} = ${v};`);
    }
    frames.push({ node, next: 0 });
  };
  open(root);
  while (frames.length > 0) {
    const top = frames[frames.length - 1] as { node: FdtNode; next: number };
    const child = top.node.children[top.next++];
    if (child !== undefined) {
      lines.push('');
      open(child);
    } else {
      frames.pop();
      lines.push(`${'\t'.repeat(frames.length)}};`);
    }
  }
}

/**
 * Prints a tree as DTS source, laid out as `dtc -O dts` lays it out
 * (`/dts-v1/;`, `/memreserve/` lines, tab-indented nodes). `boot_cpuid_phys`
 * has no DTS syntax: compile with `dtc -b N` to keep a non-zero one.
 */
export function toDts(tree: FdtTree): string {
  const lines: string[] = ['/dts-v1/;', ''];
  for (const r of tree.reservations) {
    lines.push(`/memreserve/\t0x${r.address.toString(16).padStart(16, '0')} 0x${r.size.toString(16).padStart(16, '0')};`);
  }
  writeNodes(tree.root, lines);
  return `${lines.join('\n')}\n`;
}

/** Decodes a blob and prints it as DTS source (see {@link toDts}). */
export function dts(bytes: Uint8Array): string {
  return toDts(decodeFdt(bytes));
}
