/** What every Winnow Lambda shares: runtime, architecture, ESM bundling. */
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { KERNEL_WORKER_FILE } from '../functions/kernels/pool.js';
import { buildKernels, KERNEL_WORKER_PATH } from '../functions/kernels/wasm/build.js';

// The selection kernels' WebAssembly is generated from source (not committed): build it before any
// bundling, so `cdk synth` works on a fresh clone however it is started.
await buildKernels();

const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export const LAMBDA_RUNTIME = { runtime: Runtime.NODEJS_22_X, architecture: Architecture.ARM_64 } as const;

/**
 * The kernels' worker threads run a file of their own (functions/kernels/pool.ts), which the
 * one-file bundle cannot inline: it is copied beside the bundle, where the same relative URL finds it.
 */
export const KERNEL_WORKER_HOOKS: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  // From the input folder (the project root, or its copy in a bundling container), not this machine's path.
  afterBundling: (inputDir: string, outputDir: string) => [`cp "${inputDir}/${relative(PROJECT_ROOT, KERNEL_WORKER_PATH)}" "${outputDir}/${KERNEL_WORKER_FILE}"`],
};

export const ESM_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  // Stack traces name the TypeScript source: the bundles ship their source maps, and every function
  // runs with NODE_OPTIONS=--enable-source-maps (infra/stack.ts).
  sourceMap: true,
  // The AWS SDK is bundled at the version package.json pins, not taken from the Lambda runtime.
  externalModules: [],
  // ESM bundles need `require` for the CommonJS packages they inline.
  banner: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
  commandHooks: KERNEL_WORKER_HOOKS,
};

/**
 * sharp's native parts for the Lambda's platform (linux arm64, glibc), as npm installs them into the
 * asset: the binding and libvips. Globs, relative to the asset's root.
 */
export const SHARP_ARM64_BINARIES = [
  'node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64*.node',
  'node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so*',
] as const;

/**
 * Fails the bundling when a binary of {@link SHARP_ARM64_BINARIES} is not in the asset (an install that
 * ignored the platform settings carries the deploying machine's binaries): such an asset would deploy,
 * and every image decode would fail on Lambda.
 */
export function sharpBinaryChecks(outputDir: string): string[] {
  return SHARP_ARM64_BINARIES.map(
    (glob) =>
      `ls "${outputDir}"/${glob} >/dev/null 2>&1 || { echo "the Lambda asset lacks sharp's linux-arm64 binary ${glob}: images could not be decoded on Lambda (install sharp with npm_config_cpu=arm64 npm_config_os=linux)" >&2; exit 1; }`,
  );
}

export const IMAGE_DECODER_HOOKS: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => [...KERNEL_WORKER_HOOKS.afterBundling(inputDir, outputDir), ...sharpBinaryChecks(outputDir)],
};

/**
 * For the functions that decode images (the API's commits in the request, the commit function): sharp
 * ships native code per platform, so it is installed beside the bundle rather than inlined, for the
 * Lambda's platform (linux arm64) whatever machine deploys, and the asset is checked for its binaries.
 */
export const IMAGE_DECODER_BUNDLING: BundlingOptions = {
  ...ESM_BUNDLING,
  nodeModules: ['sharp'],
  environment: { npm_config_cpu: 'arm64', npm_config_os: 'linux', npm_config_libc: 'glibc' },
  commandHooks: IMAGE_DECODER_HOOKS,
};
