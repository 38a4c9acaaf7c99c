#!/usr/bin/env node
// The installed `winnow` command. The CLI is TypeScript run as it is (like `npm run winnow`): tsx's
// loader is registered first, then the entry point runs with the arguments.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
