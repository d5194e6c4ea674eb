import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { NODE_ONLY } from './test/helpers/node-only.js';

// Two projects: `node` runs every test (with the allocation guard's flags);
// `browser` runs the library test suite again in Debian's Chromium, proving
// the library needs nothing from Node. Tests read committed files through
// test/helpers/files.ts, which serves them in both. Point CHROMIUM at another
// binary if needed.
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/tools/**'],
          environment: 'node',
          pool: 'forks',
          execArgv: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/**/*.test.ts'],
          exclude: [...NODE_ONLY], // the tests that need Node (the list says why)
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: chromium,
                args: [
                  '--no-sandbox',
                  '--headless',
                  '--disable-gpu',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
            // A failing test's screenshot goes to the git-ignored cache, not next to the test.
            screenshotDirectory: '.cache/browser-screenshots',
          },
        },
      },
    ],
  },
});
