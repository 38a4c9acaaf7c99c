/**
 * Hash routes (`#/datasets/<id>`): the console is static files, so any path of the bucket or server
 * serves it, deep links survive a reload, and the server needs no fallback rule.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'datasets' }
  | { page: 'dataset'; datasetId: string }
  | { page: 'newSelection'; datasetId: string }
  | { page: 'combineTags'; datasetId: string }
  | { page: 'tag'; datasetId: string; tagName: string }
  | { page: 'run'; runId: string }
  | { page: 'notFound'; path: string };

export const href = {
  datasets: () => '#/datasets',
  dataset: (datasetId: string) => `#/datasets/${encodeURIComponent(datasetId)}`,
  newSelection: (datasetId: string) => `#/datasets/${encodeURIComponent(datasetId)}/select`,
  combineTags: (datasetId: string) => `#/datasets/${encodeURIComponent(datasetId)}/combine`,
  tag: (datasetId: string, tagName: string) => `#/datasets/${encodeURIComponent(datasetId)}/tags/${encodeURIComponent(tagName)}`,
  run: (runId: string) => `#/runs/${encodeURIComponent(runId)}`,
};

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, id, sub, name] = parts;
  if (parts.length === 0 || (first === 'datasets' && parts.length === 1)) return { page: 'datasets' };
  if (first === 'datasets' && id !== undefined) {
    if (parts.length === 2) return { page: 'dataset', datasetId: id };
    if (parts.length === 3 && sub === 'select') return { page: 'newSelection', datasetId: id };
    if (parts.length === 3 && sub === 'combine') return { page: 'combineTags', datasetId: id };
    if (parts.length === 4 && sub === 'tags' && name !== undefined) return { page: 'tag', datasetId: id, tagName: name };
  }
  if (first === 'runs' && id !== undefined && parts.length === 2) return { page: 'run', runId: id };
  return { page: 'notFound', path };
}

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
