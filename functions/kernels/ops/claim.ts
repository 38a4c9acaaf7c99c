import type { OpRange } from './types.js';

/**
 * Runs `work` over the op's units as this thread claims them from a shared counter (op.progress =
 * [claimed, completed, failed]), so a thread that the OS leaves waiting delays nobody: the others, the
 * caller included, take its share. Unit u covers items [op.from + u·op.step, … + op.step). A failing unit
 * is still counted completed (and flagged), so the caller never waits for ever; the first error is
 * rethrown at the end.
 */
export function claimAll(op: OpRange, work: (unit: number, from: number, to: number) => void): void {
  const p = op.progress;
  let failure: unknown = null;
  for (;;) {
    const u = Atomics.add(p, 0, 1);
    if (u >= op.units) break;
    const a = op.from + u * op.step;
    try {
      work(u, a, Math.min(op.to, a + op.step));
    } catch (error) {
      Atomics.store(p, 2, 1);
      if (failure === null) failure = error;
    } finally {
      Atomics.add(p, 1, 1);
      Atomics.notify(p, 1);
    }
  }
  if (failure !== null) throw failure;
}
