/**
 * What a module's command-line handler gives back, and what `--as` names.
 */
import type { PhysicalMemory, Problem } from '../core/index.js';
import type { Lines } from './render.js';

/** The result of inspecting something: a JSON value and its human rendering. */
export interface Inspection {
  json: Record<string, unknown>;
  lines: Lines;
  problems: Problem[];
  /** True when the input could not be decoded whole (the problems say why). */
  incomplete?: boolean;
}

/** Options a handler reads beyond the common ones (`--desc-size 48` → `{ 'desc-size': '48' }`). */
export type Params = Readonly<Record<string, string>>;

/** A structure that `--as` names. */
export interface StructHandler {
  name: string;
  summary: string;
  /** The extra options it takes (`desc-size` for `--desc-size N`). */
  params?: readonly string[];
  /** How to use those options, for `--help`. */
  options?: string;
  /** Decode from physical memory (dumped regions) at a physical address. */
  fromMemory?(memory: PhysicalMemory, paddr: bigint, params: Params): Inspection;
  /** Decode from a file's bytes at an offset (no pointers followed). */
  fromBytes(bytes: Uint8Array, offset: number, params: Params): Inspection;
}


/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {}
