/**
 * `npm start`: the whole of Winnow on this machine, with a demo dataset to try it on.
 *
 * Stopping: Ctrl-C (SIGINT) or SIGTERM, in any state — starting, creating the demo, serving an upload,
 * running a selection — stops the runtime in order (the API first, then the workflow, then the stores)
 * and exits. A second signal exits at once; and should an orderly stop take longer than
 * `STOP_DEADLINE_MS`, the process exits anyway: every server lives in this process, so exiting closes
 * them all. What an exit cuts short is safe to cut: a commit in flight leaves its upload COMMITTING, and
 * the next start commits it again; no half-converted upload is ever visible.
 */
import type { LocalRuntime } from './runtime.js';
import { demoBanner, demoEnabled, ensureDemoDatasets } from './demo.js';
import { localRuntimeOptionsFromEnv, startLocalRuntime } from './runtime.js';
import { assertJavaAvailable, JavaMissingError } from './standins.js';
import { installCrashPointsFromEnv } from './crashPoints.js';

/** An orderly stop gets this long before the process exits regardless (the promise to users is 5 s). */
const STOP_DEADLINE_MS = 4_000;
/**
 * One Ctrl-C arrives twice: the terminal signals the whole process group, and npm forwards the signal it
 * got to this process as well. A signal counts as a second one only this long after the first.
 */
const REPEAT_AFTER_MS = 1_000;

let stopping = false;
let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    if (Date.now() - firstSignalAt < REPEAT_AFTER_MS) return;
    console.error(`${signal} again: exiting now`);
    process.exit(130);
  }
  stopping = true;
  firstSignalAt = Date.now();
  console.log(`\n${signal}: stopping… (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again exits at once)`);
  setTimeout(() => {
    console.error(`not stopped after ${STOP_DEADLINE_MS / 1000} s: exiting anyway`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  // A runtime still starting is stopped once it has started (or has failed to).
  (starting as Promise<LocalRuntime | undefined>)
    .catch(() => undefined)
    .then((runtime) => runtime?.stop())
    .then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
}
// Before anything starts, so that no state is left without a handler. (A handler runs from the event
// loop, so never before `starting` below is set.)
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  assertJavaAvailable();
} catch (error) {
  if (!(error instanceof JavaMissingError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// The crash suite's hook (test/faults/): nothing unless WINNOW_CRASH_PLAN is set.
installCrashPointsFromEnv();
const starting: Promise<LocalRuntime> = startLocalRuntime(localRuntimeOptionsFromEnv());
const runtime = await starting;
if (!stopping) {
  console.log(`Winnow is running.
  Web console:  ${new URL('/', runtime.url).href}
  GraphQL API:  ${runtime.url}
  API key:      ${runtime.apiKey}   (send as Authorization: Bearer <key>)
  Key file:     ${runtime.apiKeyFile ?? '(none: the key comes from WINNOW_API_KEY)'}
  Data:         ${runtime.persistent ? `${runtime.dataDir} (kept across restarts; WINNOW_EPHEMERAL=1 for a throwaway instance)` : 'temporary (WINNOW_EPHEMERAL): removed when the server stops'}
  DynamoDB:     ${runtime.env.endpoints.dynamodb} (table ${runtime.env.tableName})
  S3:           ${runtime.env.endpoints.s3} (bucket ${runtime.env.bucketName})
  Step Functions: ${runtime.env.endpoints.sfn}`);
}

if (demoEnabled() && !stopping) {
  const started = Date.now();
  try {
    const demo = await ensureDemoDatasets(runtime.url, runtime.apiKey, runtime.dataDir);
    if (!stopping) console.log(`\n${await demoBanner(demo, runtime.url, runtime.apiKey, Date.now() - started)}`);
  } catch (error) {
    // Stopping while the demo is being created cuts its requests short; that is no error to report.
    if (!stopping) console.error(`\nThe demo data could not be created (the API runs regardless): ${error instanceof Error ? error.message : String(error)}`);
  }
}
if (!stopping) console.log('\nPress Ctrl-C to stop.');
