/** Selection runs over GraphQL: start, cancel, read (status, summary, result tag, per-pick reasons, report). */
import type { DatasetResolvers, MutationResolvers, QueryResolvers, SelectionRunResolvers } from '../generated/graphql.js';
import { checkPageSize, checkTagName, decodeRowCursor, encodeRowCursor } from '../validation.js';
import { cancelSelectionRun, startSelectionRun } from '../../workflow/client.js';
import { loadPicks } from '../../workflow/results.js';
import { reportExists, reportKeys } from '../../report/store.js';
import { NotFoundError } from '../../store/errors.js';
import { PRESIGNED_URL_SECONDS } from '../../ingest/startUpload.js';
import type { ApiContext } from '../context.js';

const PICK_PAGE_MAX = 1000;
/** The order the workflow runs its tasks in, for `taskTimings`. */
const TASK_ORDER = ['plan', 'shard', 'select', 'finish', 'markFailed'];
/** Every presigned URL of the API lives as long: one hour. */
const REPORT_URL_SECONDS = PRESIGNED_URL_SECONDS;

/** A run of the caller's tenant; another tenant's run is reported as missing. */
async function ownRun(context: ApiContext, id: string) {
  const run = await context.runs.get(id);
  if (run.tenantId !== context.tenantId) throw new NotFoundError('selection run', id);
  return run;
}

export const runQueries: Pick<QueryResolvers, 'selectionRun'> = {
  selectionRun: (_parent, { id }, context) => ownRun(context, id),
};

export const runMutations: Pick<MutationResolvers, 'startSelection' | 'cancelSelection'> = {
  startSelection: (_parent, args, context) => {
    checkTagName(args.resultTagName, 'resultTagName');
    // An idempotency key follows the same rules as a name: 1–128 printable characters.
    if (args.idempotencyKey != null) checkTagName(args.idempotencyKey, 'idempotencyKey');
    return startSelectionRun(context, {
      tenantId: context.tenantId,
      datasetId: args.datasetId,
      config: args.config,
      typedConfig: args.typedConfig ?? undefined,
      resultTagName: args.resultTagName,
      ...(args.inputTagName ? { inputTagName: args.inputTagName } : {}),
      ...(args.preselectedTagName ? { preselectedTagName: args.preselectedTagName } : {}),
      ...(args.idempotencyKey ? { idempotencyKey: args.idempotencyKey } : {}),
      ...(args.useDatapool ? { datapool: { processAll: args.processAll ?? false } } : {}),
    });
  },
  cancelSelection: async (_parent, { id }, context) => cancelSelectionRun(context, await ownRun(context, id)),
};

export const datasetRunFields: Pick<DatasetResolvers, 'selectionRuns'> = {
  selectionRuns: async (dataset, { first, after }, { runs }) => {
    const page = await runs.listForDataset(dataset.id, { limit: checkPageSize(first), ...(after ? { cursor: after } : {}) });
    return { items: page.items, nextCursor: page.nextCursor ?? null };
  },
};

export const runFields: SelectionRunResolvers = {
  id: (run) => run.id,
  datasetId: (run) => run.datasetId,
  status: (run) => run.status,
  phase: (run) => run.phase ?? null,
  config: (run) => run.config,
  resultTagName: (run) => run.resultTagName,
  inputTagName: (run) => run.inputTagName ?? null,
  preselectedTagName: (run) => run.preselectedTagName ?? null,
  createdAt: (run) => run.createdAt,
  startedAt: (run) => run.startedAt ?? null,
  finishedAt: (run) => run.finishedAt ?? null,
  executionArn: (run) => run.executionArn ?? null,
  shardsTotal: (run) => run.shardsTotal ?? null,
  shardsDone: (run) => run.shardsDone ?? null,
  picksSoFar: (run) => run.picksSoFar ?? null,
  failureReason: (run) => run.failureReason ?? null,
  summary: (run) => {
    const summary = run.summary;
    if (!summary) return null;
    return {
      ...summary,
      dropped: [...summary.dropped],
      notes: [...(summary.notes ?? [])],
      duplicates: summary.duplicates
        ? { count: summary.duplicates.count, listed: summary.duplicates.listed.map((d) => ({ fileName: d.fileName ?? '', duplicateOfFileName: d.duplicateOfFileName ?? '' })) }
        : null,
      sequences: summary.sequences ? { ...summary.sequences, picked: summary.sequences.picked.map((p) => ({ ...p, fileNames: [...p.fileNames] })) } : null,
    };
  },
  timings: (run) => Object.entries(run.timings ?? {}).map(([phase, milliseconds]) => ({ phase, milliseconds })),
  taskTimings: (run) =>
    Object.values(run.taskTimings ?? {})
      .map((t) => ({ task: t.task, shard: t.shard ?? null, hop: t.hop ?? null, milliseconds: t.milliseconds, peakRssMb: t.peakRssMb }))
      .sort((a, b) => TASK_ORDER.indexOf(a.task) - TASK_ORDER.indexOf(b.task) || (a.shard ?? a.hop ?? 0) - (b.shard ?? b.hop ?? 0)),
  resultTag: async (run, _args, context) => {
    if (run.status !== 'SUCCEEDED') return null;
    const dataset = await context.datasets.get(context.tenantId, run.datasetId);
    return { dataset, tag: await context.tags.get(dataset.id, run.resultTagName) };
  },
  picks: async (run, { first, after }, context) => {
    const limit = checkPageSize(first, 'first', 100, PICK_PAGE_MAX);
    const start = decodeRowCursor(after);
    const picks = run.status === 'SUCCEEDED' ? await loadPicks(context.blobs, run.id) : [];
    const items = picks.slice(start, start + limit).map((pick) => ({ ...pick, objectives: [...pick.objectives] }));
    return { items, nextCursor: start + limit < picks.length ? encodeRowCursor(start + limit) : null };
  },
  // Null until the run has SUCCEEDED, and for a run whose report could not be made (its summary notes why).
  report: async (run, _args, { blobs }) => {
    if (run.status !== 'SUCCEEDED' || !(await reportExists(blobs, run.id))) return null;
    const [htmlUrl, jsonUrl] = await Promise.all([
      blobs.presignGet(reportKeys.html(run.id), REPORT_URL_SECONDS),
      blobs.presignGet(reportKeys.json(run.id), REPORT_URL_SECONDS),
    ]);
    return { htmlUrl, jsonUrl };
  },
};
