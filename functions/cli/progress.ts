/**
 * Progress on the terminal: a redrawn bar or line (cli-progress) when stderr is a TTY, plain lines
 * otherwise (logs, CI, pipes), so that a log shows each step once instead of control characters.
 */
import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

export interface Progress {
  /** Moves the bar to `done` (of the total) with a short note; on plain output, `line` is printed instead when given. */
  update(done: number, note: string, line?: string): void;
  /** Ends the bar (leaving it on screen). */
  stop(): void;
}

const bytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
export const formatBytes = bytes;

/** A byte-counting bar (uploads). */
export function byteProgress(io: CliIo, total: number, label: string, initial = 0): Progress {
  if (!io.terminal?.isTTY) {
    return { update: (_done, _note, line) => line !== undefined && io.stderr(`${line}\n`), stop: () => undefined };
  }
  const bar = new SingleBar({
    stream: io.terminal,
    format: `${label} [{bar}] {percentage}% {doneBytes}/{totalBytes} {note}`,
    hideCursor: true,
    barsize: 30,
    fps: 10,
  });
  bar.start(total, initial, { doneBytes: bytes(initial), totalBytes: bytes(total), note: '' });
  return {
    update: (done, note) => bar.update(done, { doneBytes: bytes(done), note }),
    stop: () => bar.stop(),
  };
}

/** A status line redrawn in place (a selection's phase, shards and picks); plain output prints changes only. */
export function statusLine(io: CliIo): { show(text: string): void; stop(): void } {
  if (!io.terminal?.isTTY) {
    let last = '';
    return {
      show: (text) => {
        if (text !== last) io.stderr(`${text}\n`);
        last = text;
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({ stream: io.terminal, format: '{text}', hideCursor: true, fps: 10 });
  bar.start(1, 0, { text: '' });
  return { show: (text) => bar.update(0, { text }), stop: () => bar.stop() };
}
