/**
 * The console's files for the local HTTP server (at `/`, beside `/graphql`), with the headers CloudFront
 * adds in AWS (infra/console.ts): a Content-Security-Policy that lets the page talk only to its own
 * origin, no referrer, no framing. GET and HEAD only; nothing outside the directory, no dotfiles.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The console's policy, shared with the stack's response headers. Reports (self-contained HTML), tag
 * downloads and sample thumbnails come from presigned URLs of the data bucket (`bucketSources`), on
 * another origin: frames and images may load them, scripts may not fetch them. An `<img>` without
 * `crossorigin` is a plain (no-cors) request, so the bucket needs no CORS rule for thumbnails.
 */
export function consoleSecurityHeaders(bucketSources: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      `img-src 'self' data: ${bucketSources}`,
      "connect-src 'self'",
      `frame-src ${bucketSources}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

/** Locally the bucket is the S3 stand-in on a loopback port. */
const LOCAL_HEADERS = consoleSecurityHeaders('http://127.0.0.1:* http://localhost:*');

/** Answers a request for a console file; false when there is no such file (the caller answers 404). */
export async function serveStaticFile(directory: string, request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  let relativePath: string;
  try {
    relativePath = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return false;
  }
  const path = normalize(join(directory, relativePath));
  if (!path.startsWith(directory.endsWith(sep) ? directory : directory + sep) || relativePath.split('/').some((part) => part.startsWith('.'))) return false;
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return false;
  }
  response.writeHead(200, {
    ...LOCAL_HEADERS,
    'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': body.length,
    // Hashed asset names never change content; index.html names the current ones.
    'cache-control': relativePath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
}
