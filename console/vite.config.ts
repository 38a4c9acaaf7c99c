/**
 * The console's build: a static single-page app (Preact, JSX compiled by Vite's own transformer, so no
 * framework plugin is needed). `console/build.ts` runs it; the output in `console/dist/` is what the
 * local server serves at `/` and the stack uploads to the console's bucket.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the same files work at the root of any origin.
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small app: a single script and stylesheet, and no inline code (the pages are served with a
    // Content-Security-Policy that allows scripts and styles from the same origin only).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
