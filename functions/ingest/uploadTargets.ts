/**
 * The presigned targets of an upload, page by page. A URL signed with a session token (as a Lambda's
 * role credentials are) is about 1.7 kB, so the 10,000 files an upload may hold would be 17 MB of
 * URLs — past Lambda's 6 MB response limit. A page holds at most {@link MAX_TARGETS_PER_PAGE} URLs
 * (a whole-file PUT or one part of a file sent in parts; a file's parts may span pages), about 2 MB.
 *
 * Targets are presigned on each request, valid {@link PRESIGNED_URL_SECONDS} from then: a client
 * resuming later asks again and gets fresh URLs for the same objects.
 */
import type { BlobStore } from '../store/blobs.js';
import { InvalidCursorError } from '../store/errors.js';
import type { Upload, UploadFile } from '../store/uploads.js';
import { UploadStateError } from './errors.js';
import { uploadObjectKey } from './layout.js';
import { PRESIGNED_URL_SECONDS } from './startUpload.js';

export const MAX_TARGETS_PER_PAGE = 1_000;

export interface TargetPage {
  /** The files of this page in upload order, each with its `url` or the page's share of its `parts`. */
  readonly items: UploadFile[];
  readonly nextCursor?: string;
}

/** Position of the next target: a file, and for files in parts the part (0-based). */
interface Position {
  readonly file: number;
  readonly part: number;
}

const encode = (position: Position) => Buffer.from(`targets:${position.file}:${position.part}`).toString('base64url');

function decode(cursor: string | undefined, files: readonly UploadFile[]): Position {
  if (cursor === undefined) return { file: 0, part: 0 };
  const match = /^targets:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const file = match ? Number(match[1]) : -1;
  const part = match ? Number(match[2]) : -1;
  const count = file >= 0 && file < files.length ? partCount(files[file]!) : 0;
  if (!match || file >= files.length || part >= Math.max(1, count)) throw new InvalidCursorError();
  return { file, part };
}

const partCount = (file: UploadFile) => (file.multipartUploadId ? Math.ceil(file.size / file.partSize!) : 0);

export async function presignTargets(
  blobs: BlobStore,
  upload: Upload,
  options: { readonly after?: string | undefined; readonly first?: number } = {},
): Promise<TargetPage> {
  if (upload.status !== 'PENDING') throw new UploadStateError(upload.id, upload.status, undefined, 'has targets to send to');
  const limit = options.first ?? MAX_TARGETS_PER_PAGE;
  let { file, part } = decode(options.after, upload.files);
  const items: UploadFile[] = [];
  let urls = 0;
  while (file < upload.files.length && urls < limit) {
    const entry = upload.files[file]!;
    const key = uploadObjectKey(upload.datasetId, upload.id, entry.path);
    const count = partCount(entry);
    if (count === 0) {
      items.push({ path: entry.path, size: entry.size, url: await blobs.presignPut(key, PRESIGNED_URL_SECONDS) });
      urls++;
      file++;
      continue;
    }
    const end = Math.min(count, part + (limit - urls));
    const numbers = Array.from({ length: end - part }, (_, i) => part + i + 1);
    const parts = await Promise.all(numbers.map(async (partNumber) => ({ partNumber, url: await blobs.presignPart(key, entry.multipartUploadId!, partNumber, PRESIGNED_URL_SECONDS) })));
    items.push({ path: entry.path, size: entry.size, multipartUploadId: entry.multipartUploadId!, partSize: entry.partSize!, parts });
    urls += parts.length;
    if (end === count) {
      file++;
      part = 0;
    } else {
      part = end;
    }
  }
  return { items, ...(file < upload.files.length ? { nextCursor: encode({ file, part }) } : {}) };
}
