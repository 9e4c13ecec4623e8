import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

/** Runs the CLI in-process and captures what it prints. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false };
  const code = await main(argv, io);
  return { code, out, err };
}
