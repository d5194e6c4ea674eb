/**
 * What the command line knows how to read: one entry per `--as STRUCT`,
 * gathered from each module's handler file.
 */
import { efiMemmap } from './efi-memmap.js';
import { fdtBlob } from './fdt.js';
import { bootParams, setupHeader } from './linux.js';
import { peImage } from './pecoff.js';
import { mb1Header, mb1Info, mb2Header, mb2Info } from './multiboot.js';
import { pvhStartInfo } from './pvh.js';
import type { StructHandler } from './types.js';

export { inspectPvhElf } from './pvh.js';
export { multibootHeaders } from './multiboot.js';
export { inspectKernelImage } from './linux.js';
export { UsageError, type Inspection, type Params, type StructHandler } from './types.js';

/** Every structure `--as` accepts. */
export const STRUCTS: readonly StructHandler[] = [pvhStartInfo, fdtBlob, bootParams, setupHeader, peImage, efiMemmap, mb1Info, mb2Info, mb1Header, mb2Header];
