/** Parsers of the Lightly folder formats. Pure: they take text, chunks or lines, never paths. */
export * from './errors.js';
export * from './embeddingsCsv.js';
export * from './objectEmbeddings.js';
export * from './metadata.js';
export * from './predictions.js';
export * from './tags.js';
export { JsonContext, numberedLines, toNumberedLines, type JsonObject, type JsonValue, type LineSource } from './json.js';
