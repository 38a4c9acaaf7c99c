/** The sweeper's Lambda handler (run by a scheduled rule): parse nothing, delegate, return what it did. */
import { LambdaCommitDispatcher } from '../ingest/commitJobs.js';
import { winnowEnvFromProcess } from '../store/aws.js';
import { createStores } from '../store/stores.js';
import { sweepStaleCommits, type SweepReport } from './sweep.js';

export const handler = async (): Promise<SweepReport> => {
  const env = winnowEnvFromProcess();
  const commits = LambdaCommitDispatcher.fromEnv(env);
  if (!commits) throw new Error('environment variable WINNOW_COMMIT_FUNCTION is not set');
  return sweepStaleCommits({ ...createStores(env), commits });
};
