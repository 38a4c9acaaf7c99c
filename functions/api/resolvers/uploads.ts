/** Uploads over GraphQL: presigned targets, commit, inline upload. The work is in functions/ingest. */
import type { MutationResolvers, UploadResolvers } from '../generated/graphql.js';
import { commitOrDispatch } from '../../ingest/commitJobs.js';
import { uploadInline } from '../../ingest/inlineUpload.js';
import { startUpload } from '../../ingest/startUpload.js';
import { MAX_TARGETS_PER_PAGE, presignTargets } from '../../ingest/uploadTargets.js';
import { checkPageSize } from '../validation.js';
import type { UploadFile } from '../../store/uploads.js';

const fileView = (file: UploadFile) => ({
  path: file.path,
  size: file.size,
  url: file.url ?? null,
  parts: file.parts ? [...file.parts] : null,
  partSize: file.partSize ?? null,
});

export const uploadFields: UploadResolvers = {
  id: (upload) => upload.id,
  status: (upload) => upload.status,
  createdAt: (upload) => upload.createdAt,
  commitStartedAt: (upload) => upload.commitStartedAt ?? null,
  committedAt: (upload) => upload.committedAt ?? null,
  expiresAt: (upload) => upload.expiresAt,
  samplesAdded: (upload) => upload.samplesAdded ?? null,
  error: (upload) => upload.error ?? null,
  files: (upload) => upload.files.map(fileView),
  targets: async (upload, { after, first }, { blobs }) => {
    const page = await presignTargets(blobs, upload, { after: after ?? undefined, first: checkPageSize(first, 'first', MAX_TARGETS_PER_PAGE, MAX_TARGETS_PER_PAGE) });
    return {
      items: page.items.map(fileView),
      nextCursor: page.nextCursor ?? null,
    };
  },
};

export const uploadMutations: Pick<MutationResolvers, 'createUpload' | 'commitUpload' | 'uploadInline'> = {
  commitUpload: (_parent, { datasetId, uploadId, multipart }, context) =>
    commitOrDispatch(context, context.tenantId, datasetId, uploadId, multipart ?? []),
  uploadInline: (_parent, { datasetId, files }, context) => uploadInline(context, context.tenantId, datasetId, files),
  createUpload: async (_parent, { datasetId, files }, context) => {
    const dataset = await context.datasets.get(context.tenantId, datasetId);
    return startUpload(context, dataset.id, files);
  },
};
