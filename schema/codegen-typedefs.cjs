// Code generator plugin: emits the schema's SDL as a TypeScript string, so the Lambda bundle, the local
// server and the tests all load the same schema without reading files at run time.
const { printSchema } = require('graphql');

module.exports = {
  plugin(schema) {
    return `export const typeDefs = ${JSON.stringify(printSchema(schema))};\n`;
  },
};
