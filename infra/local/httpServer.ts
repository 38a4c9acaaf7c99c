/**
 * The local HTTP front door: serves the shared Apollo server at `/graphql` on loopback, as API Gateway
 * does in the cloud. A thin node:http integration (Apollo's documented `executeHTTPGraphQLRequest`
 * contract) rather than the standalone server, so that the path and the request body limit are ours.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { jsonLogger, withRequestId } from '../../functions/api/requestLog.js';
import { MAX_BODY_BYTES, payloadTooLargeBody } from '../../functions/api/limits.js';
import { serveStaticFile } from './staticFiles.js';

export const GRAPHQL_PATH = '/graphql';
export { MAX_BODY_BYTES };

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (contentType?.startsWith('application/json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // Apollo answers a 400 for a body it cannot use.
    }
  }
  return text;
}

export interface GraphqlHttpServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startGraphqlHttpServer<TContext extends BaseContext>(options: {
  apollo: ApolloServer<TContext>;
  context: (requestId: string, authorization: string | undefined) => Promise<TContext> | TContext;
  port: number;
  host?: string;
  /** Static files served at every other path (the web console), with `/` as `index.html`. */
  staticDir?: string;
}): Promise<GraphqlHttpServer> {
  const { apollo } = options;
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== GRAPHQL_PATH) {
      const notFound = () => response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: the API is at ${GRAPHQL_PATH}\n`);
      if (!options.staticDir) notFound();
      else serveStaticFile(options.staticDir, request, response, url.pathname).then((served) => served || notFound(), notFound);
      return;
    }
    const requestId = crypto.randomUUID();
    void withRequestId(requestId, async () => {
      try {
        const text = await readBody(request, MAX_BODY_BYTES);
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(request.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: request.method?.toUpperCase() ?? 'GET',
            headers,
            search: url.search,
            body: parseBody(text, headers.get('content-type')),
          },
          context: () => Promise.resolve(options.context(requestId, request.headers.authorization)),
        });
        for (const [key, value] of result.headers) response.setHeader(key, value);
        response.statusCode = result.status ?? 200;
        if (result.body.kind === 'complete') {
          response.end(result.body.string);
        } else {
          for await (const chunk of result.body.asyncIterator) response.write(chunk);
          response.end();
        }
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          response
            .writeHead(413, { 'content-type': 'application/json', connection: 'close' })
            .end(payloadTooLargeBody());
          request.resume();
          return;
        }
        jsonLogger({ level: 'error', msg: 'request failed', error: String(error) });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      }
    });
  });
  // Workflow tasks run in this process and can hold the event loop for seconds; a short keep-alive
  // timeout would then close idle client sockets just as the client reuses them.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}${GRAPHQL_PATH}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
