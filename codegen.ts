// GraphQL Code Generator: schema/schema.graphql is the one source of the API's types. Resolvers are
// typed from it, so a schema change that the code does not follow fails the type-check; the SDL itself
// is emitted as a module so no file is read at run time.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'functions/api/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../context.js#ApiContext',
        mappers: {
          Dataset: '../../store/datasets.js#Dataset as DatasetRecord',
          Tag: '../models.js#TagModel',
          Datapool: '../models.js#DatapoolModel',
          Upload: '../../store/uploads.js#Upload as UploadRecord',
          SelectionRun: '../../store/runs.js#SelectionRun as RunRecord',
        },
        scalars: { JSON: 'unknown', DateTime: 'string' },
        enumsAsTypes: true,
        useIndexSignature: true,
      },
    },
    'functions/api/generated/typeDefs.ts': {
      plugins: ['./schema/codegen-typedefs.cjs'],
    },
  },
};
export default config;
