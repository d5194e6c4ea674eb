/**
 * The inspector page: a file dropped or picked (or a sample) is decoded in
 * the browser; the tree of structures sits beside a hex view of the bytes.
 * Selecting a field highlights its bytes; selecting a byte selects the
 * deepest field that holds it. Nothing is sent anywhere.
 */
import { formatProblem, type Problem } from '../src/index.js';
import { inspectFile, nodeAt, type AsHint, type Inspection, type Node } from './inspect.js';

interface Sample {
  title: string;
  args: string[];
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const treeEl = $<HTMLUListElement>('tree');
const hexEl = $<HTMLDivElement>('hex');
const hexRows = $<HTMLDivElement>('hex-rows');
const problemsEl = $<HTMLOListElement>('problems');
const statusEl = $<HTMLParagraphElement>('status');
const fieldEl = $<HTMLParagraphElement>('field');
const picker = $<HTMLInputElement>('file');
const dropZone = $<HTMLElement>('drop');
const samplesEl = $<HTMLUListElement>('samples');

const ROW_BYTES = 16;
const ROW_HEIGHT = 20;

let bytes: Uint8Array = new Uint8Array(0);
let result: Inspection = { format: 'unknown', title: '', tree: [], problems: [] };
let selected: { offset: number; size: number } | undefined;
let cursor = 0;
const itemOf = new Map<Node, HTMLLIElement>();

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------- tree

function makeItem(node: Node, level: number): HTMLLIElement {
  const li = document.createElement('li');
  li.setAttribute('role', 'treeitem');
  li.setAttribute('aria-level', String(level));
  li.tabIndex = -1;
  const row = document.createElement('div');
  row.className = 'row';
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = node.label;
  row.append(label);
  if (node.value !== undefined && node.value !== '') {
    const v = document.createElement('span');
    v.className = 'value';
    v.textContent = node.value;
    row.append(v);
  }
  if (node.offset !== undefined) {
    const o = document.createElement('span');
    o.className = 'offset';
    o.textContent = `+0x${node.offset.toString(16)}${node.size !== undefined ? ` · ${node.size} B` : ''}`;
    row.append(o);
  }
  li.append(row);
  if (node.children !== undefined && node.children.length > 0) {
    li.setAttribute('aria-expanded', level <= 1 ? 'true' : 'false');
    const ul = document.createElement('ul');
    ul.setAttribute('role', 'group');
    const kids = node.children;
    // Build children on first expansion: a large table stays cheap.
    const fill = (): void => {
      if (ul.childElementCount === 0) for (const c of kids) ul.append(makeItem(c, level + 1));
    };
    if (level <= 1) fill();
    (li as HTMLLIElement & { fill?: () => void }).fill = fill;
    li.append(ul);
  }
  itemOf.set(node, li);
  (li as HTMLLIElement & { node?: Node }).node = node;
  row.addEventListener('click', (e) => {
    e.stopPropagation();
    if (li.hasAttribute('aria-expanded') && (e.target as HTMLElement).closest('.row') === row && li.getAttribute('aria-selected') === 'true') toggle(li);
    selectItem(li, true);
  });
  return li;
}

function nodeOf(li: Element): Node | undefined {
  return (li as HTMLLIElement & { node?: Node }).node;
}

function toggle(li: HTMLLIElement, open?: boolean): void {
  if (!li.hasAttribute('aria-expanded')) return;
  const want = open ?? li.getAttribute('aria-expanded') !== 'true';
  if (want) (li as HTMLLIElement & { fill?: () => void }).fill?.();
  li.setAttribute('aria-expanded', String(want));
}

function visibleItems(): HTMLLIElement[] {
  const out: HTMLLIElement[] = [];
  const walk = (ul: Element): void => {
    for (const li of Array.from(ul.children) as HTMLLIElement[]) {
      out.push(li);
      if (li.getAttribute('aria-expanded') === 'true') {
        const g = li.querySelector(':scope > ul');
        if (g !== null) walk(g);
      }
    }
  };
  walk(treeEl);
  return out;
}

function selectItem(li: HTMLLIElement, focus: boolean): void {
  for (const s of Array.from(treeEl.querySelectorAll('[aria-selected="true"]'))) {
    s.setAttribute('aria-selected', 'false');
    (s as HTMLElement).tabIndex = -1;
  }
  li.setAttribute('aria-selected', 'true');
  li.tabIndex = 0;
  if (focus) li.focus({ preventScroll: true });
  li.scrollIntoView({ block: 'nearest' });
  const node = nodeOf(li);
  if (node?.offset !== undefined) {
    selected = { offset: node.offset, size: Math.max(node.size ?? 1, 1) };
    cursor = node.offset;
    scrollHexTo(node.offset);
    fieldEl.textContent = `${node.label}${node.value ? ` = ${node.value}` : ''} — bytes 0x${node.offset.toString(16)}–0x${(node.offset + selected.size - 1).toString(16)} (${selected.size})`;
  } else {
    selected = undefined;
    fieldEl.textContent = `${node?.label ?? ''}${node?.value ? ` = ${node.value}` : ''} (no bytes of its own)`;
  }
  renderHex();
}

/** Selects the deepest field holding byte `offset` (expanding its parents). */
function selectOffset(offset: number): void {
  const path = nodeAt(result.tree, offset);
  if (path === undefined) {
    selected = { offset, size: 1 };
    cursor = offset;
    fieldEl.textContent = `byte 0x${offset.toString(16)} = 0x${hex2(bytes[offset] ?? 0)}: no decoded field holds it`;
    renderHex();
    return;
  }
  for (const n of path.slice(0, -1)) {
    const li = itemOf.get(n);
    if (li !== undefined) toggle(li, true);
  }
  const last = path[path.length - 1] as Node;
  const li = itemOf.get(last);
  if (li !== undefined) selectItem(li, false);
  cursor = offset;
  renderHex();
}

treeEl.addEventListener('keydown', (e) => {
  const items = visibleItems();
  const current = document.activeElement?.closest('li[role="treeitem"]') as HTMLLIElement | null;
  const i = current === null ? -1 : items.indexOf(current);
  const go = (j: number): void => {
    const li = items[Math.max(0, Math.min(items.length - 1, j))];
    if (li !== undefined) selectItem(li, true);
  };
  switch (e.key) {
    case 'ArrowDown':
      go(i + 1);
      break;
    case 'ArrowUp':
      go(i - 1);
      break;
    case 'Home':
      go(0);
      break;
    case 'End':
      go(items.length - 1);
      break;
    case 'ArrowRight':
      if (current === null) return;
      if (current.getAttribute('aria-expanded') === 'false') toggle(current, true);
      else if (current.getAttribute('aria-expanded') === 'true') go(i + 1);
      break;
    case 'ArrowLeft': {
      if (current === null) return;
      if (current.getAttribute('aria-expanded') === 'true') toggle(current, false);
      else {
        const parent = current.parentElement?.closest('li[role="treeitem"]') as HTMLLIElement | null;
        if (parent !== null) selectItem(parent, true);
      }
      break;
    }
    case 'Enter':
    case ' ':
      if (current !== null) toggle(current);
      break;
    default:
      return;
  }
  e.preventDefault();
});

// ---------------------------------------------------------------- hex view (only visible rows are drawn)

function scrollHexTo(offset: number): void {
  const top = Math.floor(offset / ROW_BYTES) * ROW_HEIGHT;
  if (top < hexEl.scrollTop || top > hexEl.scrollTop + hexEl.clientHeight - ROW_HEIGHT * 2) hexEl.scrollTop = Math.max(0, top - ROW_HEIGHT * 3);
}

function problemOffsets(): Set<number> {
  return new Set(result.problems.map((p) => p.offset).filter((o) => o >= 0 && o < bytes.length));
}

function renderHex(): void {
  const rows = Math.ceil(bytes.length / ROW_BYTES);
  hexRows.style.height = `${rows * ROW_HEIGHT}px`;
  const first = Math.max(0, Math.floor(hexEl.scrollTop / ROW_HEIGHT) - 4);
  const last = Math.min(rows, first + Math.ceil(hexEl.clientHeight / ROW_HEIGHT) + 8);
  const bad = problemOffsets();
  const frag = document.createDocumentFragment();
  for (let r = first; r < last; r++) {
    const line = document.createElement('div');
    line.className = 'hexline';
    line.style.top = `${r * ROW_HEIGHT}px`;
    const addr = document.createElement('span');
    addr.className = 'addr';
    addr.textContent = (r * ROW_BYTES).toString(16).padStart(8, '0');
    line.append(addr);
    const ascii = document.createElement('span');
    ascii.className = 'ascii';
    let text = '';
    for (let c = 0; c < ROW_BYTES; c++) {
      const o = r * ROW_BYTES + c;
      if (o >= bytes.length) break;
      const b = bytes[o] as number;
      const cell = document.createElement('span');
      cell.className = 'byte';
      cell.dataset['offset'] = String(o);
      cell.textContent = hex2(b);
      if (selected !== undefined && o >= selected.offset && o < selected.offset + selected.size) cell.classList.add('sel');
      if (o === cursor) cell.classList.add('cursor');
      if (bad.has(o)) cell.classList.add('bad');
      line.append(cell);
      text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·';
    }
    ascii.textContent = text;
    line.append(ascii);
    frag.append(line);
  }
  hexRows.replaceChildren(frag);
}

hexEl.addEventListener('scroll', () => renderHex());
hexRows.addEventListener('click', (e) => {
  const cell = (e.target as HTMLElement).closest('.byte') as HTMLElement | null;
  if (cell === null) return;
  hexEl.focus({ preventScroll: true });
  selectOffset(Number(cell.dataset['offset']));
});
hexEl.addEventListener('keydown', (e) => {
  if (bytes.length === 0) return;
  const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -ROW_BYTES, ArrowDown: ROW_BYTES, PageUp: -ROW_BYTES * 16, PageDown: ROW_BYTES * 16 };
  const d = step[e.key];
  if (d !== undefined) {
    cursor = Math.max(0, Math.min(bytes.length - 1, cursor + d));
    fieldEl.textContent = `cursor at byte 0x${cursor.toString(16)} = 0x${hex2(bytes[cursor] ?? 0)} (Enter selects its field)`;
    scrollHexTo(cursor);
    renderHex();
  } else if (e.key === 'Enter' || e.key === ' ') selectOffset(cursor);
  else return;
  e.preventDefault();
});

