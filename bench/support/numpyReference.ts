/**
 * The numpy reference beside the k-center benchmark: farthest-first with `X @ c` (OpenBLAS) on the same
 * float32 matrix, run by bench/reference/kcenter.py in a child process. OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE are removed from the child's environment only, so OpenBLAS picks its kernels for this
 * processor as it would by default. Where python3 or numpy is missing it says so on stderr and the
 * benchmark prints no ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NumpyKCenter {
  seconds: number;
  picks: number[];
  radius: number;
}

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'kcenter.py');
const cache = new Map<Float32Array, Map<number, NumpyKCenter | null>>();

/** numpy's farthest-first picks of `data` (rows × dim, first pick row 0) and the seconds they took; null when numpy is unavailable. */
export function numpyKCenter(data: Float32Array, rows: number, dim: number, k: number): NumpyKCenter | null {
  const byK = cache.get(data) ?? new Map<number, NumpyKCenter | null>();
  cache.set(data, byK);
  if (byK.has(k)) return byK.get(k)!;
  const dir = mkdtempSync(join(tmpdir(), 'winnow-kcenter-'));
  let result: NumpyKCenter | null = null;
  try {
    const file = join(dir, 'matrix.f32');
    writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, rows * dim * 4));
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const child = spawnSync('python3', [script, file, String(rows), String(dim), String(k)], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (child.error || child.status !== 0) {
      const why = child.error ? child.error.message : (child.stderr.trim().split('\n').pop() ?? `exit ${child.status}`);
      console.error(`numpy reference skipped (python3 with numpy is needed for the ratio): ${why}`);
    } else {
      result = JSON.parse(child.stdout) as NumpyKCenter;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  byK.set(k, result);
  return result;
}

/** The figures a k-center line adds: numpy's seconds, and ours per pick over numpy's per pick. */
export function numpyFields(reference: NumpyKCenter | null, seconds: number, picks: number): Record<string, number> {
  if (!reference) return {};
  return { numpySeconds: reference.seconds, ratio: seconds / picks / (reference.seconds / reference.picks.length) };
}
