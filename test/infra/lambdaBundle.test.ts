/**
 * The Lambda bundle runs the fast kernels on worker threads: the one-file bundle, built with the stack's
 * bundling options, plus the kernel worker file its command hooks copy beside it, computes what the
 * scalar reference computes — with two threads, so the workers load their file from the asset. An asset
 * CDK bundles carries the AWS SDK packages the project pins, and its source map.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { ESM_BUNDLING, IMAGE_DECODER_BUNDLING, KERNEL_WORKER_HOOKS, LAMBDA_RUNTIME, SHARP_ARM64_BINARIES } from '../../infra/lambda.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let dir = '';
let sharpDir = '';
let cdkOut = '';

afterAll(async () => {
  for (const path of [dir, sharpDir, cdkOut]) if (path) await rm(path, { recursive: true, force: true });
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

it('an asset CDK bundles carries the pinned AWS SDK, not the runtime\'s, and ships its source map', { timeout: 180_000 }, async () => {
  cdkOut = await mkdtemp(join(tmpdir(), 'winnow-cdk-asset-'));
  const app = new App({ outdir: cdkOut });
  // The sweeper: DynamoDB, S3 and Lambda clients, bundled with the options every function shares.
  new NodejsFunction(new Stack(app, 'Bundled'), 'Sweep', { entry: join(root, 'functions/sweep/handler.ts'), handler: 'handler', ...LAMBDA_RUNTIME, bundling: ESM_BUNDLING });
  app.synth();
  const assets = (await readdir(cdkOut)).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  const asset = join(cdkOut, assets[0]!);
  expect((await readdir(asset)).sort()).toEqual(['index.mjs', 'index.mjs.map', 'kernelWorker.mjs']);
  const code = await readFile(join(asset, 'index.mjs'), 'utf8');
  // Nothing is left for the runtime to resolve from its own copy of the SDK: no import or require of it.
  expect(code).not.toMatch(/\bfrom\s*"@(aws-sdk|smithy)\//);
  expect(code).not.toMatch(/(^|[;,{}()=\s])(require|import)\s*\(\s*"@(aws-sdk|smithy)\//m);
  expect(code).not.toMatch(/(^|[;}])import\s*"@(aws-sdk|smithy)\//m);
  expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
  // The SDK's code in the bundle is the project's node_modules, at the versions package.json pins.
  const { sources } = JSON.parse(await readFile(join(asset, 'index.mjs.map'), 'utf8')) as { sources: string[] };
  const pinned = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  for (const pkg of ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-lambda']) {
    expect(sources.some((source) => source.includes(`node_modules/${pkg}/`)), pkg).toBe(true);
    const { version } = JSON.parse(await readFile(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
    expect(version, pkg).toBe(pinned[pkg]);
  }
});
