/** The sweeper's Lambda handler (run by a scheduled rule): parse nothing, delegate, return what it did (stale commits, orphans). */
import { LambdaCommitDispatcher } from '../ingest/commitJobs.js';
import { winnowEnvFromProcess } from '../store/aws.js';
import { createStores } from '../store/stores.js';
import { sweep, type FullSweepReport } from './sweep.js';

export const handler = async (): Promise<FullSweepReport> => {
  const env = winnowEnvFromProcess();
  const commits = LambdaCommitDispatcher.fromEnv(env);
  if (!commits) throw new Error('environment variable WINNOW_COMMIT_FUNCTION is not set');
  return sweep({ ...createStores(env), commits });
};
