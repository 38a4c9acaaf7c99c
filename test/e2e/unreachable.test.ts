/**
 * The end-to-end suite's target check. Pointed at a URL with no server behind it, `npm run test:e2e`
 * stops at once with a message naming the URL (run as a subprocess, as a user runs it); the probe also
 * tells a refused key, a server that is not the Winnow API and one that never answers apart.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { deploymentFromEnvironment, probeDeployment } from './target.js';

const ROOT = new URL('../../', import.meta.url);
/** Far above a failed start (a few seconds) and far below a hang (the suite's hook and test timeouts). */
const FAIL_FAST_BOUND_MS = 60_000;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function runE2eScript(env: Record<string, string>): Promise<{ code: number | null; output: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'test:e2e'], { cwd: ROOT, env: { ...process.env, ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), FAIL_FAST_BOUND_MS * 2);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, elapsedMs: Date.now() - started });
    });
  });
}

let servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
});

/** A local HTTP server answering every request with `answer` (or never, when it is undefined). */
async function fakeServer(answer?: { status: number; body: string }): Promise<string> {
  const server = createServer((_req, res) => {
    if (answer) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

describe('npm run test:e2e against a URL with no server behind it', () => {
  it('exits non-zero within the bound, saying which URL it could not reach', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const { code, output, elapsedMs } = await runE2eScript({ WINNOW_API_URL: url, WINNOW_API_KEY: newApiKey().key });
    expect(code, output).not.toBe(0);
    expect(output).toContain(`cannot reach the Winnow API at ${url} (WINNOW_API_URL): ECONNREFUSED`);
    expect(elapsedMs).toBeLessThan(FAIL_FAST_BOUND_MS);
  }, FAIL_FAST_BOUND_MS * 2);
});

describe('the target check', () => {
  it('takes the local runtime without WINNOW_API_URL, and refuses a URL without a key or a non-URL', () => {
    expect(deploymentFromEnvironment({})).toBeUndefined();
    expect(deploymentFromEnvironment({ WINNOW_API_URL: 'https://x.example/graphql', WINNOW_API_KEY: 'k' })).toEqual({ url: 'https://x.example/graphql', apiKey: 'k' });
    expect(() => deploymentFromEnvironment({ WINNOW_API_URL: 'https://x.example/graphql' })).toThrow(/WINNOW_API_KEY is not/);
    expect(() => deploymentFromEnvironment({ WINNOW_API_URL: 'x.example', WINNOW_API_KEY: 'k' })).toThrow(/not a URL/);
  });

  it('says when the key is refused', async () => {
    const url = await fakeServer({ status: 401, body: '{"errors":[{"message":"no","extensions":{"code":"UNAUTHENTICATED"}}]}' });
    await expect(probeDeployment({ url, apiKey: 'k' })).rejects.toThrow(/refused WINNOW_API_KEY \(401\)/);
  });

  it('says when something else answers', async () => {
    const url = await fakeServer({ status: 404, body: '<html>Not Found</html>' });
    await expect(probeDeployment({ url, apiKey: 'k' })).rejects.toThrow(/does not answer like the Winnow GraphQL API: HTTP 404/);
  });

  it('gives up on a server that never answers', async () => {
    const url = await fakeServer();
    await expect(probeDeployment({ url, apiKey: 'k' }, 300)).rejects.toThrow(/cannot reach .* no answer within 0.3 s/);
  });
});
