import { main } from '../../functions/cli/main.js';
import type { CliIo, Command } from '../../functions/cli/io.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Non-empty stdout lines. */
  readonly lines: string[];
}

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: readonly string[], commands?: readonly Command[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const code = commands ? await main(argv, io, commands) : await main(argv, io);
  return { code, stdout, stderr, lines: stdout.split('\n').filter((l) => l.length > 0) };
}
