/**
 * The seeded smoke pass of the command line's fuzz targets (Node only:
 * src/cli reads and writes files and captures stdout); the library's
 * targets are in smoke.test.ts.
 */
import { CLI_TARGETS } from './cli-targets.js';
import { smokePass } from './smoke.js';

smokePass('fuzz smoke pass of the command line (seeded)', CLI_TARGETS);
