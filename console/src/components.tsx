/** Small pieces every page uses: error and loading states, status badges, dates, breadcrumbs. */
import type { ComponentChildren } from 'preact';
import type { ApiError, RunStatus } from './api.js';

export function ErrorMessage({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message} <span class="code">[{error.code}{error.path ? `, at ${error.path}` : ''}]</span>
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at} title={at}>{date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</time>;
}

export function Crumbs({ children }: { children: ComponentChildren }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      {children}
    </nav>
  );
}

export const formatCount = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
