/**
 * The process the crash suite kills: the local runtime (API, workflow with its tasks in worker threads,
 * commit worker) on stores that outlive it, with the crash points armed by `WINNOW_CRASH_PLAN`. As the
 * only writer of those stores, it fails the runs and sweeps the commits the killed process before it
 * left in flight, before it prints `READY <url>`.
 */
import { readFileSync } from 'node:fs';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { installCrashPointsFromEnv } from '../../infra/local/crashPoints.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { CRASH_CHILD_VARIABLE, type CrashChildConfig } from './childConfig.js';

installCrashPointsFromEnv();
const config = JSON.parse(process.env[CRASH_CHILD_VARIABLE]!) as CrashChildConfig;
const runtime = await startLocalRuntime({
  port: 0,
  standIns: config.standIns,
  tableName: config.tableName,
  bucketName: config.bucketName,
  apiKey: config.apiKey,
  tenantId: config.tenantId,
  dataDir: config.dataDir,
  definition: JSON.parse(readFileSync(config.definitionFile, 'utf8')) as StateMachineDefinition,
  soleWriter: true,
  taskThreads: true,
  logRequests: false,
});
console.log(`READY ${runtime.url}`);
