/**
 * The files of a Lightly-layout folder that an upload sends: every path the API accepts (the same
 * rules the server applies, from ingest/lightlyFolder.ts), with size and modification time so that a
 * resumed upload can tell whether the folder changed meanwhile.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { lightlyFolderFiles } from '../../ingest/lightlyFolder.js';

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

/** Every file below a folder (recursively), by its layout path; an error if `dir` is no folder. */
export function listFolder(dir: string): { path: string; absolutePath: string }[] {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new Error(`${dir}: not a directory`);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const absolutePath = join(entry.parentPath, entry.name);
      return { path: relative(dir, absolutePath).split(sep).join('/'), absolutePath };
    });
}

/**
 * The upload files of a folder, checked by the rules an upload's commit applies (ingest/lightlyFolder.ts)
 * before anything is sent.
 */
export function scanLightlyFolder(dir: string): ScannedFolder {
  const listed = listFolder(dir);
  const layout = lightlyFolderFiles(listed.map((file) => file.path), (path) => join(dir, path));
  const skipped = new Set(layout.other);
  const files: LocalFile[] = listed
    .filter((file) => !skipped.has(file.path))
    .map(({ path, absolutePath }) => {
      const stat = statSync(absolutePath);
      return { path, absolutePath, size: stat.size, mtimeMs: stat.mtimeMs };
    });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!files.some((f) => f.path === 'embeddings.csv')) {
    throw new Error(`${dir}: no embeddings.csv (every upload needs it: it defines the samples the upload adds)`);
  }
  return { files, skipped: [...skipped] };
}
