import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bin/raftsim.js of this installation: up from this module (src/bench/ in the
 * sources, dist/ in the bundle). Its own module, so that the benchmarks that
 * start fresh processes need not load the terminal UI to find the binary.
 */
export function raftsimBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = join(dir, 'bin', 'raftsim.js');
    if (existsSync(bin)) return bin;
    const up = dirname(dir);
    if (up === dir) return 'bin/raftsim.js';
    dir = up;
  }
}
