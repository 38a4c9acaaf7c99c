/** `npm start`: the whole of Winnow on this machine, with a demo dataset to try it on. Ctrl-C stops it. */
import { resolve } from 'node:path';
import { demoBanner, demoEnabled, ensureDemoDatasets } from './demo.js';
import { localRuntimeOptionsFromEnv, startLocalRuntime } from './runtime.js';

const options = localRuntimeOptionsFromEnv();
const runtime = await startLocalRuntime(options);
console.log(`Winnow is running.
  Web console:  ${new URL('/', runtime.url).href}
  GraphQL API:  ${runtime.url}
  API key:      ${runtime.apiKey}   (send as Authorization: Bearer <key>)
  DynamoDB:     ${runtime.env.endpoints.dynamodb} (table ${runtime.env.tableName})
  S3:           ${runtime.env.endpoints.s3} (bucket ${runtime.env.bucketName})`);

if (demoEnabled()) {
  const started = Date.now();
  try {
    const demo = await ensureDemoDatasets(runtime.url, runtime.apiKey, resolve(options.dataDir ?? '.winnow'));
    console.log(`\n${await demoBanner(demo, runtime.url, runtime.apiKey, Date.now() - started)}`);
  } catch (error) {
    console.error(`\nThe demo data could not be created (the API runs regardless): ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log('\nPress Ctrl-C to stop.');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  runtime.stop().then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('error while stopping:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
