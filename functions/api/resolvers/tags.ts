/**
 * Tags over GraphQL: listing, file names (and samples with thumbnails) page by page, download as text, and the mutations (from file
 * names, arithmetic, rename, delete). Every entry point first resolves the dataset for the caller's
 * tenant, so another tenant's tags are never reachable.
 */
import type { ApiContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import type { DatasetResolvers, MutationResolvers, TagResolvers } from '../generated/graphql.js';
import type { TagModel } from '../models.js';
import { PRESIGNED_URL_SECONDS } from '../../ingest/startUpload.js';
import { ColumnReader } from '../../store/columns.js';
import { INITIAL_TAG } from '../../store/tags.js';
import { TagBitset } from '../../store/tagBitset.js';
import { checkPageSize, checkTagName, decodeRowCursor, encodeRowCursor } from '../validation.js';

/** Every presigned URL of the API lives as long: one hour. */
const DOWNLOAD_URL_SECONDS = PRESIGNED_URL_SECONDS;
const FILE_NAME_PAGE_MAX = 1000;

async function tagModel(context: ApiContext, datasetId: string, name: string): Promise<TagModel> {
  const dataset = await context.datasets.get(context.tenantId, datasetId);
  return { dataset, tag: await context.tags.get(dataset.id, name) };
}

/** A page of a tag's rows: `first` rows from the cursor `after`, and the cursor of the next page. */
async function rowPage({ tag, dataset }: TagModel, first: number | null | undefined, after: string | null | undefined, context: ApiContext) {
  const limit = checkPageSize(first, 'first', 100, FILE_NAME_PAGE_MAX);
  const start = decodeRowCursor(after);
  const bits = await context.tags.bits(tag, dataset.sampleCount);
  const rows = bits.rowsFrom(start, limit + 1);
  const reader = new ColumnReader(context.blobs, await context.manifest(dataset));
  return { reader, rows: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeRowCursor(rows[limit]!) : null };
}

export const datasetTagFields: Pick<DatasetResolvers, 'tags' | 'tag'> = {
  tags: async (dataset, { first, after }, { tags }) => {
    const page = await tags.list(dataset.id, { limit: checkPageSize(first), ...(after ? { cursor: after } : {}) });
    return { items: page.items.map((tag) => ({ tag, dataset })), nextCursor: page.nextCursor ?? null };
  },
  tag: async (dataset, { name }, { tags }) => ({ dataset, tag: await tags.get(dataset.id, name) }),
};

export const tagFields: TagResolvers = {
  name: ({ tag }) => tag.name,
  count: ({ tag, dataset }) => (tag.allRows ? dataset.sampleCount : tag.count),
  createdAt: ({ tag }) => tag.createdAt,
  createdBy: ({ tag }) => tag.createdBy,
  parent: ({ tag }) => tag.parent ?? null,
  fileNames: async ({ tag, dataset }, { first, after }, context) => {
    const { reader, rows, nextCursor } = await rowPage({ tag, dataset }, first, after, context);
    return { items: await reader.fileNamesOf(rows), nextCursor };
  },
  samples: async ({ tag, dataset }, { first, after }, context) => {
    const { reader, rows, nextCursor } = await rowPage({ tag, dataset }, first, after, context);
    const [fileNames, thumbnails] = await Promise.all([reader.fileNamesOf(rows), reader.thumbnailKeysOf(dataset.id, rows)]);
    // Presigning is a local signature, no request: a page of URLs costs nothing but the flags read above.
    const urls = await Promise.all(thumbnails.map((key) => (key ? context.blobs.presignGet(key, DOWNLOAD_URL_SECONDS) : null)));
    return { items: fileNames.map((fileName, i) => ({ fileName, thumbnailUrl: urls[i] ?? null })), nextCursor };
  },
  downloadUrl: async ({ tag, dataset }, _args, context) => {
    // The text form is written once per tag (per dataset version for initial-tag, which grows).
    const key = `datasets/${dataset.id}/tags/${tag.tagId}${tag.allRows ? `-v${dataset.version}` : ''}.txt`;
    if ((await context.blobs.size(key)) === undefined) {
      const bits = await context.tags.bits(tag, dataset.sampleCount);
      const reader = new ColumnReader(context.blobs, await context.manifest(dataset));
      const names = await reader.fileNamesOf([...bits.rows()]);
      await context.blobs.put(key, names.length ? `${names.join('\n')}\n` : '', 'text/plain; charset=utf-8');
    }
    return context.blobs.presignGet(key, DOWNLOAD_URL_SECONDS, `${tag.name}.txt`);
  },
};

export const tagMutations: Pick<MutationResolvers, 'createTag' | 'combineTags' | 'renameTag' | 'deleteTag'> = {
  createTag: async (_parent, { datasetId, name, fileNames }, context) => {
    checkTagName(name);
    if (fileNames.length === 0) throw new BadUserInputError('fileNames must name at least one sample', 'fileNames');
    const dataset = await context.datasets.get(context.tenantId, datasetId);
    const reader = new ColumnReader(context.blobs, await context.manifest(dataset));
    const rowOf = new Map((await reader.allFileNames()).map((fileName, row) => [fileName, row]));
    const bits = TagBitset.empty(dataset.sampleCount);
    fileNames.forEach((fileName, index) => {
      const row = rowOf.get(fileName);
      if (row === undefined) {
        throw new BadUserInputError(`fileNames[${index}]: '${fileName}' is not a sample of this dataset`, `fileNames[${index}]`);
      }
      bits.add(row);
    });
    const tag = await context.tags.create({
      datasetId: dataset.id,
      name,
      bits,
      createdBy: `user:${context.tenantId}`,
      parent: 'file names',
    });
    return { tag, dataset };
  },
  combineTags: async (_parent, { name, operation, left, right }, context) => {
    checkTagName(name);
    const a = await tagModel(context, left.datasetId, left.tagName);
    const b = await tagModel(context, right.datasetId, right.tagName);
    if (a.dataset.id !== b.dataset.id) {
      throw new BadUserInputError(
        'tag arithmetic needs two tags of the same dataset: right.datasetId differs from left.datasetId',
        'right.datasetId',
      );
    }
    const dataset = a.dataset;
    const [bitsA, bitsB] = await Promise.all([
      context.tags.bits(a.tag, dataset.sampleCount),
      context.tags.bits(b.tag, dataset.sampleCount),
    ]);
    const bits =
      operation === 'UNION' ? bitsA.union(bitsB) : operation === 'INTERSECTION' ? bitsA.intersection(bitsB) : bitsA.difference(bitsB);
    const tag = await context.tags.create({
      datasetId: dataset.id,
      name,
      bits,
      createdBy: `user:${context.tenantId}`,
      parent: `${operation}(${a.tag.name}, ${b.tag.name})`,
    });
    return { tag, dataset };
  },
  renameTag: async (_parent, { datasetId, name, newName }, context) => {
    checkTagName(newName, 'newName');
    if (name === INITIAL_TAG) throw new BadUserInputError(`${INITIAL_TAG} cannot be renamed`, 'name');
    const dataset = await context.datasets.get(context.tenantId, datasetId);
    return { dataset, tag: await context.tags.rename(dataset.id, name, newName) };
  },
  deleteTag: async (_parent, { datasetId, name }, context) => {
    if (name === INITIAL_TAG) throw new BadUserInputError(`${INITIAL_TAG} cannot be deleted`, 'name');
    const dataset = await context.datasets.get(context.tenantId, datasetId);
    await context.tags.delete(dataset.id, name);
    return true;
  },
};
