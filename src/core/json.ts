/**
 * JSON rendering: 64-bit values (`bigint`) as `"0x…"` strings, byte arrays
 * as hexadecimal strings.
 *
 * @module
 */

/** Formats a value as `0x` and lowercase hexadecimal digits. */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Formats bytes as lowercase hexadecimal pairs without separators. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** A `JSON.stringify` replacer: `bigint` → `"0x…"`, `Uint8Array` → hex string. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return hex(value);
  if (value instanceof Uint8Array) return bytesToHex(value);
  return value;
}

/** An array or object being written: its members and the next one to write. */
interface Frame {
  container: Record<string, unknown>;
  /** The object's keys; undefined for an array. */
  keys: string[] | undefined;
  length: number;
  next: number;
  /** Whether a member has been written (the next one needs a comma). */
  written: boolean;
}

/**
 * A member's value as `JSON.stringify` with {@link jsonReplacer} sees it:
 * after its `toJSON` (the key as the argument), after the replacer, and with
 * a `Number`, `String`, `Boolean` or `BigInt` wrapper object unwrapped.
 */
function prepare(value: unknown, key: string | number): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as (key: string) => unknown).call(value, String(key));
  }
  if (typeof value === 'bigint') return hex(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (value instanceof Number) return Number(value);
  if (value instanceof String) return String(value);
  if (value instanceof Boolean) return value.valueOf();
  if (value instanceof BigInt) return value.valueOf(); // a bigint once unwrapped: JSON.stringify throws on it
  return value;
}

/** The text of a value that is not an array or object, or undefined when JSON has none (undefined, a function, a symbol). */
function scalar(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return 'null'; // only null reaches here
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined;
  }
}

/** How deep a container may nest to be handed to `JSON.stringify` whole: a few native calls deep on the stack, whatever the depth it sits at. */
const NATIVE_LEVELS = 8;

/**
 * Whether the arrays and objects in `value` nest at most `levels` deep
 * (`value` itself the first level) and none of them has a `toJSON` (which
 * could give something deeper). A recursion bounded by `levels`.
 */
function shallow(value: object, levels: number): boolean {
  if (levels === 0 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const members: unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (typeof m === 'object' && m !== null && !(m instanceof Uint8Array) && !shallow(m, levels - 1)) return false;
  }
  return true;
}

/**
 * Exactly the text of `JSON.stringify(value, jsonReplacer, indent)`, with a
 * call stack that does not grow with the value's depth: arrays and objects
 * nesting deeper than a few levels are walked with a stack of frames of its
 * own (a devicetree 1024 levels deep renders under a small call stack), the
 * shallower ones are written by `JSON.stringify` itself and indented to
 * their place. As with `JSON.stringify`: objects give their own enumerable
 * string keys in its order, `toJSON` is honoured, a cycle throws
 * `TypeError`, and the result is `undefined` (not a string) when `value`
 * itself is `undefined`, a function or a symbol.
 *
 * @param indent - spaces per level (0 for one line, at most 10), or a string of up to 10 characters.
 */
export function toJson(value: unknown, indent: number | string = 2): string {
  const gap = typeof indent === 'string' ? indent.slice(0, 10) : ' '.repeat(Math.min(10, Math.max(0, Math.trunc(indent) || 0)));
  /** `"\n"` and the indentation of each depth, made once per depth. */
  const breaks: string[] = [];
  const lineAt = (depth: number): string => (gap === '' ? '' : (breaks[depth] ??= `\n${gap.repeat(depth)}`));
  const native = (v: object, depth: number): string => {
    const text = JSON.stringify(v, jsonReplacer, gap);
    return depth === 0 || gap === '' ? text : text.replaceAll('\n', lineAt(depth)); // a string's newlines are escaped: these are JSON's own
  };
  const frames: Frame[] = [];
  const open = new Set<object>();
  let out = '';
  /** Writes the container whole when it is shallow, else `[` or `{` and a frame to walk its members. */
  const write = (container: object): void => {
    if (shallow(container, NATIVE_LEVELS)) {
      out += native(container, frames.length);
      return;
    }
    if (open.has(container)) throw new TypeError('Converting circular structure to JSON');
    open.add(container);
    const array = Array.isArray(container);
    const keys = array ? undefined : Object.keys(container);
    frames.push({ container: container as Record<string, unknown>, keys, length: keys === undefined ? (container as unknown[]).length : keys.length, next: 0, written: false });
    out += array ? '[' : '{';
  };

  const root = prepare(value, '');
  if (typeof root !== 'object' || root === null) return scalar(root) as string;
  write(root);
  while (frames.length > 0) {
    const f = frames[frames.length - 1] as Frame;
    if (f.next === f.length) {
      frames.pop();
      open.delete(f.container);
      if (f.written) out += lineAt(frames.length);
      out += f.keys === undefined ? ']' : '}';
      continue;
    }
    const i = f.next++;
    const key = f.keys === undefined ? i : (f.keys[i] as string);
    const v = prepare(f.container[key], key);
    const container = typeof v === 'object' && v !== null;
    const text = container ? '' : scalar(v);
    if (text === undefined && f.keys !== undefined) continue; // an object drops the member, an array writes null
    out += (f.written ? ',' : '') + lineAt(frames.length);
    if (f.keys !== undefined) out += JSON.stringify(key) + (gap === '' ? ':' : ': ');
    f.written = true;
    if (container) write(v);
    else out += text ?? 'null';
  }
  return out;
}
