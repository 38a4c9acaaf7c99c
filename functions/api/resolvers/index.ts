import type { Resolvers } from '../generated/graphql.js';
import { datapoolFields, datapoolMutations, datasetDatapoolFields } from './datapool.js';
import { datasetFields } from './datasetFields.js';
import { datasetMutations, datasetQueries } from './datasets.js';
import { datasetRunFields, runFields, runMutations, runQueries } from './runs.js';
import { scalarResolvers } from './scalars.js';
import { datasetTagFields, tagFields, tagMutations } from './tags.js';
import { uploadFields, uploadMutations } from './uploads.js';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...datasetQueries, ...runQueries },
  Mutation: { ...datasetMutations, ...uploadMutations, ...tagMutations, ...runMutations, ...datapoolMutations },
  Dataset: { ...datasetFields, ...datasetTagFields, ...datasetRunFields, ...datasetDatapoolFields },
  SelectionRun: runFields,
  Tag: tagFields,
  Datapool: datapoolFields,
  Upload: uploadFields,
};
