/** What every Winnow Lambda shares: runtime, architecture, ESM bundling. */
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildKernels } from '../functions/selection/kernels/wasm/build.js';

// The selection kernels' WebAssembly is generated from source (not committed): build it before any
// bundling, so `cdk synth` works on a fresh clone however it is started.
await buildKernels();

export const LAMBDA_RUNTIME = { runtime: Runtime.NODEJS_22_X, architecture: Architecture.ARM_64 } as const;

export const ESM_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // Stack traces name the TypeScript source (the bundles ship their source maps).
  // The AWS SDK is bundled at the version package.json pins, not taken from the Lambda runtime.
  externalModules: [],
  // ESM bundles need `require` for the CommonJS packages they inline.
  banner: "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
};
