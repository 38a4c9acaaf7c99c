/** Where a CLI command writes: the process's streams, or buffers in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * The terminal that progress is drawn on (stderr). Progress bars and live lines appear only when it is
   * a TTY; otherwise progress is printed as plain lines through `stderr`.
   */
  readonly terminal?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Reads standard input to its end (for secrets that should not be on the command line). */
  readStdin?(): Promise<string>;
  readonly stdinIsTTY?: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  terminal: process.stderr,
  readStdin: () => readAll(process.stdin),
  get stdinIsTTY() {
    return process.stdin.isTTY === true;
  },
};

/** A mistake in the command line itself: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A command (verb) of the CLI. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
