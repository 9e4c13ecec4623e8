#!/usr/bin/env node
// Entry point for the `raftsim` command. Runs the bundle in dist/ when it is
// up to date (fast start-up), otherwise the TypeScript sources through tsx.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'raftsim.cjs');

/** The newest modification time of any file under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The bundle is there and newer than the sources (an installation without them has only the bundle). */
function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return !existsSync(join(root, 'src')) || (built >= newest(join(root, 'src')) && built >= statSync(join(root, 'package.json')).mtimeMs);
  } catch {
    return false;
  }
}

/** Scripts loaded, each with what saves its code cache. */
const loaded = new Map();

/**
 * A CommonJS script of dist/ (raftsim.cjs, or the command it loads),
 * compiled with V8's code cache: the bytecode of the functions an earlier
 * run used, so that V8 need not parse the script again (scripts/build.mjs
 * writes the caches of the common commands after building; a missing cache,
 * or one a newer node rejects, is written by the next run that loads the
 * script). Returns its exports.
 */
function loadScript(name) {
  const file = join(root, 'dist', name);
  const known = loaded.get(file);
  if (known !== undefined) return known.exports;
  const cacheFile = `${file}.cache`;
  let cached;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData: cached });
  const module = { exports: {}, filename: file, id: file };
  const entry = { exports: module.exports, script, cacheFile, stale: cached === undefined || script.cachedDataRejected === true };
  loaded.set(file, entry);
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  entry.exports = module.exports;
  return module.exports;
}

/** Writes the code cache of each script loaded without a usable one (after the command: it holds what the command compiled). */
function saveCaches() {
  for (const { script, cacheFile, stale } of loaded.values()) {
    if (!stale) continue;
    try {
      // Written whole under another name, then renamed: concurrent runs never read half a cache.
      const partial = `${cacheFile}.${process.pid}`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
    } catch {
      // A read-only installation: every run parses its scripts, nothing else changes.
    }
  }
}

let main;
if (bundleIsFresh()) {
  // What the scripts load when called: another script (a command), or an ES module (the terminal UI).
  const dist = pathToFileURL(join(root, 'dist', '/')).href;
  globalThis[Symbol.for('raftsim.import')] = async (specifier) => (specifier.endsWith('.cjs') ? loadScript(specifier) : import(new URL(specifier, dist).href));
  ({ main } = loadScript('raftsim.cjs'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
saveCaches();
