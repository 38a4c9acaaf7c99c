/** A small GraphQL-over-HTTP client for tests: real requests, the raw response kept for assertions. */
export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

const keys = new Map<string, string>();

/** Requests to `url` carry this API key unless a test passes its own `authorization` header. */
export function registerApiKey(url: string, key: string): void {
  keys.set(url, key);
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const key = keys.get(url);
  const auth: Record<string, string> = key && !('authorization' in headers) ? { authorization: `Bearer ${key}` } : {};
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphqlResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** A name no other test uses, so suites can share the stand-ins' table. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
