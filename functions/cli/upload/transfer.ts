/**
 * Sends an upload's bytes to its presigned URLs: whole files with one PUT, large files part by part
 * (each part read from disk on its own, so memory stays at `concurrency` parts). After each acknowledged
 * PUT the state is saved before anything else happens, so an interruption at any point loses at most
 * the transfers in flight.
 */
import { open } from 'node:fs/promises';
import { TransferError } from '../errors.js';
import type { FileState, UploadState } from './resumeState.js';

export interface TransferStep {
  readonly file: FileState;
  readonly partNumber?: number;
  readonly bytes: number;
  /** e.g. `embeddings.csv` or `embeddings.csv part 2/3`. */
  readonly label: string;
}

/** What is still to send, in path order (parts in order). */
export function pendingSteps(state: UploadState): TransferStep[] {
  const steps: TransferStep[] = [];
  for (const file of state.files) {
    if (file.parts) {
      for (const part of file.parts) {
        if (part.etag) continue;
        const bytes = Math.min(file.partSize!, file.size - (part.partNumber - 1) * file.partSize!);
        steps.push({ file, partNumber: part.partNumber, bytes, label: `${file.path} part ${part.partNumber}/${file.parts.length}` });
      }
    } else if (!file.sent) {
      steps.push({ file, bytes: file.size, label: file.path });
    }
  }
  return steps;
}

async function readRange(absolutePath: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(absolutePath, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
      if (bytesRead === 0) throw new TransferError(`${absolutePath}: the file got shorter during the upload`);
      read += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

async function put(url: string, body: Buffer, label: string): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'PUT', body });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TransferError(`sending ${label} failed: ${cause?.code ?? cause?.message ?? String(err)}`, { cause: err });
  }
  if (!response.ok) {
    const text = (await response.text()).replace(/\s+/g, ' ').slice(0, 200);
    throw new TransferError(`sending ${label} failed: HTTP ${response.status}${text ? ` ${text}` : ''}`);
  }
  return response.headers.get('etag');
}

export async function sendSteps(options: {
  steps: readonly TransferStep[];
  absolutePath: (path: string) => string;
  concurrency: number;
  /** Called after each acknowledged PUT has been recorded in the step's file state. */
  onSent: (step: TransferStep) => void;
}): Promise<void> {
  const queue = [...options.steps];
  let failure: unknown;
  const worker = async () => {
    for (let step = queue.shift(); step && failure === undefined; step = queue.shift()) {
      const { file } = step;
      try {
        if (step.partNumber === undefined) {
          await put(file.url!, await readRange(options.absolutePath(file.path), 0, file.size), step.label);
          file.sent = true;
        } else {
          const body = await readRange(options.absolutePath(file.path), (step.partNumber - 1) * file.partSize!, step.bytes);
          const part = file.parts!.find((p) => p.partNumber === step.partNumber)!;
          const etag = await put(part.url, body, step.label);
          if (!etag) throw new TransferError(`sending ${step.label}: the storage answered without an ETag`);
          part.etag = etag;
        }
        options.onSent(step);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (failure !== undefined) throw failure;
}
