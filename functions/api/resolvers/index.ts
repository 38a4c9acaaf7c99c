import type { Resolvers } from '../generated/graphql.js';
import { datasetMutations, datasetQueries } from './datasets.js';
import { scalarResolvers } from './scalars.js';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...datasetQueries },
  Mutation: { ...datasetMutations },
};
