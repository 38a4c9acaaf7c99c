/**
 * A number of rows from which the engine changes method, read from an environment variable when one is
 * set (tests move such switches to exercise a method on small data). The selection modules also run in
 * the console's browser bundle, where there is no `process`: the default then.
 */
export function rowsSwitch(name: string, fallback: number): number {
  const text = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name];
  if (text === undefined || text === '') return fallback;
  const rows = Number(text);
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`${name} must be a whole number of rows, got '${text}'`);
  return rows;
}
