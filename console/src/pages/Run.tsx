/**
 * A selection run: status, phase and shard progress, refreshed every second while it is queued or
 * running; then its summary, its report embedded, and its result tag. A running selection can be
 * cancelled from here.
 */
import { useEffect, useState } from 'preact/hooks';
import { request, RUN_ACTIVE, type ApiError, type DatasetNameData, type RunData } from '../api.js';
import { Crumbs, ErrorMessage, formatCount, Loading, StatusBadge, When } from '../components.js';
import { toApiError, useLoad } from '../hooks.js';
import { href } from '../router.js';

const POLL_MS = 1000;

export function Run({ runId }: { runId: string }) {
  const { data, error, loading, reload } = useLoad(() => request<RunData>('run', { id: runId }), [runId]);
  const [cancelError, setCancelError] = useState<ApiError | undefined>();
  const [cancelling, setCancelling] = useState(false);
  const run = data?.selectionRun;
  // The run names its dataset by id only: its name, for the breadcrumb, is one small query, asked once.
  const datasetId = run?.datasetId;
  const datasetName = useLoad(() => (datasetId ? request<DatasetNameData>('datasetName', { id: datasetId }) : Promise.resolve(undefined)), [datasetId]);
  const active = run !== undefined && RUN_ACTIVE.includes(run.status);

  // Poll while the run can still change (a failed poll is retried on the next tick).
  useEffect(() => {
    if (!active || loading) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [active, loading, data, error, reload]);

  const cancel = async () => {
    setCancelling(true);
    setCancelError(undefined);
    try {
      await request('cancelSelection', { id: runId });
      reload();
    } catch (caught) {
      setCancelError(toApiError(caught));
    } finally {
      setCancelling(false);
    }
  };

  return (
    <main>
      <Crumbs dataset={run && { id: run.datasetId, name: datasetName.data?.dataset.name }} current={`Selection ${runId.slice(0, 8)}`} />
      <h1>
        Selection <code>{runId.slice(0, 8)}</code>
      </h1>
      <ErrorMessage error={error} />
      {loading && !run && <Loading what="the run" />}
      {run && (
        <>
          <section aria-labelledby="progress-heading">
            <h2 id="progress-heading" class="visually-hidden">
              Progress
            </h2>
            <p id="run-status" role="status" aria-live="polite" class="status-line">
              <StatusBadge status={run.status} />
              {run.phase && active ? ` phase ${run.phase}` : ''}
              {active && run.shardsTotal ? `, shards ${run.shardsDone ?? 0} of ${run.shardsTotal}` : ''}
              {active && run.picksSoFar ? `, ${formatCount(run.picksSoFar)} picked so far` : ''}
            </p>
            {active && run.shardsTotal ? <progress max={run.shardsTotal} value={run.shardsDone ?? 0} aria-label="Shards done" /> : null}
            <dl class="facts">
              <dt>Result tag</dt>
              <dd>
                {run.resultTag ? (
                  <a href={href.tag(run.datasetId, run.resultTag.name)}>
                    {run.resultTag.name} ({formatCount(run.resultTag.count)} samples)
                  </a>
                ) : (
                  run.resultTagName
                )}
              </dd>
              {run.inputTagName && (
                <>
                  <dt>Chosen among</dt>
                  <dd>{run.inputTagName}</dd>
                </>
              )}
              {run.preselectedTagName && (
                <>
                  <dt>Already picked</dt>
                  <dd>{run.preselectedTagName}</dd>
                </>
              )}
              <dt>Created</dt>
              <dd>
                <When at={run.createdAt} />
              </dd>
              <dt>Finished</dt>
              <dd>
                <When at={run.finishedAt} />
              </dd>
            </dl>
            {run.failureReason && (
              <p class="error" role="alert">
                {run.failureReason}
              </p>
            )}
            {active && (
              <button type="button" class="danger" onClick={() => void cancel()} disabled={cancelling}>
                {cancelling ? 'Cancelling…' : 'Cancel selection'}
              </button>
            )}
            <ErrorMessage error={cancelError} />
          </section>

          {run.summary && (
            <section aria-labelledby="summary-heading">
              <h2 id="summary-heading">Summary</h2>
              <dl class="facts">
                <dt>Pool</dt>
                <dd>{formatCount(run.summary.poolSize)}</dd>
                <dt>Requested</dt>
                <dd>{formatCount(run.summary.requested)}</dd>
                <dt>Selected</dt>
                <dd id="summary-selected">{formatCount(run.summary.selected)}</dd>
                <dt>Preselected</dt>
                <dd>{formatCount(run.summary.preselected)}</dd>
                <dt>Stopped because</dt>
                <dd>{run.summary.stopReason}</dd>
              </dl>
              {run.summary.dropped.length > 0 && (
                <>
                  <h3>Dropped rows</h3>
                  <ul>
                    {run.summary.dropped.map((d) => (
                      <li key={d.reason}>
                        {formatCount(d.count)}: {d.reason}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {run.summary.notes.length > 0 && (
                <>
                  <h3>Notes</h3>
                  <ul>
                    {run.summary.notes.map((note) => (
                      <li key={note}>{note}</li>
                    ))}
                  </ul>
                </>
              )}
              {run.timings.length > 0 && (
                <p class="muted">Timings: {run.timings.map((t) => `${t.phase} ${(t.milliseconds / 1000).toFixed(1)} s`).join(', ')}</p>
              )}
            </section>
          )}

          {run.report && (
            <section aria-labelledby="report-heading">
              <h2 id="report-heading">Report</h2>
              <p>
                <a href={run.report.htmlUrl} target="_blank" rel="noopener noreferrer">
                  Open the report in a new tab
                </a>{' '}
                <span class="muted">(the link is valid for an hour)</span>
              </p>
              {/* The report is self-contained HTML from the bucket; sandboxed, it runs no script here. */}
              <iframe class="report" title="Selection report" src={run.report.htmlUrl} sandbox="" referrerpolicy="no-referrer" />
            </section>
          )}

          <details>
            <summary>Config as sent</summary>
            <pre>{JSON.stringify(run.config, null, 2)}</pre>
          </details>
        </>
      )}
    </main>
  );
}
