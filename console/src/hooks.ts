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
  // `loadedFor` is the deps the state answers. Between a change of deps and the effect that starts the
  // new request, Preact renders once with the old state: comparing deps here makes that render say
  // "loading" too, so a page never shows the old data under the new page's numbers.
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; loadedFor?: readonly unknown[] }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const ticket = ++current.current;
    const loadedFor = [...deps];
    setState((previous) => ({ ...previous, loading: true }));
    // A late answer to an older request (the page changed meanwhile) is dropped.
    load().then(
      (data) => {
        if (ticket === current.current) setState({ data, loading: false, loadedFor });
      },
      (error: unknown) => {
        if (ticket === current.current) setState({ error: toApiError(error), loading: false, loadedFor });
      },
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const answersDeps = state.loadedFor !== undefined && state.loadedFor.length === deps.length && state.loadedFor.every((value, i) => Object.is(value, deps[i]));
  return { data: state.data, error: state.error, loading: state.loading || !answersDeps, reload };
}
