#!/usr/bin/env node
// The installed `winnow` command. The CLI is TypeScript run as it is (like `npm run winnow`): tsx's
// loader is registered first, then the entry point runs with the arguments.
import { register } from 'tsx/esm/api';

register();
// The WebAssembly kernels are built from source and not committed (see functions/kernels):
// build them on first use, as every npm script does — a hash check, and nothing to do, when current.
const { buildKernels } = await import('../kernels/wasm/build.ts');
await buildKernels();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
