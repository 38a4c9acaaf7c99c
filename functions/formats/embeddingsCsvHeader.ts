/** The header line of an embeddings CSV: its columns, the embedding dimension, and each column's role. */
import { Role } from './embeddingsCsvNumbers.js';
import type { EmbeddingsCsvHeader } from './embeddingsCsvTypes.js';

/**
 * Reads the header line; `headerError` makes the error for what is wrong with it. `roles` has one entry
 * per column after `filenames`.
 */
export function parseEmbeddingsHeader(line: string, headerError: (reason: string) => Error): { header: EmbeddingsCsvHeader; roles: Role[] } {
  const columns = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (columns[0] !== 'filenames') {
    throw headerError(`the first column must be "filenames", found ${JSON.stringify(columns[0])}`);
  }
  let dim = 0;
  while (columns[1 + dim] === `embedding_${dim}`) dim++;
  if (dim === 0) throw headerError(`column 2 must be "embedding_0", found ${JSON.stringify(columns[1] ?? '')}`);
  const roles: Role[] = [];
  const seen = new Set<string>();
  let hasLabels = false;
  for (let c = 1; c < columns.length; c++) {
    const name = columns[c]!;
    if (seen.has(name)) throw headerError(`column "${name}" appears twice`);
    seen.add(name);
    if (c <= dim) roles.push(Role.Embedding);
    else if (name === 'labels') {
      roles.push(Role.Label);
      hasLabels = true;
    } else if (name === 'masked' || name === 'selected') roles.push(Role.Ignored);
    else if (/^embedding_\d+$/.test(name)) {
      throw headerError(`embedding columns must be embedding_0…embedding_{D-1} in order; "${name}" is out of place after embedding_${dim - 1}`);
    } else {
      throw headerError(`unknown column "${name}" (expected filenames, embedding_0…, labels, and optionally masked, selected)`);
    }
  }
  if (!hasLabels) throw headerError('missing the "labels" column');
  return { header: { dim, columns }, roles };
}
