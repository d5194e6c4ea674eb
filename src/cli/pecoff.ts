/**
 * The command line's PE/COFF handler: headers, sections, directories,
 * certificates, checksum and Authenticode digest of an EFI image, the Linux
 * EFI stub or a unified kernel image.
 */
import { BootprotoError, hasErrors, hex, type Problem } from '../core/index.js';
import { decodePeImage, isUki, summarizePeImage, validatePeImage, validateUki } from '../pecoff/index.js';
import { renderTree, type Lines } from './render.js';
import type { Inspection, StructHandler } from './types.js';

/** `--as pe` (and a detected PE image). */
export const peImage: StructHandler = {
  name: 'pe',
  summary: 'a PE/COFF image: EFI application or driver, Linux EFI stub, unified kernel image',
  fromBytes(bytes, offset) {
    const image = offset === 0 ? bytes : bytes.subarray(offset);
    let problems: Problem[] = validatePeImage(image);
    try {
      const summary = summarizePeImage(image);
      if (isUki(decodePeImage(image))) problems = [...problems, ...validateUki(image)];
      const { problems: _own, ...facts } = summary;
      void _own;
      const lines: Lines = [
        `${summary.format} image, machine ${summary.machine}, subsystem ${summary.subsystem}`,
        `  checksum stored ${hex(summary.checksum.stored)}, computed ${hex(summary.checksum.computed)}`,
        `  Authenticode SHA-256 ${summary.authenticodeSha256}`,
      ];
      lines.push(`sections: ${summary.sections.length}`);
      renderTree(lines, '', 'pe', facts);
      return { json: { format: 'pe', pe: facts, problems }, lines, problems };
    } catch (e) {
      if (!(e instanceof BootprotoError) || !hasErrors(problems)) throw e;
      return { json: { format: 'pe', pe: null, problems }, lines: ['pe: not decodable (see problems)'], problems, incomplete: true };
    }
  },
};
