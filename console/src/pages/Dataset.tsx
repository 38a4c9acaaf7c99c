/** One dataset: its tags with counts, its uploads with status, its selection runs with status. */
import { request, type DatasetData } from '../api.js';
import { Crumbs, ErrorMessage, formatCount, Loading, StatusBadge, When } from '../components.js';
import { useLoad } from '../hooks.js';
import { href } from '../router.js';

export function Dataset({ datasetId }: { datasetId: string }) {
  const { data, error, loading, reload } = useLoad(() => request<DatasetData>('dataset', { id: datasetId }), [datasetId]);
  const dataset = data?.dataset;
  return (
    <main>
      <Crumbs current={dataset ? dataset.name : 'dataset…'} />
      <h1>{dataset ? dataset.name : 'Dataset'}</h1>
      <ErrorMessage error={error} />
      {loading && !dataset && <Loading what="the dataset" />}
      {dataset && (
        <>
          <p>
            {formatCount(dataset.sampleCount)} samples
            {dataset.embeddingDimension !== null ? `, embeddings of dimension ${dataset.embeddingDimension}` : ', no embeddings yet'}. Created <When at={dataset.createdAt} />.
          </p>
          <p class="actions">
            <a class="button" href={href.newSelection(dataset.id)}>
              New selection
            </a>
            <a class="button secondary" href={href.combineTags(dataset.id)}>
              Combine tags
            </a>
            <button type="button" class="secondary" onClick={reload}>
              Refresh
            </button>
          </p>

          <section aria-labelledby="tags-heading">
            <h2 id="tags-heading">Tags</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" class="num">Samples</th>
                  <th scope="col">Made by</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {dataset.tags.items.map((tag) => (
                  <tr key={tag.name}>
                    <th scope="row">
                      <a href={href.tag(dataset.id, tag.name)}>{tag.name}</a>
                    </th>
                    <td class="num">{formatCount(tag.count)}</td>
                    <td>{tag.createdBy}</td>
                    <td>
                      <When at={tag.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {dataset.tags.nextCursor && <p class="muted">The first 100 tags are shown.</p>}
          </section>

          <section aria-labelledby="runs-heading">
            <h2 id="runs-heading">Selection runs</h2>
            {dataset.selectionRuns.items.length === 0 ? (
              <p class="muted">No selections yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Status</th>
                    <th scope="col">Result tag</th>
                    <th scope="col" class="num">Picks</th>
                    <th scope="col">Started</th>
                    <th scope="col">Finished</th>
                  </tr>
                </thead>
                <tbody>
                  {dataset.selectionRuns.items.map((run) => (
                    <tr key={run.id}>
                      <th scope="row">
                        <a href={href.run(run.id)}>
                          <code>{run.id.slice(0, 8)}</code>
                        </a>
                      </th>
                      <td>
                        <StatusBadge status={run.status} /> {run.phase && run.status === 'RUNNING' ? run.phase : ''}
                      </td>
                      <td>{run.resultTagName}</td>
                      <td class="num">{formatCount(run.picksSoFar)}</td>
                      <td>
                        <When at={run.createdAt} />
                      </td>
                      <td>
                        <When at={run.finishedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {dataset.selectionRuns.nextCursor && <p class="muted">The 50 newest runs are shown.</p>}
          </section>

          <section aria-labelledby="uploads-heading">
            <h2 id="uploads-heading">Uploads</h2>
            {dataset.uploads.length === 0 ? (
              <p class="muted">No uploads yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Upload</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">Samples added</th>
                    <th scope="col">Created</th>
                    <th scope="col">Committed</th>
                  </tr>
                </thead>
                <tbody>
                  {dataset.uploads.map((upload) => (
                    <tr key={upload.id}>
                      <th scope="row">
                        <code>{upload.id.slice(0, 8)}</code>
                      </th>
                      <td>
                        <StatusBadge status={upload.status} />
                        {upload.error && <div class="error-text">{upload.error}</div>}
                      </td>
                      <td class="num">{formatCount(upload.samplesAdded)}</td>
                      <td>
                        <When at={upload.createdAt} />
                      </td>
                      <td>
                        <When at={upload.committedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </main>
  );
}
