/** The dataset's descriptive fields, read from its current manifest and upload records. */
import type { DatasetResolvers } from '../generated/graphql.js';

export const datasetFields: Pick<
  DatasetResolvers,
  'embeddingDimension' | 'metadataKeys' | 'tasks' | 'computedMetadataAvailable' | 'upload' | 'uploads'
> = {
  embeddingDimension: (dataset) => (dataset.embeddingDimension ? dataset.embeddingDimension : null),
  metadataKeys: async (dataset, _args, { manifest }) =>
    Object.entries((await manifest(dataset)).metadata)
      .map(([name, key]) => ({ name, type: key.type, computed: key.computed ?? false }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  tasks: async (dataset, _args, { manifest }) =>
    Object.entries((await manifest(dataset)).tasks)
      .map(([name, task]) => ({
        name,
        type: task.type,
        categories: task.categories.map((c) => ({ id: c.id, name: c.name })),
        scoreNames: [...task.scoreNames],
        hasObjectEmbeddings: task.objectEmbeddings,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  computedMetadataAvailable: async (dataset, _args, { manifest }) => (await manifest(dataset)).computedMetadata,
  upload: (dataset, { id }, { uploads }) => uploads.get(dataset.id, id),
  uploads: (dataset, _args, { uploads }) => uploads.list(dataset.id),
};
