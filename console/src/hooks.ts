/** Loading data for a page: one request, its result or error, and a way to load again. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 'INTERNAL_ERROR');
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const ticket = ++current.current;
    setState((previous) => ({ ...previous, loading: true }));
    // A late answer to an older request (the page changed meanwhile) is dropped.
    load().then(
      (data) => {
        if (ticket === current.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (ticket === current.current) setState({ error: toApiError(error), loading: false });
      },
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
