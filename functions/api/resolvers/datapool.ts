/** The datapool and the corrupt samples over GraphQL: read the pool, reset it, list unreadable images. */
import type { DatapoolResolvers, DatasetResolvers, MutationResolvers } from '../generated/graphql.js';
import { checkPageSize, decodeRowCursor, encodeRowCursor } from '../validation.js';
import { ColumnReader } from '../../store/columns.js';
import { TagBitset } from '../../store/tagBitset.js';
import { runStatusOf } from '../../workflow/selectionExtras.js';

const PAGE_MAX = 1000;
export const DATAPOOL_TAG_NAME = 'datapool';

export const datapoolMutations: Pick<MutationResolvers, 'resetDatapool'> = {
  resetDatapool: async (_parent, { datasetId }, context) => {
    const dataset = await context.datasets.get(context.tenantId, datasetId);
    return { dataset, pool: await context.datapools.reset(dataset.id, runStatusOf(context.runs)) };
  },
};

export const datasetDatapoolFields: Pick<DatasetResolvers, 'datapool' | 'corruptSamples'> = {
  datapool: async (dataset, _args, context) => ({ dataset, pool: await context.datapools.get(dataset.id, runStatusOf(context.runs)) }),
  corruptSamples: async (dataset, { first, after }, context) => {
    const limit = checkPageSize(first, 'first', 100, PAGE_MAX);
    const start = decodeRowCursor(after);
    const all = (await context.manifest(dataset)).corruptSamples ?? [];
    const items = all.slice(start, start + limit).map(({ fileName, reason }) => ({ fileName, reason }));
    return { items, nextCursor: start + limit < all.length ? encodeRowCursor(start + limit) : null };
  },
};

export const datapoolFields: DatapoolResolvers = {
  tagName: () => DATAPOOL_TAG_NAME,
  count: ({ pool }) => pool.count,
  newSamplesFrom: ({ pool }) => pool.newFrom,
  activeRunId: ({ pool }) => pool.activeRunId ?? null,
  history: ({ pool }) => pool.history.map((h) => ({ event: h.event, runId: h.runId ?? null, at: h.at, added: h.added, count: h.count })),
  fileNames: async ({ pool, dataset }, { first, after }, context) => {
    const limit = checkPageSize(first, 'first', 100, PAGE_MAX);
    const start = decodeRowCursor(after);
    if (!pool.bitsKey) return { items: [], nextCursor: null };
    const bytes = await context.blobs.get(pool.bitsKey);
    if (!bytes) throw new Error(`datapool bitset ${pool.bitsKey} is missing`);
    const rows = TagBitset.fromBytes(pool.rowCount, bytes).rowsFrom(start, limit + 1);
    const reader = new ColumnReader(context.blobs, await context.manifest(dataset));
    const items = await reader.fileNamesOf(rows.slice(0, limit));
    return { items, nextCursor: rows.length > limit ? encodeRowCursor(rows[limit]!) : null };
  },
};
