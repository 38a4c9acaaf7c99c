/**
 * `npm run deploy [-- cdk deploy arguments]`: the preflight (infra/scripts/preflight.ts) with the same
 * context arguments, then `cdk deploy --outputs-file cdk-outputs.json` with them. `--skip-preflight`
 * deploys without asking the account first.
 */
import { spawn } from 'node:child_process';
import { runPreflight } from './preflight.js';

const SKIP = '--skip-preflight';
const argv = process.argv.slice(2);
const root = new URL('../../', import.meta.url);

if (!argv.includes(SKIP)) {
  const code = await runPreflight(argv, root);
  if (code !== 0) process.exit(code);
}
const cdk = spawn('cdk', ['deploy', '--outputs-file', 'cdk-outputs.json', ...argv.filter((arg) => arg !== SKIP)], { stdio: 'inherit' });
cdk.on('error', (error) => {
  console.error(`could not start cdk (${error.message}); run npm ci first`);
  process.exit(1);
});
cdk.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
