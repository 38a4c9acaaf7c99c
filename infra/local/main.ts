/** `npm start`: the whole of Winnow on this machine. Ctrl-C stops it. */
import { localRuntimeOptionsFromEnv, startLocalRuntime } from './runtime.js';

const runtime = await startLocalRuntime(localRuntimeOptionsFromEnv());
console.log(`Winnow is running.
  GraphQL API:  ${runtime.url}
  API key:      ${runtime.apiKey}   (send as Authorization: Bearer <key>)
  DynamoDB:     ${runtime.env.endpoints.dynamodb} (table ${runtime.env.tableName})
  S3:           ${runtime.env.endpoints.s3} (bucket ${runtime.env.bucketName})
Press Ctrl-C to stop.`);

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
