// A fuzz worker run from the TypeScript sources (tests, or a stale bundle):
// registers tsx in this thread, then loads the worker. The bundle has its own
// (dist/fuzz-worker.mjs, built by scripts/build.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
