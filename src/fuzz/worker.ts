/** A fuzz worker thread: runs the seeds it is handed and posts each result back (src/fuzz/campaign.ts). */
import { parentPort } from 'node:worker_threads';
import { runSeed, type CampaignConfig } from './seed.ts';

parentPort?.on('message', (task: { config: CampaignConfig; seeds: number[] }) => {
  for (const seed of task.seeds) {
    try {
      parentPort!.postMessage({ result: runSeed(seed, task.config) });
    } catch (error) {
      parentPort!.postMessage({ error: `seed ${seed}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    }
  }
});
