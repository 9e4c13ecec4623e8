import { closeSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';

/**
 * The files the commands write (`run --trace/--history/--html/--junit`,
 * `fuzz --jsonl/--junit`, `bench … --svg/--profile`) are checked before
 * anything runs: the name must not be empty, a directory, or in a directory
 * that does not exist; and an existing file is replaced only when it is one
 * raftsim writes — a file of any other kind (a scenario, notes, a history
 * from elsewhere) may be the user's own work and is never written over.
 */

/** The first bytes of every file raftsim writes, by kind. */
const RAFTSIM_STARTS: readonly RegExp[] = [
  /^\{"(model|t)":/, // run --trace / --history, JSON lines
  /^\{"displayTimeUnit":"ms","otherData":\{"raftsim":/, // run --trace-format perfetto
  /^\{:type :(invoke|ok|fail|info), :f :/, // run --history-format edn
  /^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport"[^\n]*>\n<title>raftsim: /, // run --html
  /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="raftsim /, // run --junit, fuzz --junit
  /^\{"raftsim":"fuzz",/, // fuzz --jsonl
  /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, // run --svg, bench election --svg
  /^\{"nodes":\[\{"id":/, // bench speed --profile (a V8 .cpuprofile)
];

/** What `path` names, following links; null when nothing. */
export function statQuietly(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

export function isDirectory(path: string): boolean {
  return statQuietly(path)?.isDirectory() === true;
}

/** True when the two paths name the same file (after following symbolic links, when the file exists). */
export function samePath(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false; // one of them does not exist yet: they cannot be the same file
  }
}

/** True when the regular file at `path` is empty or begins as a file raftsim writes. */
export function isReplaceable(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(512);
    const length = readSync(fd, head, 0, head.length, 0);
    if (length === 0) return true;
    const text = head.subarray(0, length).toString('utf8');
    return RAFTSIM_STARTS.some((start) => start.test(text));
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks one output file before anything is written: `flag` names it in
 * the message, `example` is a file name to suggest when it is a directory.
 * An existing device or pipe (`/dev/stdout`, `/dev/null`, a FIFO) is fine: it
 * is written, not replaced.
 */
export function checkOutputFile(flag: string, path: string, example = 'out'): void {
  if (path === '') throw new UsageError(`${flag}: expected a file name`);
  const st = statQuietly(path);
  if (st?.isDirectory() === true) throw new UsageError(`${flag}: ${path} is a directory; expected a file name (e.g. ${join(path, example)})`);
  if (st === null && !isDirectory(dirname(resolve(path)))) {
    throw new UsageError(`${flag}: cannot write ${path}: the directory ${dirname(path)} does not exist; expected a file in an existing directory`);
  }
  if (st?.isFile() === true && !isReplaceable(path)) {
    throw new UsageError(`${flag}: ${path} exists and is not a file raftsim wrote, so it is left as it is; expected a new file name (or remove ${path} first)`);
  }
}
