// Bundles the command line into dist/raftsim.mjs, so `raftsim` starts in
// tens of milliseconds instead of compiling ~70 TypeScript modules through
// tsx's loader on every call. Run by `npm ci`/`npm install` (prepare) and
// `npm run build`; bin/raftsim.js falls back to the sources when the bundle
// is missing or older than any source file.
import { build } from 'esbuild';

await build({
  // The fuzzer's worker threads load their own bundle, beside the command's (src/fuzz/campaign.ts).
  entryPoints: { raftsim: 'src/cli/main.ts', 'fuzz-worker': 'src/fuzz/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The dependencies are bundled too: loading them from node_modules took
  // half a second before the terminal UI's first frame (Ink alone imports all
  // of es-toolkit's compat build, hundreds of modules, for one throttle);
  // bundled, the command starts in a fifth of a second. Only the build and
  // source-running tools stay outside.
  external: ['esbuild', 'tsx'],
  // CommonJS dependencies (react) call require in the ES module bundle.
  banner: { js: "import { createRequire as __raftsimRequire } from 'node:module'; const require = __raftsimRequire(import.meta.url);" },
  // Ink's React DevTools hook (only with DEV=true) needs a package we do not ship.
  plugins: [
    {
      name: 'no-react-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'absent' }));
        b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };' }));
      },
    },
  ],
  sourcemap: true,
  logLevel: 'warning',
});
