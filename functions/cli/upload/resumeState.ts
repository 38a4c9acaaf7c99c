/**
 * What an upload in progress has sent, saved after every file and part so that a rerun of the same
 * command (same API, dataset and folder) skips what is already in S3. The state lives in the user's data
 * directory (`~/.local/share/winnow/uploads/` on Linux), one file per (API, dataset, folder), mode 0600
 * since it holds presigned URLs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientPaths } from '../client/config.js';
import type { LocalFile } from './scan.js';

export interface FileState {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Presigned PUT for a file sent whole. */
  readonly url?: string;
  /** Sent whole and acknowledged. */
  sent?: boolean;
  readonly partSize?: number;
  readonly parts?: { readonly partNumber: number; readonly url: string; etag?: string }[];
}

export interface UploadState {
  readonly version: 1;
  readonly apiUrl: string;
  readonly datasetId: string;
  readonly dir: string;
  readonly uploadId: string;
  readonly expiresAt: string;
  readonly files: FileState[];
}

/** URLs this close to expiry are not worth resuming with: start a new upload instead. */
const EXPIRY_MARGIN_MS = 10 * 60 * 1000;

export function stateFile(apiUrl: string, datasetId: string, dir: string): string {
  const key = createHash('sha256').update(`${apiUrl}\n${datasetId}\n${resolve(dir)}`).digest('hex').slice(0, 32);
  return join(clientPaths().data, 'uploads', `${key}.json`);
}

export function loadState(file: string): UploadState | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as UploadState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined; // none, or unreadable: start afresh
  }
}

/** Written aside and renamed, so an interruption mid-write leaves the previous state whole. */
export function saveState(file: string, state: UploadState): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  renameSync(temporary, file);
}

export function clearState(file: string): void {
  rmSync(file, { force: true });
}

/** Why a saved state cannot be resumed with these files, or undefined when it can. */
export function whyNotResumable(state: UploadState, files: readonly LocalFile[], now = Date.now()): string | undefined {
  if (Date.parse(state.expiresAt) - EXPIRY_MARGIN_MS < now) return 'its upload URLs have expired';
  if (state.files.length !== files.length) return 'the folder has changed';
  const saved = new Map(state.files.map((f) => [f.path, f]));
  for (const file of files) {
    const before = saved.get(file.path);
    if (!before || before.size !== file.size || before.mtimeMs !== file.mtimeMs) return `${file.path} has changed`;
  }
  return undefined;
}

/** Bytes already acknowledged. */
export function sentBytes(state: UploadState): number {
  let total = 0;
  for (const file of state.files) {
    if (file.sent) total += file.size;
    for (const part of file.parts ?? []) if (part.etag) total += Math.min(file.partSize!, file.size - (part.partNumber - 1) * file.partSize!);
  }
  return total;
}
