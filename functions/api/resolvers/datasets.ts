import type { MutationResolvers, QueryResolvers } from '../generated/graphql.js';
import { deleteDataset } from '../../store/datasetDeletion.js';
import { checkDatasetName, checkPageSize } from '../validation.js';

export const datasetQueries: Pick<QueryResolvers, 'datasets' | 'dataset'> = {
  datasets: (_parent, { first, after }, { datasets, tenantId }) =>
    datasets.list(tenantId, { limit: checkPageSize(first), ...(after ? { cursor: after } : {}) }),
  dataset: (_parent, { id }, { datasets, tenantId }) => datasets.get(tenantId, id),
};

export const datasetMutations: Pick<MutationResolvers, 'createDataset' | 'deleteDataset'> = {
  createDataset: (_parent, { name }, { datasets, tenantId }) =>
    datasets.create({ tenantId, name: checkDatasetName(name) }),
  deleteDataset: async (_parent, { id }, context) => {
    await deleteDataset(context, context.tenantId, id);
    return true;
  },
};
