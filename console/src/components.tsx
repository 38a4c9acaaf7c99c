/** Small pieces every page uses: error and loading states, status badges, dates, breadcrumbs. */
import type { ApiError, RunStatus } from './api.js';
import { href } from './router.js';

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

/**
 * Where a page sits: Datasets › the dataset, by name › this page (marked as the current one). The name
 * reads `dataset…` until it has loaded.
 */
export function Crumbs({ dataset, current }: { dataset?: { id: string; name: string | undefined }; current: string }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        <li>
          <a href={href.datasets()}>Datasets</a>
        </li>
        {dataset && (
          <li>
            <a href={href.dataset(dataset.id)}>{dataset.name ?? 'dataset…'}</a>
          </li>
        )}
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  );
}

export const formatCount = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
