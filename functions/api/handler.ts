/**
 * The API Lambda: API Gateway HTTP API (payload v2) and function-URL events. Parses, delegates to the
 * shared Apollo server, returns.
 */
import { handlers, startServerAndCreateLambdaHandler } from '@as-integrations/aws-lambda';
import { winnowEnvFromProcess } from '../store/aws.js';
import type { ApiContext } from './context.js';
import { MAX_BODY_BYTES, payloadTooLargeBody } from './limits.js';
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

/** The body's size in bytes, as the client sent it (API Gateway base64-encodes binary bodies). */
function bodyBytes(body: string | undefined, isBase64Encoded: boolean): number {
  if (!body) return 0;
  return isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body, 'utf8');
}

/**
 * Every log line of a request carries API Gateway's request id. A body over the limit is answered here,
 * as the local server answers it, before Apollo parses it.
 */
export const handler: typeof lambdaHandler = (event, context, callback) =>
  withRequestId(event.requestContext.requestId, async () => {
    if (bodyBytes(event.body, event.isBase64Encoded) > MAX_BODY_BYTES) {
      return { statusCode: 413, headers: { 'content-type': 'application/json' }, body: payloadTooLargeBody() };
    }
    return (await lambdaHandler(event, context, callback))!;
  });
