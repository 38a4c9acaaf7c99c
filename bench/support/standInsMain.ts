/** Child-process entry of {@link startStandInsProcess}: prints the endpoints as one JSON line. */
import { startDynamoStandIn, startS3StandIn } from '../../infra/local/standins.js';

const directory = process.argv[2];
if (!directory) throw new Error('usage: standInsMain.ts DIRECTORY');
const dynamo = await startDynamoStandIn();
const s3 = await startS3StandIn({ directory });
console.log(JSON.stringify({ dynamodb: dynamo.endpoint, s3: s3.endpoint }));
process.on('SIGTERM', () => {
  void Promise.all([dynamo.close(), s3.close()]).then(() => process.exit(0));
});
