// Bundles the command line into dist/raftsim.mjs, so `raftsim` starts in
// tens of milliseconds instead of compiling ~70 TypeScript modules through
// tsx's loader on every call. Run by `npm ci`/`npm install` (prepare) and
// `npm run build`; bin/raftsim.js falls back to the sources when the bundle
// is missing or older than any source file.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks are named by their content: those of an earlier build go first.
try {
  for (const f of readdirSync('dist')) if (/^chunk-.*\.mjs(\.map)?$/.test(f)) rmSync(`dist/${f}`);
} catch {
  // no dist/ yet
}

await build({
  // The fuzzer's worker threads load their own bundle, beside the command's (src/fuzz/campaign.ts).
  entryPoints: { raftsim: 'src/cli/main.ts', 'fuzz-worker': 'src/fuzz/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // Code split at the dynamic imports: each command (src/cli/main.ts), the terminal UI and the
  // benchmarks load from chunks of their own when called, so a process parses only what it runs
  // (raftsim --help none of it, raftsim run neither Ink nor React).
  splitting: true,
  chunkNames: 'chunk-[hash]',
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
      // zod's namespace re-exports every locale (370 kB, a quarter of what `raftsim run` loads), which
      // the bundler cannot drop; raftsim never reads z.locales (the English messages zod sets up by
      // default are imported apart), so the list is left empty.
      name: 'no-zod-locales',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
          /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'no-zod-locales' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'no-zod-locales' }, () => ({ contents: 'export {};' }));
      },
    },
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
