/**
 * `winnow upload DIR --dataset NAME [--create]`: sends a Lightly-layout folder to a dataset through
 * presigned URLs — `createUpload`, a PUT per file or per part, `commitUpload` — with a progress bar on a
 * terminal and one line per file or part otherwise. An interrupted upload is resumed by running the same
 * command again: what S3 already acknowledged is not sent twice.
 *
 * A name that is not a dataset yet is refused unless `--create` says to create it, so that a typo does not
 * make a new dataset; and a dataset created for an upload that is then rejected is deleted again, so that
 * "nothing was added" leaves nothing behind.
 */
import { resolve } from 'node:path';
import { connect, defineCommand, required } from '../args.js';
import type { UploadOutcome, WinnowApi } from '../client/api.js';
import { ApiError, NameNotFoundError, UploadRejectedError } from '../errors.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';
import { byteProgress, formatBytes } from '../progress.js';
import { clearState, loadState, saveState, sentBytes, stateFile, whyNotResumable, type UploadState } from '../upload/resumeState.js';
import { scanLightlyFolder, type LocalFile } from '../upload/scan.js';
import { pendingSteps, sendSteps, type TransferStep } from '../upload/transfer.js';

const USAGE = `Usage: winnow upload DIR --dataset NAME [--create] [--concurrency N]

Uploads the Lightly-layout folder DIR to the dataset NAME (with --create, a new dataset of that name):
  embeddings.csv (required), embeddings/<task>.csv, .lightly/metadata/…, .lightly/predictions/…, images/…
Other files (and .lightly/tags) are skipped. The server checks every file before it adds any sample; a
rejected upload leaves the dataset as it was and the error names the file and line.

If an upload is interrupted, run the same command again: files and parts already sent are skipped.

Options:
  --dataset NAME     the dataset (required)
  --create           create the dataset NAME if there is none (else an unknown name is an error)
  --concurrency N    transfers at a time (default 4)
  -h, --help         show this help
`;

const SAVE_INTERVAL_MS = 250;

/** Without a terminal: a line per part, per large file, and per tenth of many small files. */
function plainLine(step: TransferStep, sent: number, total: number): string | undefined {
  const decile = (n: number) => Math.floor((10 * n) / total);
  if (step.partNumber !== undefined || step.bytes >= 1 << 20 || total <= 20) return `sent ${step.label} (${formatBytes(step.bytes)})`;
  if (decile(sent) !== decile(sent - 1)) return `sent ${sent} of ${total} transfers`;
  return undefined;
}

/** A saved upload that can go on, with the server's view of it, or undefined to start a new one (after saying why). */
async function resumable(api: WinnowApi, io: CliIo, file: string, files: readonly LocalFile[]): Promise<{ state: UploadState; server: UploadOutcome } | undefined> {
  const state = loadState(file);
  if (!state) return undefined;
  const why = whyNotResumable(state, files);
  const server = why ? undefined : await api.upload(state.datasetId, state.uploadId);
  if (why || !server || server.status === 'REJECTED') {
    io.stderr(`not resuming upload ${state.uploadId}: ${why ?? (server ? 'the server rejected it' : 'the server no longer has it')}; starting a new one\n`);
    clearState(file);
    return undefined;
  }
  return { state, server };
}

/** How often a commit running in the background is checked. */
const COMMIT_POLL_MS = 500;

export function makeUploadCommand(): Command {
  return defineCommand({
    name: 'upload',
    summary: 'upload a Lightly-layout folder to a dataset (resumable)',
    usage: USAGE,
    options: { dataset: { type: 'string' }, create: { type: 'boolean' }, concurrency: { type: 'string' } },
    positionals: true,
    async run({ values, positionals }, io) {
      if (positionals.length !== 1) throw new UsageError('expected one folder: winnow upload DIR --dataset NAME');
      const dir = resolve(positionals[0]!);
      const name = required(values.dataset, '--dataset');
      const concurrency = Number(values.concurrency ?? 4);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError('--concurrency must be an integer from 1 to 32');

      const { files, skipped } = scanLightlyFolder(dir);
      if (skipped.length > 0) io.stderr(`skipping ${skipped.length} file${skipped.length === 1 ? '' : 's'} outside the upload layout (e.g. ${skipped[0]})\n`);
      const api = connect();
      const target = await openDataset(api, io, name, values.create === true);
      const upload: UploadRun = { api, io, target, dir, files, stateFile: stateFile(api.url, target.dataset.id, dir), totalBytes: files.reduce((sum, f) => sum + f.size, 0) };
      const state = await startOrResume(upload);
      if (!state) return EXIT.ok;
      await sendFiles(upload, state, concurrency);
      await commit(upload, state);
      return EXIT.ok;
    },
  });
}

/** The dataset an upload goes to, and whether this command created it. */
interface UploadTarget {
  readonly name: string;
  readonly dataset: { readonly id: string };
  readonly created: boolean;
  /** The error of a rejected upload; a dataset this command created is deleted again first. */
  readonly rejected: (message: string, cause?: unknown) => Promise<UploadRejectedError>;
}

/** What each step of one upload command works on. */
interface UploadRun {
  readonly api: WinnowApi;
  readonly io: CliIo;
  readonly target: UploadTarget;
  readonly dir: string;
  readonly files: readonly LocalFile[];
  /** Where the upload's progress is saved, for a resume. */
  readonly stateFile: string;
  readonly totalBytes: number;
}

