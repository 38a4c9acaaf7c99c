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
      const totalBytes = files.reduce((sum, f) => sum + f.size, 0);

      const api = connect();
      if (!values.create && !(await api.findDataset(name))) {
        throw new NameNotFoundError(`no dataset named "${name}": add --create to create it (list yours with "winnow datasets")`);
      }
      const [dataset, created] = await api.ensureDataset(name);
      if (created) io.stderr(`created dataset ${name} (${dataset.id})\n`);
      /** A rejected upload into the dataset this command created leaves no dataset behind. */
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
      const file = stateFile(api.url, dataset.id, dir);

      const saved = await resumable(api, io, file, files);
      let state = saved?.state;
      if (saved && state) {
        if (saved.server.status === 'COMMITTED') {
          clearState(file);
          io.stderr(`upload ${state.uploadId} was already committed: ${saved.server.samplesAdded ?? 0} samples added to ${name}\n`);
          return EXIT.ok;
        }
        if (saved.server.status === 'COMMITTING') {
          throw new Error(`the server is committing upload ${state.uploadId}; run the same command again in a moment to see the result`);
        }
        io.stderr(`resuming upload ${state.uploadId}: ${formatBytes(sentBytes(state))} of ${formatBytes(totalBytes)} already sent\n`);
      } else {
        const upload = await api.createUpload(dataset.id, files.map((f) => ({ path: f.path, size: f.size })));
        const local = new Map(files.map((f) => [f.path, f]));
        state = {
          version: 1,
          apiUrl: api.url,
          datasetId: dataset.id,
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
      }

      const absolute = new Map(files.map((f) => [f.path, f.absolutePath]));
      let done = sentBytes(state);
      const progress = byteProgress(io, totalBytes, 'uploading', done);
      const current = state;
      const steps = pendingSteps(current);
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
              saveState(file, current);
              lastSave = Date.now();
            }
            done += step.bytes;
            sentSteps += 1;
            progress.update(done, step.label, plainLine(step, sentSteps, steps.length));
          },
        });
      } catch (err) {
        saveState(file, current);
        progress.stop();
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`${message}\n${formatBytes(done)} of ${formatBytes(totalBytes)} sent; run the same command again to resume`, { cause: err });
      }
      saveState(file, current);
      progress.stop();

      const multipart = current.files
        .filter((f) => f.parts)
        .map((f) => ({ path: f.path, parts: f.parts!.map((p) => ({ partNumber: p.partNumber, etag: p.etag! })) }));
      io.stderr(`committing upload ${current.uploadId} (the server checks every file)…\n`);
      try {
        let committed = await api.commitUpload(dataset.id, current.uploadId, multipart);
        if (committed.status === 'COMMITTING') {
          // Large uploads are converted after the request; follow the upload until it is done.
          io.stderr(`the server is converting the upload in the background…\n`);
          for (;;) {
            await new Promise((resolve) => setTimeout(resolve, COMMIT_POLL_MS));
            const now = await api.upload(dataset.id, current.uploadId);
            if (!now) throw new Error(`upload ${current.uploadId} is gone from the server (its dataset was deleted?)`);
            committed = now;
            if (committed.status !== 'COMMITTING') break;
          }
        }
        if (committed.status === 'REJECTED') {
          clearState(file);
          throw await rejected(committed.error ?? 'no reason given');
        }
        if (committed.status !== 'COMMITTED') {
          throw new Error(`the commit did not finish (upload ${current.uploadId} is ${committed.status}); run the same command again to retry`);
        }
        clearState(file);
        const total = await api.sampleCount(dataset.id);
        io.stderr(`committed: ${committed.samplesAdded ?? 0} samples added to ${name} (now ${total})\n`);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
          clearState(file);
          throw await rejected(err.message, err);
        }
        throw err;
      }
      return EXIT.ok;
    },
  });
}
