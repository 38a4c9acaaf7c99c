/**
 * The files of a Lightly-layout folder that an upload sends: every path the API accepts
 * (`classifyUploadPath`, the same rule the server applies), with size and modification time so that a
 * resumed upload can tell whether the folder changed meanwhile.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { classifyUploadPath } from '../../ingest/layout.js';

export interface LocalFile {
  /** Path in the layout, with `/` separators. */
  readonly path: string;
  readonly absolutePath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface ScannedFolder {
  readonly files: LocalFile[];
  /** Layout paths that are not uploaded (tags) or not part of the layout at all. */
  readonly skipped: string[];
}

export function scanLightlyFolder(dir: string): ScannedFolder {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new Error(`${dir}: not a directory`);
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const absolutePath = join(entry.parentPath, entry.name);
    const path = relative(dir, absolutePath).split(sep).join('/');
    if ('error' in classifyUploadPath(path)) {
      skipped.push(path);
      continue;
    }
    const stat = statSync(absolutePath);
    files.push({ path, absolutePath, size: stat.size, mtimeMs: stat.mtimeMs });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  skipped.sort();
  if (!files.some((f) => f.path === 'embeddings.csv')) {
    throw new Error(`${dir}: no embeddings.csv (every upload needs it: it defines the samples the upload adds)`);
  }
  return { files, skipped };
}
