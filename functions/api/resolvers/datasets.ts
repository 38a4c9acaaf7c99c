import type { MutationResolvers, QueryResolvers } from '../generated/graphql.js';
import { checkDatasetName, checkPageSize } from '../validation.js';

export const datasetQueries: Pick<QueryResolvers, 'datasets' | 'dataset'> = {
  datasets: (_parent, { first, after }, { datasets, tenantId }) =>
    datasets.list(tenantId, { limit: checkPageSize(first), ...(after ? { cursor: after } : {}) }),
  dataset: (_parent, { id }, { datasets, tenantId }) => datasets.get(tenantId, id),
};

export const datasetMutations: Pick<MutationResolvers, 'createDataset'> = {
  createDataset: (_parent, { name }, { datasets, tenantId }) =>
    datasets.create({ tenantId, name: checkDatasetName(name) }),
};
