/** Requests without a valid API key, end to end: refused with HTTP 401 and `UNAUTHENTICATED`, whatever the target. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { connectE2eTarget, type E2eConnection } from './connect.js';

let target: E2eConnection;

beforeAll(async () => {
  target = await connectE2eTarget();
});
afterAll(() => target?.close());

async function post(headers: Record<string, string>): Promise<{ status: number; body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ datasets { items { id name } } }' }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

describe('authentication, end to end', () => {
  const refusals: [string, (key: string) => Record<string, string>][] = [
    ['no key', () => ({})],
    ['a well-formed key that was never issued', () => ({ authorization: `Bearer ${newApiKey().key}` })],
    ['a malformed key', () => ({ authorization: 'Bearer not-a-key' })],
    ['the right key without the Bearer scheme', (key) => ({ authorization: key })],
  ];
  it.each(refusals)('refuses %s with 401 UNAUTHENTICATED and no data', async (_name, headers) => {
    const { status, body } = await post(headers(target.apiKey));
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('serves the same request with the key', async () => {
    const { status, body } = await post({ authorization: `Bearer ${target.apiKey}` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ datasets: { items: expect.any(Array) } });
  });
});
