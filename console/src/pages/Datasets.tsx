/** The caller's datasets: samples, tags and the last selection run of each. */
import { useState } from 'preact/hooks';
import { request, type DatasetsData } from '../api.js';
import { ErrorMessage, formatCount, Loading, StatusBadge, When } from '../components.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';

export function Datasets() {
  // Cursors of the pages seen so far, for "Previous".
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const { data, error, loading } = useLoad(() => request<DatasetsData>('datasets', { after }), [after]);
  return (
    <main>
      <h1>Datasets</h1>
      <ErrorMessage error={error} />
      {loading && !data && <Loading what="datasets" />}
      {data && data.datasets.items.length === 0 && (
        <p>
          No datasets yet. Upload a folder with <code>winnow upload DIR --dataset NAME</code>; <code>npm start</code> creates a <code>demo</code> dataset.
        </p>
      )}
      {data && data.datasets.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">Samples</th>
              <th scope="col" class="num">Tags</th>
              <th scope="col">Last run</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {data.datasets.items.map((dataset) => {
              const last = dataset.selectionRuns.items[0];
              return (
                <tr key={dataset.id}>
                  <th scope="row">
                    <a href={href.dataset(dataset.id)}>{dataset.name}</a>
                  </th>
                  <td class="num">{formatCount(dataset.sampleCount)}</td>
                  <td class="num">
                    {dataset.tags.items.length}
                    {dataset.tags.nextCursor ? '+' : ''}
                  </td>
                  <td>
                    {last ? (
                      <a href={href.run(last.id)}>
                        <StatusBadge status={last.status} /> {last.resultTagName}, <When at={last.createdAt} />
                      </a>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                  <td>
                    <When at={dataset.createdAt} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {data && (cursors.length > 1 || data.datasets.nextCursor) && (
        <nav class="pager" aria-label="Pages of datasets">
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <button type="button" disabled={!data.datasets.nextCursor} onClick={() => setCursors([...cursors, data.datasets.nextCursor])}>
            Next
          </button>
        </nav>
      )}
    </main>
  );
}
