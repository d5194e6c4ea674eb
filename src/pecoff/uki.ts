/**
 * Unified kernel images: assembled from a stub, a kernel, an initrd, a
 * command line, an os-release and the rest, with the SBAT records of the
 * stub, the kernel and the caller merged into one `.sbat` as systemd's
 * ukify merges them.
 *
 * @module
 */
import { UKI_SECTIONS, formatSbat, parseSbat, utf8Bytes, type SbatRecord } from './efi.js';
import { BootprotoError } from '../core/index.js';
import { decodePeImage, detectPeImage, findSection, sectionContents, type PeImage } from './image.js';
import { replaceSection } from './replace.js';
import { addSections, type NewSection } from './write.js';

/** The first line of a `.sbat` section: the SBAT format's own version record (shim's `SBAT.md`). */
export const SBAT_HEADER_LINE = 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md';

/** The record ukify adds for the unified kernel image itself when it is given no SBAT text. */
export const UKI_SBAT_LINE = 'uki,1,UKI,uki,1,https://uapi-group.org/specifications/specs/unified_kernel_image/';

/** The records {@link buildUki} adds when the caller gives none: the `uki` record, after the version line. */
export const UKI_DEFAULT_SBAT: readonly SbatRecord[] = /* @__PURE__ */ parseSbat(`${SBAT_HEADER_LINE}\n${UKI_SBAT_LINE}\n`);

const utf8 = new TextDecoder('utf-8');

/** The lines of one SBAT text after its version line, or undefined when it does not start with one. */
function sbatBody(text: string): string[] | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  const lines = text.slice(0, end).split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || !(lines[0] as string).startsWith('sbat,')) return undefined;
  return lines.slice(1);
}

/**
 * Merges SBAT texts into one `.sbat` text, as ukify does: each source must
 * begin with a version line (`sbat,…`) — a source that does not is skipped
 * whole — and contributes its other lines unchanged, in the order given;
 * the result is one {@link SBAT_HEADER_LINE}, the lines, a final newline
 * and a NUL. Trailing NULs of a source (section padding) are ignored.
 * Sources that are undefined are skipped.
 */
export function mergeSbat(sources: readonly (string | Uint8Array | undefined)[]): string {
  const lines: string[] = [];
  for (const src of sources) {
    if (src === undefined) continue;
    const body = sbatBody(typeof src === 'string' ? src : utf8.decode(src));
    if (body !== undefined) lines.push(...body);
  }
  return `${SBAT_HEADER_LINE}\n${lines.map((l) => `${l}\n`).join('')}\0`;
}

/**
 * The `.sbat` text of a PE image, or undefined when it has none. A kernel
 * that is not a PE image whose headers decode has none (ukify skips it too);
 * the stub's headers must decode.
 */
function imageSbat(bytes: Uint8Array, lenient: boolean): Uint8Array | undefined {
  if (!detectPeImage(bytes)) return undefined;
  let im: PeImage;
  try {
    im = decodePeImage(bytes);
  } catch (e) {
    if (lenient && e instanceof BootprotoError) return undefined;
    throw e;
  }
  const s = findSection(im, '.sbat');
  return s === undefined ? undefined : sectionContents(s);
}

/** What a unified kernel image is made of (see {@link buildUki}). */
export interface UkiParts {
  /** The systemd stub (`linuxx64.efi.stub`). */
  stub: Uint8Array;
  /** The kernel (`vmlinuz`, itself a PE image). */
  linux: Uint8Array;
  /** The initrd. */
  initrd?: Uint8Array;
  /** A microcode initrd. */
  ucode?: Uint8Array;
  /** The kernel command line. */
  cmdline?: string;
  /** os-release text. */
  osrel?: string;
  /** `uname -r` of the kernel. */
  uname?: string;
  /** A devicetree blob. */
  dtb?: Uint8Array;
  /** A BMP boot splash. */
  splash?: Uint8Array;
  /**
   * The caller's SBAT records, merged after the stub's and the kernel's
   * (a leading `sbat` version record is dropped: the merged text has one).
   * By default {@link UKI_DEFAULT_SBAT} (the `uki` record), as ukify adds;
   * `[]` adds none.
   */
  sbat?: readonly SbatRecord[];
  /** PEM text of the PCR public key. */
  pcrpkey?: string;
  /** The PCR signature JSON text. */
  pcrsig?: string;
  /** Extra sections, placed before `.linux` (names longer than 8 bytes go through the COFF string table). */
  extra?: readonly NewSection[];
}

/**
 * Builds a unified kernel image: the stub with one section per part, in
 * the UKI specification's order, each at the next `SectionAlignment`
 * boundary after the stub's image, and `.linux` last (at the highest
 * address, as ukify places it). SBAT: the stub's `.sbat` records, then the
 * kernel's, then the caller's (by default the `uki` record) are merged by
 * {@link mergeSbat}; the stub's `.sbat` is replaced by the result
 * ({@link replaceSection}: in place when it fits below the next section,
 * else moved to the end of the stub), and a stub without one gets a new
 * `.sbat` in the UKI order. The result decodes again, objdump reads it, and
 * its checksum is correct; it is not signed.
 */
export function buildUki(parts: UkiParts): Uint8Array {
  const stubSbat = imageSbat(parts.stub, false);
  const user = parts.sbat ?? UKI_DEFAULT_SBAT;
  const userText = user.length === 0 ? undefined : user[0]?.componentName === 'sbat' ? formatSbat(user) : `${SBAT_HEADER_LINE}\n${formatSbat(user)}`;
  const merged = utf8Bytes(mergeSbat([stubSbat, imageSbat(parts.linux, true), userText]));
  const stub = stubSbat !== undefined ? replaceSection(parts.stub, '.sbat', merged, { updateChecksum: false }) : parts.stub;
  const text = (s: string | undefined): Uint8Array | undefined => (s === undefined ? undefined : utf8Bytes(s));
  const byName: Record<string, Uint8Array | undefined> = {
    '.osrel': text(parts.osrel),
    '.cmdline': text(parts.cmdline),
    '.dtb': parts.dtb,
    '.uname': text(parts.uname),
    '.splash': parts.splash,
    '.sbat': stubSbat === undefined ? merged : undefined,
    '.pcrpkey': text(parts.pcrpkey),
    '.pcrsig': text(parts.pcrsig),
    '.initrd': parts.initrd,
    '.ucode': parts.ucode,
  };
  const list: NewSection[] = [];
  for (const name of UKI_SECTIONS) {
    const data = byName[name];
    if (data !== undefined) list.push({ name, data });
  }
  for (const e of parts.extra ?? []) list.push(e);
  list.push({ name: '.linux', data: parts.linux });
  return addSections(stub, list);
}
