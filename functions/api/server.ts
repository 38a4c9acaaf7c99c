/**
 * The Apollo server, built once for both the Lambda handler and the local runtime, so both serve the
 * same schema, resolvers and error model.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { DEFAULT_SYNC_COMMIT_BYTES, LambdaCommitDispatcher, type CommitDispatcher } from '../ingest/commitJobs.js';
import { createAwsClients, type WinnowEnv } from '../store/aws.js';
import { EMPTY_MANIFEST, type DatasetManifest } from '../store/columns.js';
import type { Dataset } from '../store/datasets.js';
import { createStores } from '../store/stores.js';
import { DynamoApiKeyRepository } from '../store/apiKeys.js';
import type { ApiContext } from './context.js';
import { createFormatError, type ErrorLogger } from './errors.js';
import { queryLimits } from './limits.js';
import type { Logger } from './requestLog.js';
import { typeDefs } from './generated/typeDefs.js';
import { resolvers } from './resolvers/index.js';

export interface ApiServerOptions {
  /** Answer introspection queries (on for local development; a stage may switch it off). */
  readonly introspection?: boolean;
  readonly logError?: ErrorLogger;
  /** One structured line per request (operation, duration, error count); off when undefined. */
  readonly logRequest?: Logger;
}

export function createApiServer(options: ApiServerOptions = {}): ApolloServer<ApiContext> {
  return new ApolloServer<ApiContext>({
    typeDefs,
    resolvers,
    introspection: options.introspection ?? true,
    validationRules: [queryLimits()],
    plugins: options.logRequest ? [requestLogPlugin(options.logRequest)] : [],
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError(options.logError),
    // The process that hosts the server owns its signals: Apollo's own handler (installed whenever
    // NODE_ENV is not `test`) would stop the server behind the local runtime's back and re-raise the
    // signal, racing its orderly shutdown. On Lambda there are no such handlers either way.
    stopOnTerminationSignals: false,
  });
}

function requestLogPlugin(log: Logger): ApolloServerPlugin<ApiContext> {
  return {
    requestDidStart({ request }) {
      const started = performance.now();
      return Promise.resolve({
        willSendResponse({ response }) {
          const body = response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors?.length ?? 0) : 0;
          log({ level: 'info', msg: 'graphql request', operation: request.operationName ?? null, durationMs: Math.round(performance.now() - started), errors });
          return Promise.resolve();
        },
      });
    },
  };
}

/** Refused before any resolver runs: no key, an unknown one, or a revoked one (HTTP 401). */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerKey(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * Builds the per-request context from the environment's resources: the caller's tenant comes from
 * their API key (`Authorization: Bearer <key>`), and every resolver acts within that tenant.
 */
export function createContextFactory(env: WinnowEnv, options: { commits?: CommitDispatcher } = {}) {
  const clients = createAwsClients(env);
  const commits = options.commits ?? LambdaCommitDispatcher.fromEnv(env);
  const syncCommitBytes = env.syncCommitBytes ?? DEFAULT_SYNC_COMMIT_BYTES;
  const { datasets, blobs, tags, uploads, runs, datapools } = createStores(env, clients);
  const apiKeys = new DynamoApiKeyRepository(clients.dynamo, env.tableName);
  return async (requestId: string, authorization: string | undefined): Promise<ApiContext> => {
    const key = bearerKey(authorization);
    if (!key) throw unauthenticated('an API key is required: send Authorization: Bearer <key>');
    const record = await apiKeys.authenticate(key);
    if (!record) throw unauthenticated('the API key is not valid (unknown or revoked)');
    const manifests = new Map<string, Promise<DatasetManifest>>();
    const manifest = (dataset: Dataset) => {
      const key = dataset.manifestKey;
      if (!key) return Promise.resolve(EMPTY_MANIFEST);
      let loaded = manifests.get(key);
      if (!loaded) {
        loaded = blobs.getJson<DatasetManifest>(key).then((found) => {
          if (!found) throw new Error(`manifest ${key} of dataset ${dataset.id} is missing`);
          return found;
        });
        manifests.set(key, loaded);
      }
      return loaded;
    };
    return {
      tenantId: record.tenantId,
      requestId,
      datasets,
      tags,
      uploads,
      blobs,
      runs,
      datapools,
      sfn: clients.sfn,
      stateMachineArn: env.stateMachineArn,
      commits,
      syncCommitBytes,
      syncCommitImages: env.syncCommitImages ?? true,
      manifest,
    };
  };
}
