// Bundles the command line into dist/raftsim.mjs, so `raftsim` starts in
// tens of milliseconds instead of compiling ~70 TypeScript modules through
// tsx's loader on every call. Run by `npm ci`/`npm install` (prepare) and
// `npm run build`; bin/raftsim.js falls back to the sources when the bundle
// is missing or older than any source file.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/raftsim.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
