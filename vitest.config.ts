import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The kernels come in two variants (`functions/kernels/wasm/build.ts`): plain SIMD, and relaxed
 * SIMD for the neighbour filter, which Node 22 runs as it is and Node 20 (V8 11.3) only with a flag. The
 * suite runs on the plain one; the kernel tests run once more on the relaxed one.
 */
const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number) as [number, number];
const relaxedSimdFlags = v8Major < 11 || (v8Major === 11 && v8Minor < 4) ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  resolve: {
    // graphql ships CommonJS (main) and ESM (module) builds. Node — and so Apollo, tsx and the Lambda
    // bundle — loads the CommonJS one; vite would pick the ESM one for our sources, and two copies of
    // GraphQLError would then not recognise each other.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      // `include` and `globalSetup` only here: a project's arrays add to the root's rather than replace them.
      { extends: true, test: { name: 'plain-simd', include: ['test/**/*.test.ts'], globalSetup: ['test/support/globalSetup.ts'], env: { WINNOW_RELAXED_SIMD: 'off' } } },
      { extends: true, test: { name: 'relaxed-simd', include: ['test/kernels/fast.test.ts', 'test/kernels/precision.test.ts'], execArgv: relaxedSimdFlags, env: { WINNOW_RELAXED_SIMD: 'on' } } },
    ],
  },
});
