// Bundles the command line into dist/, so `raftsim` starts in tens of
// milliseconds instead of compiling ~150 TypeScript modules through tsx's
// loader on every call. Run by `npm ci`/`npm install` (prepare) and `npm run
// build`; bin/raftsim.js falls back to the sources when the bundle is missing
// or older than any source file.
//
// Two builds:
// - dist/raftsim.cjs, the whole command line but the terminal UI, as one
//   CommonJS script. bin/raftsim.js compiles it with V8's code cache
//   (dist/raftsim.cjs.cache, written after the build by one run of a
//   scenario): V8 then reads the bytecode of every function that run used
//   instead of parsing a megabyte of JavaScript, a third of what a process
//   spent before its first simulated event. Node 20 has no code cache for
//   ES modules (module.enableCompileCache is Node 22), hence CommonJS.
// - dist/tui.mjs, dist/bench-tui.mjs and dist/fuzz-worker.mjs, ES modules
//   split into shared chunks: the terminal UI needs ES modules (Ink's layout
//   engine loads its WebAssembly with a top-level await), and the fuzzer's
//   worker threads load their own bundle. The command line loads the UI
//   with import() when it opens it (see __raftsimImport below).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';

// Chunks are named by their content: those of an earlier build go first, and the code cache of the last.
try {
  for (const f of readdirSync('dist')) if (/^chunk-.*\.mjs(\.map)?$|^raftsim\.mjs|\.cjs\.cache$/.test(f)) rmSync(`dist/${f}`);
} catch {
  // no dist/ yet
}

/** Shared by both builds. */
const plugins = [
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
];

/** What the terminal UI's modules are called from the command line's script: they stay ES modules (dist/). */
const UI_ENTRIES = { 'tui/open.tsx': './tui.mjs', 'bench/tui.ts': './bench-tui.mjs' };

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // The dependencies are bundled too: loading them from node_modules took
  // half a second before the terminal UI's first frame (Ink alone imports all
  // of es-toolkit's compat build, hundreds of modules, for one throttle);
  // bundled, the command starts in a fifth of a second. Only the build and
  // source-running tools stay outside.
  external: ['esbuild', 'tsx'],
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { tui: 'src/tui/open.tsx', 'bench-tui': 'src/bench/tui.ts', 'fuzz-worker': 'src/fuzz/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  // CommonJS dependencies (react) call require in the ES module bundle.
  banner: { js: "import { createRequire as __raftsimRequire } from 'node:module'; const require = __raftsimRequire(import.meta.url);" },
  plugins,
});

/**
 * The command line as CommonJS scripts: dist/raftsim.cjs (the help and the
 * dispatch) and one script per command (src/cli/main.ts loads each with
 * import() when it is called), each bundled whole, so that a process
 * compiles only the command it runs: `raftsim --help` none of them.
 */
const COMMANDS = {
  'cmd-run': 'src/cli/run-command.ts',
  'cmd-validate': 'src/cli/validate-command.ts',
  'cmd-check-history': 'src/cli/check-history.ts',
  'cmd-fuzz': 'src/cli/fuzz-command.ts',
  'cmd-learn': 'src/cli/learn-command.ts',
  'cmd-bench': 'src/cli/bench-command.ts',
};
/** Dynamic imports that leave a script: the commands (from main.ts) and the terminal UI. */
const OUTSIDE = {
  ...Object.fromEntries(Object.entries(COMMANDS).map(([name, file]) => [file.replace(/^src\//, ''), `./${name}.cjs`])),
  ...UI_ENTRIES,
};

await build({
  ...common,
  entryPoints: { raftsim: 'src/cli/main.ts', ...COMMANDS },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // import.meta of the sources (finding the fuzzer's worker, the lessons, the binary) is the script's own file.
  define: { 'import.meta.url': '__raftsimUrl', 'import.meta.dirname': '__dirname' },
  // A script compiled by vm.Script has no import() of its own without an experimental flag
  // (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER): the commands and the terminal UI are loaded through
  // bin/raftsim.js's loader (scripts with their code cache; the UI, whose layout engine loads its
  // WebAssembly with a top-level await, with the import() of an ES module).
  banner: {
    js: [
      "const __raftsimUrl = require('node:url').pathToFileURL(__filename).href;",
      "const __raftsimImport = (specifier) => { const load = globalThis[Symbol.for('raftsim.import')]; if (load !== undefined) return load(specifier); const path = require('node:path').join(__dirname, specifier); return specifier.endsWith('.cjs') ? Promise.resolve(require(path)) : import(require('node:url').pathToFileURL(path).href); };",
    ].join('\n'),
  },
  plugins: [
    {
      name: 'commands-and-ui-outside',
      setup(b) {
        b.onResolve({ filter: /\.tsx?$/ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          const target = OUTSIDE[relative(resolve('src'), resolve(args.resolveDir, args.path)).replace(/\\/g, '/')];
          return target === undefined ? undefined : { path: target, external: true };
        });
      },
    },
    ...plugins,
  ],
});

// The import() calls esbuild left for them go through __raftsimImport.
for (const name of ['raftsim', ...Object.keys(COMMANDS)]) {
  const file = `dist/${name}.cjs`;
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(/\bimport\("(\.\/[a-z-]+\.(?:mjs|cjs))"\)/g, '__raftsimImport("$1")');
  writeFileSync(file, rewritten);
}
const expected = [...Object.keys(COMMANDS).map((name) => [`./${name}.cjs`, 'raftsim']), ['./tui.mjs', 'cmd-run'], ['./bench-tui.mjs', 'cmd-bench']];
for (const [target, from] of expected) {
  if (!readFileSync(`dist/${from}.cjs`, 'utf8').includes(`__raftsimImport("${target}")`)) throw new Error(`build: dist/${from}.cjs no longer loads ${target}; update scripts/build.mjs`);
}

// The code caches: bin/raftsim.js writes a script's when it has none, after the command; the commands a
// user runs most are run once here (the others' are written by their first run).
for (const args of [['--help'], ['validate', 'scenarios/cap/split-brain.yaml'], ['run', 'scenarios/cap/split-brain.yaml', '--json'], ['bench', 'run', '--child', 'scenarios/leader-crash.yaml']]) {
  const warm = spawnSync(process.execPath, ['bin/raftsim.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (warm.status !== 0 && warm.status !== 1) process.stderr.write(`build: warming the code cache (raftsim ${args.join(' ')}) failed; the bundle still works, only slower to start:\n${warm.stderr}`);
}
