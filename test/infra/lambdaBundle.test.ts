/**
 * The Lambda bundle runs the fast kernels on worker threads: the one-file bundle, built with the stack's
 * bundling options, plus the kernel worker file its command hooks copy beside it, computes what the
 * scalar reference computes — with two threads, so the workers load their file from the asset.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { ESM_BUNDLING, IMAGE_DECODER_BUNDLING, KERNEL_WORKER_HOOKS, SHARP_ARM64_BINARIES } from '../../infra/lambda.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let dir = '';
let sharpDir = '';

afterAll(async () => {
  for (const path of [dir, sharpDir]) if (path) await rm(path, { recursive: true, force: true });
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

it('the image-decoding bundle installs sharp for linux arm64 and fails when its arm64 binaries are not in the asset', async () => {
  // sharp is installed beside the bundle (not inlined), for the Lambda's platform whatever machine deploys.
  expect(IMAGE_DECODER_BUNDLING.nodeModules).toEqual(['sharp']);
  expect(IMAGE_DECODER_BUNDLING.environment).toEqual({ npm_config_cpu: 'arm64', npm_config_os: 'linux', npm_config_libc: 'glibc' });
  expect(IMAGE_DECODER_BUNDLING.externalModules).toEqual([]);
  const hooks = IMAGE_DECODER_BUNDLING.commandHooks!;
  const runHooks = async (out: string) => {
    for (const command of hooks.afterBundling(root, out)) await run('bash', ['-c', command]);
  };

  sharpDir = await mkdtemp(join(tmpdir(), 'winnow-sharp-asset-'));
  // An install that ignored the platform settings: this machine's own sharp packages (x64), as npm put them here.
  const x64 = join(sharpDir, 'x64');
  await mkdir(join(x64, 'node_modules'), { recursive: true });
  await cp(join(root, 'node_modules/sharp'), join(x64, 'node_modules/sharp'), { recursive: true });
  await cp(join(root, 'node_modules/@img'), join(x64, 'node_modules/@img'), { recursive: true });
  const refused = await runHooks(x64).then(
    () => undefined,
    (error: { stderr: string }) => error.stderr,
  );
  expect(refused).toMatch(/the Lambda asset lacks sharp's linux-arm64 binary node_modules\/@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64\*\.node/);

  // The layout npm gives with npm_config_cpu=arm64 npm_config_os=linux (binary names as sharp 0.35 ships them).
  const arm64 = join(sharpDir, 'arm64');
  const files = ['node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64-0.35.5.node', 'node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so.8.18.7'];
  for (const file of files) {
    await mkdir(join(arm64, file, '..'), { recursive: true });
    await writeFile(join(arm64, file), '');
  }
  expect(SHARP_ARM64_BINARIES).toHaveLength(files.length);
  await runHooks(arm64);
  // The kernel worker file is copied beside the bundle as for every function.
  expect(await readdir(arm64)).toContain('kernelWorker.mjs');
});
