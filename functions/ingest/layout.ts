/**
 * The Lightly folder layout that uploads follow: which paths an upload may contain and what each is.
 * Used by the API (to refuse a bad path before presigning a URL) and by the commit (to find the files).
 */
export type UploadFileKind =
  | { kind: 'embeddings' }
  | { kind: 'objectEmbeddings'; task: string }
  | { kind: 'metadataSchema' }
  | { kind: 'metadataJsonl' }
  | { kind: 'metadataFile'; fileName: string }
  | { kind: 'tasks' }
  | { kind: 'taskSchema'; task: string }
  | { kind: 'predictionsJsonl'; task: string }
  | { kind: 'predictionsFile'; task: string; fileName: string }
  | { kind: 'image'; fileName: string };

const SEGMENT = '[^/\\\\]+';
const PATTERNS: [RegExp, (m: RegExpExecArray) => UploadFileKind][] = [
  [/^embeddings\.csv$/, () => ({ kind: 'embeddings' })],
  [new RegExp(`^embeddings/(${SEGMENT})\\.csv$`), (m) => ({ kind: 'objectEmbeddings', task: m[1]! })],
  [/^\.lightly\/metadata\/schema\.json$/, () => ({ kind: 'metadataSchema' })],
  [/^\.lightly\/metadata\/metadata\.jsonl$/, () => ({ kind: 'metadataJsonl' })],
  [/^\.lightly\/metadata\/(.+)\.json$/, (m) => ({ kind: 'metadataFile', fileName: m[1]! })],
  [/^\.lightly\/predictions\/tasks\.json$/, () => ({ kind: 'tasks' })],
  [new RegExp(`^\\.lightly/predictions/(${SEGMENT})/schema\\.json$`), (m) => ({ kind: 'taskSchema', task: m[1]! })],
  [new RegExp(`^\\.lightly/predictions/(${SEGMENT})/predictions\\.jsonl$`), (m) => ({ kind: 'predictionsJsonl', task: m[1]! })],
  [new RegExp(`^\\.lightly/predictions/(${SEGMENT})/(.+)\\.json$`), (m) => ({ kind: 'predictionsFile', task: m[1]!, fileName: m[2]! })],
  [/^images\/(.+)$/, (m) => ({ kind: 'image', fileName: m[1]! })],
];

export const UPLOAD_PATH_MAX_LENGTH = 1024;

/** What a path is, or a reason why it is not an upload path. */
export function classifyUploadPath(path: string): UploadFileKind | { error: string } {
  if (path.length === 0 || path.length > UPLOAD_PATH_MAX_LENGTH) return { error: `must be 1–${UPLOAD_PATH_MAX_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(path)) return { error: 'must not contain control characters or backslashes' };
  if (path.startsWith('/') || path.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    return { error: 'must be a relative path without empty, "." or ".." segments' };
  }
  for (const [pattern, kind] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return kind(match);
  }
  return {
    error:
      'is not a file of the Lightly layout: expected embeddings.csv, embeddings/<task>.csv, .lightly/metadata/…, .lightly/predictions/… or images/<file>',
  };
}

export const uploadObjectKey = (datasetId: string, uploadId: string, path: string) =>
  `datasets/${datasetId}/uploads/${uploadId}/${path}`;
