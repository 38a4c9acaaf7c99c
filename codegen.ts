// GraphQL Code Generator: schema/schema.graphql is the one source of the API's types; resolvers are
// typed from it so a schema change that the code does not follow fails the type-check.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'functions/api/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../context.js#ApiContext',
        mappers: {},
        scalars: { JSON: 'unknown', DateTime: 'string' },
        enumsAsTypes: true,
        avoidOptionals: false,
        useIndexSignature: true,
      },
    },
  },
};
export default config;
