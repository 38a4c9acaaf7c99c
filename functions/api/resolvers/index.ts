import type { Resolvers } from '../generated/graphql.js';
import { datasetFields } from './datasetFields.js';
import { datasetMutations, datasetQueries } from './datasets.js';
import { scalarResolvers } from './scalars.js';
import { datasetTagFields, tagFields, tagMutations } from './tags.js';
import { uploadFields, uploadMutations } from './uploads.js';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...datasetQueries },
  Mutation: { ...datasetMutations, ...uploadMutations, ...tagMutations },
  Dataset: { ...datasetFields, ...datasetTagFields },
  Tag: tagFields,
  Upload: uploadFields,
};
