/**
 * A campaign: the seeds of a range run on K worker threads (or in this
 * thread with one worker), their results put back in seed order. A seed's
 * result is a pure function of (seed, configuration), and results are
 * reported and written in seed order whatever order the workers finish in,
 * so 1 worker, K workers and merged shards give byte-identical output.
 */
import { Worker } from 'node:worker_threads';
import { runSeed, type CampaignConfig, type SeedResult } from './seed.ts';

export interface CampaignRange {
  readonly start: number;
  readonly count: number;
}

export interface CampaignHooks {
  /** Each result in seed order, as soon as every seed before it is done. */
  readonly onResult?: (result: SeedResult) => void;
  /** Seeds done so far (any order): for the progress line. */
  readonly onProgress?: (done: number, failed: number) => void;
  /** Polled between seeds: true stops the campaign (Ctrl-C); the results so far are kept. */
  readonly stopped?: () => boolean;
}

export interface CampaignOutcome {
  /** In seed order: the longest prefix of the range that completed. */
  readonly results: readonly SeedResult[];
  readonly interrupted: boolean;
}

/** Seeds handed to a worker at a time: enough to keep messages rare, few enough that the last ones spread over every worker. */
const CHUNK = 4;

export async function runCampaign(config: CampaignConfig, range: CampaignRange, workers: number, hooks: CampaignHooks = {}): Promise<CampaignOutcome> {
  const ordered = new Orderer(range.start, hooks);
  if (workers <= 1 || range.count <= 1) {
    for (let seed = range.start; seed < range.start + range.count; seed++) {
      if (hooks.stopped?.() === true) return { results: ordered.results, interrupted: true };
      ordered.add(runSeed(seed, config));
      // Let a signal handler run between seeds.
      if ((seed - range.start) % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    return { results: ordered.results, interrupted: false };
  }
  return runOnWorkers(config, range, Math.min(workers, Math.ceil(range.count / CHUNK)), hooks, ordered);
}

/** Puts results in seed order and passes on the completed prefix. */
class Orderer {
  readonly results: SeedResult[] = [];
  private readonly waiting = new Map<number, SeedResult>();
  private next: number;
  private done = 0;
  private failed = 0;

  constructor(
    start: number,
    private readonly hooks: CampaignHooks,
  ) {
    this.next = start;
  }

  add(result: SeedResult): void {
    this.done++;
    if (!result.ok) this.failed++;
    this.waiting.set(result.seed, result);
    for (let r = this.waiting.get(this.next); r !== undefined; r = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.results.push(r);
      this.hooks.onResult?.(r);
      this.next++;
    }
    this.hooks.onProgress?.(this.done, this.failed);
  }
}

/** The worker's entry: the bundle's sibling when running from dist/, else the sources through tsx. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./worker-boot.mjs', import.meta.url) : new URL('./fuzz-worker.mjs', import.meta.url);
}

interface WorkerReply {
  readonly result?: SeedResult;
  readonly error?: string;
}

function runOnWorkers(config: CampaignConfig, range: CampaignRange, count: number, hooks: CampaignHooks, ordered: Orderer): Promise<CampaignOutcome> {
  return new Promise((resolve, reject) => {
    const end = range.start + range.count;
    let nextSeed = range.start;
    let live = 0;
    let settled = false;
    const pool: Worker[] = [];
    const outstanding = new Map<Worker, number>();
    const finish = (interrupted: boolean, error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of pool) void w.terminate();
      if (error !== undefined) reject(error);
      else resolve({ results: ordered.results, interrupted });
    };
    const feed = (w: Worker) => {
      if (hooks.stopped?.() === true) return finish(true);
      if (nextSeed >= end) {
        if (outstanding.get(w) === 0) {
          live--;
          void w.terminate();
          if (live === 0) finish(false);
        }
        return;
      }
      const seeds: number[] = [];
      while (seeds.length < CHUNK && nextSeed < end) seeds.push(nextSeed++);
      outstanding.set(w, seeds.length);
      w.postMessage({ config, seeds });
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(workerUrl());
      pool.push(w);
      live++;
      w.on('message', (reply: WorkerReply) => {
        if (reply.error !== undefined) return finish(false, new Error(reply.error));
        ordered.add(reply.result!);
        const left = outstanding.get(w)! - 1;
        outstanding.set(w, left);
        if (left === 0) feed(w);
      });
      w.on('error', (error) => finish(false, error));
      feed(w);
    }
    // A stop between replies (Ctrl-C while every worker is busy) still ends the campaign promptly.
    const poll = setInterval(() => {
      if (hooks.stopped?.() === true) finish(true);
      if (settled) clearInterval(poll);
    }, 100);
    poll.unref();
  });
}
