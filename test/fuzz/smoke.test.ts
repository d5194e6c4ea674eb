/**
 * The bounded, seeded, reproducible smoke pass (issue 11) of every library
 * fuzz target, in both vitest projects: the library targets call only src/,
 * so they run in Chromium too (fewer inputs there, and no heap check; see
 * smoke.ts). The command line's targets: smoke-cli.test.ts (Node only).
 */
import { smokePass } from './smoke.js';
import { TARGETS } from './targets.js';

smokePass('fuzz smoke pass (seeded)', TARGETS);
