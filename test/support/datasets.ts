/** Dataset helpers for API tests: create, upload (inline or through presigned URLs), read back. */
import { generateLightlyFiles, type GeneratedDataset, type LightlyFolderOptions } from '../../infra/local/lightlyFolder.js';
import { graphql } from './graphql.js';

export const UPLOAD_FIELDS = 'id status samplesAdded error committedAt files { path size url partSize parts { partNumber url } }';

export async function createDataset(url: string, name: string): Promise<string> {
  const result = await graphql<{ createDataset: { id: string } }>(url, 'mutation ($n: String!) { createDataset(name: $n) { id } }', { n: name });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createDataset.id;
}

/** The generated Lightly folder as upload files (tags are not part of an upload). */
export function lightlyUploadFiles(options: LightlyFolderOptions = {}): { files: { path: string; content: string }[]; dataset: GeneratedDataset } {
  const dataset = generateLightlyFiles(options);
  const files = [...dataset.files].filter(([path]) => !path.startsWith('.lightly/tags/')).map(([path, content]) => ({ path, content }));
  return { files, dataset };
}

export function inlineUpload(url: string, datasetId: string, files: { path: string; content: string }[]) {
  return graphql<{ uploadInline: { id: string; status: string; samplesAdded: number } }>(
    url,
    `mutation ($d: ID!, $f: [InlineFileInput!]!) { uploadInline(datasetId: $d, files: $f) { ${UPLOAD_FIELDS} } }`,
    { d: datasetId, f: files },
  );
}

export interface PresignedUpload {
  id: string;
  files: { path: string; size: number; url: string | null; partSize: number | null; parts: { partNumber: number; url: string }[] | null }[];
}

export async function createUpload(url: string, datasetId: string, files: { path: string; size: number }[]) {
  return graphql<{ createUpload: PresignedUpload }>(
    url,
    `mutation ($d: ID!, $f: [UploadFileInput!]!) { createUpload(datasetId: $d, files: $f) { ${UPLOAD_FIELDS} } }`,
    { d: datasetId, f: files },
  );
}

export function commitUpload(url: string, datasetId: string, uploadId: string, multipart?: unknown) {
  return graphql<{ commitUpload: { id: string; status: string; samplesAdded: number } }>(
    url,
    `mutation ($d: ID!, $u: ID!, $m: [MultipartCompletionInput!]) { commitUpload(datasetId: $d, uploadId: $u, multipart: $m) { ${UPLOAD_FIELDS} } }`,
    { d: datasetId, u: uploadId, m: multipart ?? null },
  );
}

/** PUTs each file to its presigned URL (in parts where asked) and commits. */
/** Creates an upload and PUTs its files to the presigned URLs, without committing it. */
export async function putUpload(url: string, datasetId: string, files: { path: string; content: string | Uint8Array }[]) {
  const bodies = files.map((f) => ({ path: f.path, body: typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.from(f.content) }));
  const created = await createUpload(url, datasetId, bodies.map((b) => ({ path: b.path, size: b.body.length })));
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const upload = created.data.createUpload;
  const multipart: { path: string; parts: { partNumber: number; etag: string }[] }[] = [];
  for (const target of upload.files) {
    const body = bodies.find((b) => b.path === target.path)!.body;
    if (target.url) {
      const put = await fetch(target.url, { method: 'PUT', body });
      if (!put.ok) throw new Error(`PUT ${target.path}: ${put.status} ${await put.text()}`);
    } else {
      const parts = [];
      for (const part of target.parts!) {
        const slice = body.subarray((part.partNumber - 1) * target.partSize!, part.partNumber * target.partSize!);
        const put = await fetch(part.url, { method: 'PUT', body: slice });
        if (!put.ok) throw new Error(`PUT part ${part.partNumber} of ${target.path}: ${put.status}`);
        parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
      }
      multipart.push({ path: target.path, parts });
    }
  }
  return { upload, multipart };
}

export async function presignedUpload(url: string, datasetId: string, files: { path: string; content: string | Uint8Array }[]) {
  const { upload, multipart } = await putUpload(url, datasetId, files);
  return { upload, commit: await commitUpload(url, datasetId, upload.id, multipart.length ? multipart : undefined) };
}

export const DATASET_STATE = `query ($id: ID!) { dataset(id: $id) {
  sampleCount embeddingDimension computedMetadataAvailable
  metadataKeys { name type computed }
  tasks { name type scoreNames hasObjectEmbeddings categories { id name } }
  uploads { id status samplesAdded error }
  tags { items { name count createdBy parent } }
} }`;

export interface DatasetState {
  sampleCount: number;
  embeddingDimension: number | null;
  computedMetadataAvailable: boolean;
  metadataKeys: { name: string; type: string; computed: boolean }[];
  tasks: { name: string; type: string; scoreNames: string[]; hasObjectEmbeddings: boolean; categories: { id: number; name: string }[] }[];
  uploads: { id: string; status: string; samplesAdded: number | null; error: string | null }[];
  tags: { items: { name: string; count: number; createdBy: string; parent: string | null }[] };
}

export async function datasetState(url: string, id: string): Promise<DatasetState> {
  const result = await graphql<{ dataset: DatasetState }>(url, DATASET_STATE, { id });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.dataset;
}

/** Every file name of a tag, following the cursors. */
export async function tagFileNames(url: string, datasetId: string, tag: string, pageSize = 1000): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof graphql<{ dataset: { tag: { fileNames: { items: string[]; nextCursor: string | null } } } }>>> =
      await graphql(url, 'query ($id: ID!, $t: String!, $n: Int, $a: String) { dataset(id: $id) { tag(name: $t) { fileNames(first: $n, after: $a) { items nextCursor } } } }', {
        id: datasetId,
        t: tag,
        n: pageSize,
        a: after,
      });
    if (!page.data) throw new Error(JSON.stringify(page.errors));
    names.push(...page.data.dataset.tag.fileNames.items);
    after = page.data.dataset.tag.fileNames.nextCursor;
  } while (after);
  return names;
}