// ---------------------------------------------------------------- problems

function renderProblems(problems: readonly Problem[]): void {
  problemsEl.replaceChildren();
  $('problems-count').textContent = problems.length === 0 ? 'none' : String(problems.length);
  for (const p of problems) {
    const li = document.createElement('li');
    li.className = p.severity;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = formatProblem(p);
    if (p.offset >= 0 && p.offset < bytes.length) {
      b.title = `show byte 0x${p.offset.toString(16)}`;
      b.addEventListener('click', () => {
        selectOffset(p.offset);
        scrollHexTo(p.offset);
        renderHex();
      });
    } else b.disabled = true;
    li.append(b);
    problemsEl.append(li);
  }
}

// ---------------------------------------------------------------- loading

function show(name: string, data: Uint8Array, hint?: AsHint): void {
  bytes = data;
  selected = undefined;
  cursor = 0;
  itemOf.clear();
  result = inspectFile(bytes, hint);
  statusEl.textContent = `${name}: ${result.title} (${result.format}, ${bytes.length} bytes)`;
  document.body.dataset['format'] = result.format;
  treeEl.replaceChildren(...result.tree.map((n) => makeItem(n, 1)));
  const first = treeEl.querySelector('li');
  if (first !== null) (first as HTMLLIElement).tabIndex = 0;
  fieldEl.textContent = 'Select a field, or a byte in the hex view.';
  hexEl.scrollTop = 0;
  renderProblems(result.problems);
  renderHex();
}

