/**
 * The API Lambda: API Gateway HTTP API (payload v2) and function-URL events. Parses, delegates to the
 * shared Apollo server, returns.
 */
import { handlers, startServerAndCreateLambdaHandler } from '@as-integrations/aws-lambda';
import { winnowEnvFromProcess } from '../store/aws.js';
import type { ApiContext } from './context.js';
import { jsonLogger, withRequestId } from './requestLog.js';
import { createApiServer, createContextFactory } from './server.js';

const contextFor = createContextFactory(winnowEnvFromProcess());

// The integration is CommonJS and is typed against the CommonJS build of @apollo/server; ours is the ESM
// build. Both builds expose the same instance methods, which is all the integration calls.
type IntegrationServer = Parameters<typeof startServerAndCreateLambdaHandler<typeof requestHandler, ApiContext>>[0];
const requestHandler = handlers.createAPIGatewayProxyEventV2RequestHandler();
const server = createApiServer({ introspection: process.env.WINNOW_INTROSPECTION !== 'false', logRequest: jsonLogger });

const lambdaHandler = startServerAndCreateLambdaHandler(server as unknown as IntegrationServer, requestHandler, {
  context: ({ event }) => contextFor(event.requestContext.requestId, event.headers.authorization ?? event.headers.Authorization),
});

/** Every log line of a request carries API Gateway's request id. */
export const handler: typeof lambdaHandler = (event, context, callback) =>
  withRequestId(event.requestContext.requestId, () => lambdaHandler(event, context, callback));
