/**
 * Structured JSON logs, one line per entry, each with the id of the request it belongs to (the API
 * Gateway request id in Lambda, a fresh id locally) — carried by AsyncLocalStorage so that every log
 * line of a request has it without threading it through each call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const requests = new AsyncLocalStorage<{ requestId: string }>();

export function withRequestId<T>(requestId: string, work: () => T): T {
  return requests.run({ requestId }, work);
}

export function currentRequestId(): string | undefined {
  return requests.getStore()?.requestId;
}

export type LogEntry = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };
export type Logger = (entry: LogEntry) => void;

/** Writes entries as JSON lines to stdout (info) or stderr (warn, error), with the request id. */
export const jsonLogger: Logger = (entry) => {
  const line = JSON.stringify({ time: new Date().toISOString(), requestId: currentRequestId(), ...entry });
  if (entry.level === 'info') console.log(line);
  else console.error(line);
};
