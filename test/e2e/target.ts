/**
 * Where the end-to-end suite runs: by default against the one-machine runtime it starts itself; with
 * `WINNOW_API_URL` and `WINNOW_API_KEY` set, against that deployment (LocalStack or AWS) and nothing
 * else — the suite then only speaks GraphQL over HTTP and PUTs to the presigned URLs it is given.
 */
import { E2eTargetError } from './errors.js';

export interface DeploymentTarget {
  readonly url: string;
  readonly apiKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set (by vitest.e2e.config.ts) only when the suite runs against a deployment. */
    e2eDeployment?: DeploymentTarget;
  }
}

/** The deployment named by the environment, or undefined for the local runtime. */
export function deploymentFromEnvironment(env: NodeJS.ProcessEnv = process.env): DeploymentTarget | undefined {
  const url = env.WINNOW_API_URL?.trim();
  const apiKey = env.WINNOW_API_KEY?.trim();
  if (!url) return undefined;
  if (!apiKey) {
    throw new E2eTargetError(`WINNOW_API_URL is set (${url}) but WINNOW_API_KEY is not: give both to test a deployment, or neither to test the local runtime`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new E2eTargetError(`WINNOW_API_URL is not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new E2eTargetError(`WINNOW_API_URL must be http(s): '${url}'`);
  return { url, apiKey };
}

/** How long the probe waits for an answer before calling the deployment unreachable. */
export const PROBE_TIMEOUT_MS = 15_000;

/**
 * One small authenticated query, so that a wrong URL, a server that is not there or a refused key stops
 * the run at once with a message that says which, instead of every test failing (or waiting) on its own.
 */
export async function probeDeployment(target: DeploymentTarget, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
      body: JSON.stringify({ query: '{ datasets(first: 1) { items { id } } }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? String(error));
    throw new E2eTargetError(`cannot reach the Winnow API at ${target.url} (WINNOW_API_URL): ${reason}. Is the deployment up, and is this its ApiUrl output?`);
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new E2eTargetError(`the Winnow API at ${target.url} refused WINNOW_API_KEY (401): create a key for this deployment (see README, "Testing a deployment")`);
  }
  let body: { data?: unknown; errors?: { message: string }[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!response.ok || !body?.data) {
    const detail = body?.errors?.[0]?.message ?? text.slice(0, 200);
    throw new E2eTargetError(`${target.url} (WINNOW_API_URL) does not answer like the Winnow GraphQL API: HTTP ${response.status}: ${detail}`);
  }
}
