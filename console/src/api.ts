/**
 * The console's only way to the data: the GraphQL API at `/graphql` of the page's own origin (the local
 * server serves both; in AWS, CloudFront routes `/graphql` to the HTTP API), with the API key as
 * `Authorization: Bearer`. The key lives in `sessionStorage` only: it is gone when the tab is closed, it
 * is never put in a URL, a cookie or `localStorage`.
 */

import { OPERATIONS } from './operations.js';

export const GRAPHQL_PATH = './graphql';
const KEY_ITEM = 'winnow.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_ITEM),
  signIn: (key: string): void => sessionStorage.setItem(KEY_ITEM, key),
  signOut: (): void => sessionStorage.removeItem(KEY_ITEM),
};

/** A refusal or failure, with the API's stable `extensions.code` and, for bad input, the argument's path. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

export { OPERATIONS };
export type OperationName = keyof typeof OPERATIONS;

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; path?: string } }[];
}

/** Listeners told when the API refuses the key, so the console can return to the sign-in page. */
const refusedListeners = new Set<(error: ApiError) => void>();
export function onKeyRefused(listener: (error: ApiError) => void): () => void {
  refusedListeners.add(listener);
  return () => refusedListeners.delete(listener);
}

/** Sends one operation with the given key (default: the session's). */
export async function request<T>(operation: OperationName, variables: Record<string, unknown> = {}, key = session.key()): Promise<T> {
  if (!key) {
    const error = new ApiError('Sign in with an API key first.', 'UNAUTHENTICATED');
    refusedListeners.forEach((listener) => listener(error));
    throw error;
  }
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: OPERATIONS[operation], variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(`The API at ${new URL(GRAPHQL_PATH, location.href).href} did not answer. Is the server running?`, 'NETWORK_ERROR');
  }
  let body: GraphqlResponse<T>;
  try {
    body = (await response.json()) as GraphqlResponse<T>;
  } catch {
    throw new ApiError(`The API answered HTTP ${response.status} with something other than GraphQL.`, 'BAD_RESPONSE');
  }
  const first = body.errors?.[0];
  if (response.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED') {
    const error = new ApiError('The API refused this key (HTTP 401, UNAUTHENTICATED). Check that it was copied whole, or ask for a new one.', 'UNAUTHENTICATED');
    refusedListeners.forEach((listener) => listener(error));
    throw error;
  }
  if (first) throw new ApiError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.extensions?.path);
  if (!body.data) throw new ApiError(`The API answered HTTP ${response.status} without data.`, 'BAD_RESPONSE');
  return body.data;
}

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const RUN_ACTIVE: readonly RunStatus[] = ['QUEUED', 'RUNNING'];

export interface DatasetsData {
  datasets: {
    items: {
      id: string;
      name: string;
      sampleCount: number;
      createdAt: string;
      tags: { items: { name: string }[]; nextCursor: string | null };
      selectionRuns: { items: { id: string; status: RunStatus; resultTagName: string; createdAt: string }[] };
    }[];
    nextCursor: string | null;
  };
}

export interface DatasetNameData {
  dataset: { id: string; name: string };
}

export interface TagSummary {
  name: string;
  count: number;
  createdBy: string;
  createdAt: string;
}

export interface DatasetData {
  dataset: {
    id: string;
    name: string;
    sampleCount: number;
    embeddingDimension: number | null;
    createdAt: string;
    tags: { items: TagSummary[]; nextCursor: string | null };
    uploads: { id: string; status: string; createdAt: string; committedAt: string | null; samplesAdded: number | null; error: string | null }[];
    selectionRuns: {
      items: { id: string; status: RunStatus; phase: string | null; resultTagName: string; createdAt: string; finishedAt: string | null; picksSoFar: number | null }[];
      nextCursor: string | null;
    };
  };
}

export interface RunData {
  selectionRun: {
    id: string;
    datasetId: string;
    status: RunStatus;
    phase: string | null;
    config: unknown;
    resultTagName: string;
    inputTagName: string | null;
    preselectedTagName: string | null;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    shardsTotal: number | null;
    shardsDone: number | null;
    picksSoFar: number | null;
    failureReason: string | null;
    summary: {
      poolSize: number;
      requested: number;
      selected: number;
      preselected: number;
      dropped: { reason: string; count: number }[];
      stopReason: string;
      notes: string[];
    } | null;
    timings: { phase: string; milliseconds: number }[];
    resultTag: { name: string; count: number } | null;
    report: { htmlUrl: string } | null;
  };
}

export interface TagData {
  dataset: {
    id: string;
    name: string;
    tag: {
      name: string;
      count: number;
      createdBy: string;
      createdAt: string;
      parent: string | null;
      samples: { items: { fileName: string; thumbnailUrl: string | null }[]; nextCursor: string | null };
    };
  };
}
