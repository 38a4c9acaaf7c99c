/**
 * The Lambda bundle runs the fast kernels on worker threads: the one-file bundle, built with the stack's
 * bundling options, plus the kernel worker file its command hooks copy beside it, computes what the
 * scalar reference computes — with two threads, so the workers load their file from the asset.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { ESM_BUNDLING, KERNEL_WORKER_HOOKS } from '../../infra/lambda.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a bundle with the kernel worker file beside it runs kNN and k-center on two threads, as the reference does', async () => {
  dir = await mkdtemp(join(tmpdir(), 'winnow-bundle-'));
  const entry = join(dir, 'entry.ts');
  await writeFile(
    entry,
    [
      `import { createFastKernels } from '${root}/functions/kernels/fast.ts';`,
      `import { scalarKernels } from '${root}/functions/kernels/index.ts';`,
      'const rows = 3000, dim = 32;',
      'let seed = 7;',
      'const data = Float32Array.from({ length: rows * dim }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);',
      'const fast = createFastKernels({ threads: 2 });',
      'const a = fast.knnDistances(data, dim, rows, 0, rows, 5);',
      'const b = scalarKernels.knnDistances(data, dim, rows, 0, rows, 5);',
      'const active = Int32Array.from({ length: rows }, (_, i) => i);',
      'const state = fast.sharedFloat64(rows, { data, dim }).fill(Infinity);',
      'const pick = fast.kCenterUpdate(data, dim, data.subarray(0, dim), active, rows, state, new Int32Array(rows));',
      'const ref = scalarKernels.kCenterUpdate(data, dim, data.subarray(0, dim), active, rows, new Float64Array(rows).fill(Infinity), new Int32Array(rows));',
      'console.log(JSON.stringify({ knnSame: a.every((v, i) => v === b[i]), parallelOps: fast.stats.parallelOps, pick: pick.argMax, ref: ref.argMax }));',
    ].join('\n'),
  );
  const out = join(dir, 'asset');
  await build({
    entryPoints: [entry],
    outfile: join(out, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESM_BUNDLING.target,
    minify: ESM_BUNDLING.minify,
    banner: { js: ESM_BUNDLING.banner! },
    logLevel: 'silent',
  });
  for (const command of KERNEL_WORKER_HOOKS.afterBundling(root, out)) await run('sh', ['-c', command]);
  expect((await readdir(out)).sort()).toEqual(['index.mjs', 'kernelWorker.mjs']);
  // Run from elsewhere: the worker file is found beside the bundle, not in the source tree.
  const { stdout } = await run(process.execPath, [join(out, 'index.mjs')], { cwd: tmpdir(), timeout: 50_000 });
  const result = JSON.parse(stdout) as { knnSame: boolean; parallelOps: number; pick: number; ref: number };
  expect(result.knnSame).toBe(true);
  expect(result.parallelOps).toBeGreaterThan(0);
  expect(result.pick).toBe(result.ref);
});
