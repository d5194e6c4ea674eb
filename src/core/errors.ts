/**
 * The one error model of bootproto: decoders throw {@link BootprotoError},
 * validators return {@link Problem} lists.
 *
 * @module
 */

/** The formats bootproto reads; every error and problem names one. */
export type Format =
  | 'pvh'
  | 'elf'
  | 'multiboot1'
  | 'multiboot2'
  | 'linux'
  | 'pecoff'
  | 'efi-memmap'
  | 'fdt'
  | 'memory';

/**
 * Why a decoder gave up.
 *
 * - `TRUNCATED`: the bytes end before the structure does.
 * - `BAD_MAGIC`: a magic number or signature is wrong.
 * - `OUT_OF_BOUNDS`: an offset, address or length points outside the input.
 * - `UNMAPPED`: a physical address is not backed by any region of a {@link PhysicalMemory}.
 * - `BAD_ALIGNMENT`: an offset or address is not aligned as the format requires.
 * - `UNSUPPORTED_VERSION`: a version the decoder cannot read.
 * - `UNTERMINATED`: a string has no NUL within its bound.
 * - `LOOP`: a walk came back to where it had been.
 * - `LIMIT`: a count, depth or size exceeds a bound (ours or the format's),
 *   or a 64-bit value does not fit a JavaScript `number`.
 * - `BAD_VALUE`: a field holds a value the format forbids (or an encoder was
 *   handed one that does not fit its field).
 * - `NOT_FOUND`: a looked-for structure is not there.
 */
export type ErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'OUT_OF_BOUNDS'
  | 'UNMAPPED'
  | 'BAD_ALIGNMENT'
  | 'UNSUPPORTED_VERSION'
  | 'UNTERMINATED'
  | 'LOOP'
  | 'LIMIT'
  | 'BAD_VALUE'
  | 'NOT_FOUND';

/** Where something went wrong: the structure and field, and the byte offset or physical address. */
export interface Location {
  /** The format the structure belongs to. */
  format: Format;
  /** The specification's name of the structure, such as `hvm_start_info`. */
  structure: string;
  /** The specification's name of the field, when one field is at fault. */
  field?: string;
  /**
   * Byte offset of the fault: within the bytes handed to the decoder, or,
   * for structures reached through {@link PhysicalMemory}, within the structure.
   */
  offset: number;
  /** Guest-physical address of the fault, for structures read from physical memory. */
  paddr?: bigint;
}

/** Everything a {@link BootprotoError} carries. */
export interface BootprotoErrorInit extends Location {
  /** Why the decoder gave up. */
  code: ErrorCode;
  /** The reason, in words. */
  reason: string;
}

function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Renders a location as `format structure.field at offset N (paddr 0x…)`. */
export function describeLocation(at: Location): string {
  const what = at.field === undefined ? at.structure : `${at.structure}.${at.field}`;
  const where = at.paddr === undefined ? `offset ${at.offset}` : `offset ${at.offset}, paddr ${hex(at.paddr)}`;
  return `${at.format} ${what} at ${where}`;
}

/**
 * The only exception a bootproto decoder throws on bad input. It names the
 * format, the structure, the field (when one is at fault), the byte offset
 * and the reason.
 */
export class BootprotoError extends Error {
  /** Why the decoder gave up. */
  readonly code: ErrorCode;
  /** The format being decoded. */
  readonly format: Format;
  /** The specification's name of the structure. */
  readonly structure: string;
  /** The specification's name of the field, when one field is at fault. */
  readonly field: string | undefined;
  /** Byte offset of the fault (see {@link Location.offset}). */
  readonly offset: number;
  /** Guest-physical address of the fault, when the structure was read from physical memory. */
  readonly paddr: bigint | undefined;
  /** The reason without the location prefix. */
  readonly reason: string;

  constructor(init: BootprotoErrorInit) {
    super(`${describeLocation(init)}: ${init.reason} [${init.code}]`);
    this.name = 'BootprotoError';
    this.code = init.code;
    this.format = init.format;
    this.structure = init.structure;
    this.field = init.field;
    this.offset = init.offset;
    this.paddr = init.paddr;
    this.reason = init.reason;
  }
}

/** How bad a {@link Problem} is: `error` breaks the protocol, `warning` is allowed but suspicious. */
export type Severity = 'error' | 'warning' | 'info';

/** One finding of a validator. Validators return every problem they find and never throw on bad input. */
export interface Problem extends Location {
  /** How bad it is. */
  severity: Severity;
  /** A stable machine-readable code, such as `BAD_MAGIC` or `MEMMAP_OVERLAP`. */
  code: string;
  /** What is wrong, in words. */
  message: string;
  /**
   * The rule broken, named by its source: specification and section (for
   * example `Multiboot 0.6.96 §3.3 "Boot information format"`), when the
   * validator names it (the conformance checks do).
   */
  rule?: string;
}

/** True when a list of problems holds at least one error. */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Turns a thrown {@link BootprotoError} into a {@link Problem} (for validators that decode). */
export function problemFromError(error: BootprotoError): Problem {
  const p: Problem = {
    severity: 'error',
    code: error.code,
    format: error.format,
    structure: error.structure,
    offset: error.offset,
    message: error.reason,
  };
  if (error.field !== undefined) p.field = error.field;
  if (error.paddr !== undefined) p.paddr = error.paddr;
  return p;
}

/** Formats a problem as one line: `error pvh hvm_start_info.magic at offset 0: … [BAD_MAGIC]`. */
export function formatProblem(p: Problem): string {
  return `${p.severity} ${describeLocation(p)}: ${p.message} [${p.code}]`;
}

/**
 * Gathers a validator's problems: `add` records one, `attempt` runs a
 * decoding step and turns a thrown {@link BootprotoError} into a problem
 * (returning undefined), so a validator reports everything and never throws.
 */
export class ProblemCollector {
  /** The problems found so far, in the order found. */
  readonly problems: Problem[] = [];

  /** @param format The format every problem added through {@link ProblemCollector.add} names. */
  constructor(readonly format: Format) {}

  /** Records one problem. */
  add(severity: Severity, code: string, structure: string, field: string | undefined, offset: number, message: string, paddr?: bigint): void {
    const p: Problem = { severity, code, format: this.format, structure, offset, message };
    if (field !== undefined) p.field = field;
    if (paddr !== undefined) p.paddr = paddr;
    this.problems.push(p);
  }

  /** Runs `fn`; a {@link BootprotoError} becomes a problem and the result is undefined. Other exceptions pass. */
  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BootprotoError) {
        this.problems.push(problemFromError(e));
        return undefined;
      }
      throw e;
    }
  }
}