/** Finds the dataset NAME, or creates it with `--create` (a typo must not make a new dataset). */
async function openDataset(api: WinnowApi, io: CliIo, name: string, create: boolean): Promise<UploadTarget> {
  if (!create && !(await api.findDataset(name))) {
    throw new NameNotFoundError(`no dataset named "${name}": add --create to create it (list yours with "winnow datasets")`);
  }
  const [dataset, created] = await api.ensureDataset(name);
  if (created) io.stderr(`created dataset ${name} (${dataset.id})\n`);
  const rejected = async (message: string, cause?: unknown): Promise<UploadRejectedError> => {
    let note = '';
    if (created) {
      await api.deleteDataset(dataset.id).then(
        () => (note = `; the dataset ${name} created for it was deleted again`),
        () => (note = `; the dataset ${name} created for it is left empty`),
      );
    }
    return new UploadRejectedError(`the upload was rejected, nothing was added: ${message}${note}`, cause === undefined ? undefined : { cause });
  };
  return { name, dataset, created, rejected };
}

/**
 * The upload to send: a saved one that can go on, or a new one (`createUpload`, then saved). Undefined
 * when the saved upload was committed already (nothing left to do).
 */
async function startOrResume({ api, io, target, dir, files, stateFile: file, totalBytes }: UploadRun): Promise<UploadState | undefined> {
  const saved = await resumable(api, io, file, files);
  if (saved) {
    const { state, server } = saved;
    if (server.status === 'COMMITTED') {
      clearState(file);
      io.stderr(`upload ${state.uploadId} was already committed: ${server.samplesAdded ?? 0} samples added to ${target.name}\n`);
      return undefined;
    }
    if (server.status === 'COMMITTING') {
      throw new Error(`the server is committing upload ${state.uploadId}; run the same command again in a moment to see the result`);
    }
    io.stderr(`resuming upload ${state.uploadId}: ${formatBytes(sentBytes(state))} of ${formatBytes(totalBytes)} already sent\n`);
    return state;
  }
  const upload = await api.createUpload(target.dataset.id, files.map((f) => ({ path: f.path, size: f.size })));
  const local = new Map(files.map((f) => [f.path, f]));
  const state: UploadState = {
    version: 1,
    apiUrl: api.url,
    datasetId: target.dataset.id,
    dir,
    uploadId: upload.id,
    expiresAt: upload.expiresAt,
    files: upload.files.map((f) => ({
      path: f.path,
      size: f.size,
      mtimeMs: local.get(f.path)!.mtimeMs,
      ...(f.url ? { url: f.url } : { partSize: f.partSize!, parts: f.parts!.map((p) => ({ partNumber: p.partNumber, url: p.url })) }),
    })),
  };
  saveState(file, state);
  io.stderr(`upload ${upload.id}: ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(totalBytes)}\n`);
  return state;
}

/** Sends what S3 has not acknowledged yet, with progress, saving the state as parts and files arrive. */
async function sendFiles({ io, files, stateFile: file, totalBytes }: UploadRun, state: UploadState, concurrency: number): Promise<void> {
  const absolute = new Map(files.map((f) => [f.path, f.absolutePath]));
  let done = sentBytes(state);
  const progress = byteProgress(io, totalBytes, 'uploading', done);
  const steps = pendingSteps(state);
  // Saving the state after every small file would rewrite it O(files²) bytes in all: save after every
  // part, and otherwise at most every SAVE_INTERVAL_MS. A file sent but not yet recorded is sent again
  // on a resume, which is harmless (same object key).
  let lastSave = Date.now();
  let sentSteps = 0;
  try {
    await sendSteps({
      steps,
      absolutePath: (path) => absolute.get(path)!,
      concurrency,
      onSent: (step) => {
        if (step.partNumber !== undefined || Date.now() - lastSave >= SAVE_INTERVAL_MS) {
          saveState(file, state);
          lastSave = Date.now();
        }
        done += step.bytes;
        sentSteps += 1;
        progress.update(done, step.label, plainLine(step, sentSteps, steps.length));
      },
    });
  } catch (err) {
    saveState(file, state);
    progress.stop();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n${formatBytes(done)} of ${formatBytes(totalBytes)} sent; run the same command again to resume`, { cause: err });
  }
  saveState(file, state);
  progress.stop();
}

/** `commitUpload`, then (for a commit in the background) following the upload until it is done. */
async function commit({ api, io, target, stateFile: file }: UploadRun, state: UploadState): Promise<void> {
  const multipart = state.files
    .filter((f) => f.parts)
    .map((f) => ({ path: f.path, parts: f.parts!.map((p) => ({ partNumber: p.partNumber, etag: p.etag! })) }));
  io.stderr(`committing upload ${state.uploadId} (the server checks every file)…\n`);
  try {
    let committed = await api.commitUpload(target.dataset.id, state.uploadId, multipart);
    if (committed.status === 'COMMITTING') {
      io.stderr(`the server is converting the upload in the background…\n`);
      committed = await committedInBackground(api, target.dataset.id, state.uploadId);
    }
    if (committed.status === 'REJECTED') {
      clearState(file);
      throw await target.rejected(committed.error ?? 'no reason given');
    }
    if (committed.status !== 'COMMITTED') {
      throw new Error(`the commit did not finish (upload ${state.uploadId} is ${committed.status}); run the same command again to retry`);
    }
    clearState(file);
    const total = await api.sampleCount(target.dataset.id);
    io.stderr(`committed: ${committed.samplesAdded ?? 0} samples added to ${target.name} (now ${total})\n`);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
      clearState(file);
      throw await target.rejected(err.message, err);
    }
    throw err;
  }
}

/** Large uploads are converted after the request: the upload as it is once it is no longer COMMITTING. */
async function committedInBackground(api: WinnowApi, datasetId: string, uploadId: string): Promise<UploadOutcome> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, COMMIT_POLL_MS));
    const now = await api.upload(datasetId, uploadId);
    if (!now) throw new Error(`upload ${uploadId} is gone from the server (its dataset was deleted?)`);
    if (now.status !== 'COMMITTING') return now;
  }
}
