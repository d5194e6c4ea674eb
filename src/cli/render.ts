/**
 * Human output of the command line: an aligned tree with byte offsets (or
 * physical addresses), spec names, values and named flags, drawn from the
 * layout tables so that it never repeats an offset.
 */
import type { Field, Layout, Problem } from '../core/index.js';
import { formatProblem, hex, specName } from '../core/index.js';

/** Lines of text, built up by the renderers. */
export type Lines = string[];

function describeValue(f: Field, value: unknown): string {
  if (value instanceof Uint8Array) {
    return Array.from(value.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join(' ') + (value.length > 32 ? ' …' : '');
  }
  if (typeof value !== 'number' && typeof value !== 'bigint') return String(value);
  let text = f.kind === 'u8' || value < 10 ? String(value) : hex(value);
  if (f.values !== undefined && typeof value === 'number') text += `  ${f.values[value] ?? 'unknown'}`;
  if (f.flags !== undefined) {
    const v = BigInt(value);
    const names = Object.entries(f.flags)
      .filter(([, bit]) => (v & BigInt(bit)) !== 0n)
      .map(([name]) => name);
    const known = Object.values(f.flags).reduce((a, b) => a | BigInt(b), 0n);
    if ((v & ~known) !== 0n) names.push(hex(v & ~known));
    if (names.length > 0) text += `  ${names.join(' | ')}`;
  }
  return text;
}

/**
 * Renders one decoded structure: a heading with its address and size, then
 * one line per field with its offset, spec name and value.
 */
export function renderStruct(out: Lines, indent: string, title: string, layout: Layout, value: object, at?: bigint): void {
  const where = at === undefined ? '' : ` @ ${hex(at)}`;
  out.push(`${indent}${title}${where} (${layout.size} bytes)`);
  const record = value as Record<string, unknown>;
  const present = layout.order.filter((k) => record[k] !== undefined);
  const width = Math.max(...present.map((k) => specName(k, layout.fields[k] as Field).length));
  for (const key of present) {
    const f = layout.fields[key] as Field;
    out.push(`${indent}  +0x${f.offset.toString(16).padStart(2, '0')} ${specName(key, f).padEnd(width)}  ${describeValue(f, record[key])}`);
  }
}

/** Renders problems, or "problems: none". */
export function renderProblems(out: Lines, problems: readonly Problem[]): void {
  if (problems.length === 0) {
    out.push('problems: none');
    return;
  }
  out.push(`problems: ${problems.length}`);
  for (const p of problems) {
    out.push(`  ${formatProblem(p)}`);
    if (p.rule !== undefined) out.push(`      rule: ${p.rule}`);
  }
}

/** Formats a byte count as B, KiB, MiB or GiB. */
export function humanSize(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

const MAX_ITEMS = 256;

function scalar(value: unknown): string | undefined {
  if (typeof value === 'bigint') return hex(value);
  if (typeof value === 'number') return value < 10 || !Number.isInteger(value) ? String(value) : `${value} (${hex(value)})`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `${value.length} bytes${value.length > 0 ? `: ${head}${value.length > 16 ? ' …' : ''}` : ''}`;
  }
  return undefined;
}

/**
 * Renders any decoded value as an indented tree: objects key by key,
 * arrays item by item (the first 256), numbers in decimal and hex, 64-bit
 * values in hex, bytes as a count and their first 16 in hex; nesting past
 * 12 levels prints `…`. The fallback of modules whose structures have no
 * bespoke rendering. Walks with its own stack, not by recursion.
 */
export function renderTree(out: Lines, indent: string, name: string, value: unknown, depth = 0): void {
  // Work left to do, last first: a value to render, or a line to print once
  // the items before it are done ("… N more").
  type Item = { indent: string; name: string; value: unknown; depth: number } | string;
  const todo: Item[] = [{ indent, name, value, depth }];
  while (todo.length > 0) {
    const item = todo.pop() as Item;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const s = scalar(item.value);
    if (s !== undefined) {
      out.push(`${item.indent}${item.name}: ${s}`);
      continue;
    }
    if (item.depth > 12) {
      out.push(`${item.indent}${item.name}: …`);
      continue;
    }
    const inner = `${item.indent}  `;
    if (Array.isArray(item.value)) {
      const list: unknown[] = item.value;
      out.push(`${item.indent}${item.name}: ${list.length} item${list.length === 1 ? '' : 's'}`);
      if (list.length > MAX_ITEMS) todo.push(`${inner}… ${list.length - MAX_ITEMS} more`);
      for (let i = Math.min(list.length, MAX_ITEMS) - 1; i >= 0; i--) todo.push({ indent: inner, name: `[${i}]`, value: list[i], depth: item.depth + 1 });
      continue;
    }
    out.push(`${item.indent}${item.name}`);
    const entries = Object.entries(item.value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i] as [string, unknown];
      if (v !== undefined) todo.push({ indent: inner, name: k, value: v, depth: item.depth + 1 });
    }
  }
}
