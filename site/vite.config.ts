// Builds the inspector page into static files: `npm run site` (to site/dist),
// served by `npm run site:serve`. The samples are copied beside the page.
import { cpSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, process.env['SITE_OUT'] ?? 'dist');

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  build: { outDir, emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', port: 4173 },
  plugins: [
    {
      name: 'bootproto-samples',
      // The page fetches samples/…: copy them into the build.
      closeBundle() {
        cpSync(resolve(here, '../samples'), resolve(outDir, 'samples'), { recursive: true });
      }
    },
  ],
});