async function readFile(file: File): Promise<void> {
  show(file.name, new Uint8Array(await file.arrayBuffer()));
}

picker.addEventListener('change', () => {
  const f = picker.files?.[0];
  if (f !== undefined) void readFile(f);
});
for (const ev of ['dragenter', 'dragover'] as const) {
  document.addEventListener(ev, (e) => {
    e.preventDefault();
    dropZone.classList.add('over');
  });
}
document.addEventListener('dragleave', () => dropZone.classList.remove('over'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f !== undefined) void readFile(f);
});

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(`samples/${path}`);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** A manifest entry's arguments turned into a file and a hint (as the command line reads them). */
async function loadSample(s: Sample): Promise<void> {
  const a = s.args;
  const opt = (name: string): string | undefined => {
    const i = a.indexOf(name);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const as = opt('--as');
  const at = opt('--at');
  const loads = a.flatMap((x, i) => (a[i - 1] === '--load' ? [x] : []));
  if (loads.length > 0 && as !== undefined && at !== undefined) {
    const regions = await Promise.all(
      loads.map(async (l) => {
        const k = l.lastIndexOf('@');
        return { paddr: BigInt(l.slice(k + 1)), bytes: await fetchBytes(l.slice(0, k)), label: l.slice(0, k) };
      }),
    );
    const paddr = BigInt(at);
    const main = regions.find((r) => r.paddr === paddr) ?? regions[0];
    if (main === undefined) return;
    show(main.label, main.bytes, { as, paddr, regions: regions.filter((r) => r !== main) });
    return;
  }
  const file = a.filter((x, i) => !x.startsWith('-') && i > 0 && !(a[i - 1] ?? '').startsWith('--')).pop();
  if (file === undefined) return;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    if (x.startsWith('--') && x !== '--as' && x !== '--at' && x !== '--load' && a[i + 1] !== undefined) params[x.slice(2)] = a[i + 1] as string;
  }
  show(file, await fetchBytes(file), as === undefined ? undefined : { as, params });
}

async function listSamples(): Promise<void> {
  try {
    const r = await fetch('samples/manifest.json');
    const samples = (await r.json()) as Sample[];
    for (const s of samples) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      // A short name on the button, the whole description as its tooltip.
      const short = s.title.split(/[:(;]/)[0]?.trim() ?? s.title;
      b.textContent = short.length > 64 ? `${short.slice(0, 62)}…` : short;
      b.title = s.title;
      b.addEventListener('click', () => {
        loadSample(s).catch((e: unknown) => {
          statusEl.textContent = `could not load the sample: ${(e as Error).message}`;
        });
      });
      li.append(b);
      samplesEl.append(li);
    }
  } catch {
    samplesEl.textContent = 'The samples are not available.';
  }
}

void listSamples();
