/**
 * Offline tags: `.lightly/tags/<tag_name>.txt`, one file name per line. Blank lines are skipped, a name that
 * is listed twice counts once, and a name that is not in the dataset is an error naming the line.
 * `initial-tag` (every sample) exists without a file.
 */
import { TagFormatError } from './errors.js';
import { toNumberedLines, type LineSource } from './json.js';

export const INITIAL_TAG = 'initial-tag';

/** A valid tag name: what may stand in `.lightly/tags/<name>.txt`. */
// eslint-disable-next-line no-control-regex
export const isValidTagName = (name: string) => /^[^/\\\u0000-\u001f]+$/.test(name) && name !== '.' && name !== '..';

/** Parses a tag file to its rows, in ascending order. */
export function parseTagFile(source: LineSource, file: string, rowOf: (fileName: string) => number | undefined): Int32Array {
  const rows = new Set<number>();
  for (const { line, text } of toNumberedLines(source)) {
    const name = text.trim();
    const row = rowOf(name);
    if (row === undefined) throw new TagFormatError('unknown_file', { file, line }, `file ${JSON.stringify(name)} is not in the dataset`);
    rows.add(row);
  }
  return Int32Array.from([...rows].sort((a, b) => a - b));
}
