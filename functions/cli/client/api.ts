/**
 * The GraphQL operations the commands use, typed from the schema's generated types. Lists are followed
 * page by page; datasets are found by name (names are unique per tenant).
 */
import type { Dataset, RunPhase, RunStatus, SelectionRun, SelectionSummary, Tag, Upload, UploadFile, UploadStatus } from '../../api/generated/graphql.js';
import { ApiError, NameNotFoundError } from '../errors.js';
import type { GraphqlTransport } from './transport.js';

export type DatasetListing = Pick<Dataset, 'id' | 'name' | 'sampleCount' | 'createdAt'>;
export type TagListing = Pick<Tag, 'name' | 'count' | 'createdBy' | 'createdAt'>;
export type PresignedFile = Pick<UploadFile, 'path' | 'size' | 'url' | 'partSize'> & { parts?: { partNumber: number; url: string }[] | null };
interface TargetPage {
  items: Pick<PresignedFile, 'path' | 'url' | 'partSize' | 'parts'>[];
  nextCursor?: string | null;
}
export type CreatedUpload = Pick<Upload, 'id' | 'expiresAt'> & { files: PresignedFile[] };
export interface UploadOutcome {
  id: string;
  status: UploadStatus;
  samplesAdded?: number | null;
  error?: string | null;
}
export type RunProgress = Pick<SelectionRun, 'id' | 'resultTagName' | 'createdAt' | 'failureReason' | 'shardsTotal' | 'shardsDone' | 'picksSoFar'> & {
  status: RunStatus;
  phase?: RunPhase | null;
  summary?: Pick<SelectionSummary, 'poolSize' | 'requested' | 'selected' | 'preselected' | 'stopReason' | 'notes'> | null;
  resultTag?: { name: string; count: number } | null;
};
export interface MultipartCompletion {
  path: string;
  parts: { partNumber: number; etag: string }[];
}

const RUN_FIELDS = `id status phase resultTagName createdAt failureReason shardsTotal shardsDone picksSoFar
  summary { poolSize requested selected preselected stopReason notes } resultTag { name count }`;
const UPLOAD_FIELDS = 'id status samplesAdded error';

interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

async function everyPage<T>(fetchPage: (after: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let after: string | null = null;
  do {
    const page = await fetchPage(after);
    items.push(...page.items);
    after = page.nextCursor ?? null;
  } while (after);
  return items;
}

export class WinnowApi {
  constructor(private readonly transport: GraphqlTransport) {}

  get url(): string {
    return this.transport.url;
  }

  datasets(): Promise<DatasetListing[]> {
    return everyPage(async (after) => {
      const data = await this.transport.request<{ datasets: Page<DatasetListing> }>(
        'query ($after: String) { datasets(first: 100, after: $after) { items { id name sampleCount createdAt } nextCursor } }',
        { after },
      );
      return data.datasets;
    });
  }

  async findDataset(name: string): Promise<DatasetListing | undefined> {
    return (await this.datasets()).find((d) => d.name === name);
  }

  async datasetByName(name: string): Promise<DatasetListing> {
    const found = await this.findDataset(name);
    if (!found) throw new NameNotFoundError(`no dataset named "${name}" (list them with "winnow datasets")`);
    return found;
  }

  async createDataset(name: string): Promise<DatasetListing> {
    const data = await this.transport.request<{ createDataset: DatasetListing }>(
      'mutation ($name: String!) { createDataset(name: $name) { id name sampleCount createdAt } }',
      { name },
    );
    return data.createDataset;
  }

  /** Removes a dataset with everything it owns. */
  async deleteDataset(id: string): Promise<void> {
    await this.transport.request<{ deleteDataset: boolean }>('mutation ($id: ID!) { deleteDataset(id: $id) }', { id });
  }

  /** The dataset of that name, created when there is none; the boolean says whether it was created. */
  async ensureDataset(name: string): Promise<[DatasetListing, boolean]> {
    const existing = await this.findDataset(name);
    if (existing) return [existing, false];
    try {
      return [await this.createDataset(name), true];
    } catch (err) {
      // Someone created it meanwhile: use theirs.
      if (err instanceof ApiError && err.code === 'CONFLICT') return [await this.datasetByName(name), false];
      throw err;
    }
  }

  async sampleCount(datasetId: string): Promise<number> {
    const data = await this.transport.request<{ dataset: { sampleCount: number } }>('query ($id: ID!) { dataset(id: $id) { sampleCount } }', { id: datasetId });
    return data.dataset.sampleCount;
  }

  /**
   * Starts an upload and collects every presigned target: the answer carries the first page, the rest
   * come page by page from `targets` (a page stays under the API's response limit).
   */
  async createUpload(datasetId: string, files: readonly { path: string; size: number }[]): Promise<CreatedUpload> {
    const TARGETS = 'items { path url partSize parts { partNumber url } } nextCursor';
    const data = await this.transport.request<{ createUpload: Pick<Upload, 'id' | 'expiresAt'> & { files: PresignedFile[]; targets: TargetPage } }>(
      `mutation ($d: ID!, $f: [UploadFileInput!]!) { createUpload(datasetId: $d, files: $f) {
        id expiresAt files { path size partSize } targets { ${TARGETS} } } }`,
      { d: datasetId, f: files },
    );
    const created = data.createUpload;
    const byPath = new Map(created.files.map((file) => [file.path, { ...file, url: null as string | null, parts: null as PresignedFile['parts'] }]));
    let page: TargetPage = created.targets;
    for (;;) {
      for (const item of page.items) {
        const file = byPath.get(item.path)!;
        if (item.url) file.url = item.url;
        if (item.parts) file.parts = [...(file.parts ?? []), ...item.parts];
      }
      if (!page.nextCursor) break;
      const next = await this.transport.request<{ dataset: { upload: { targets: TargetPage } } }>(
        `query ($d: ID!, $u: ID!, $a: String) { dataset(id: $d) { upload(id: $u) { targets(after: $a) { ${TARGETS} } } } }`,
        { d: datasetId, u: created.id, a: page.nextCursor },
      );
      page = next.dataset.upload.targets;
    }
    return { id: created.id, expiresAt: created.expiresAt, files: [...byPath.values()] };
  }

  async commitUpload(datasetId: string, uploadId: string, multipart: readonly MultipartCompletion[]): Promise<UploadOutcome> {
    const data = await this.transport.request<{ commitUpload: UploadOutcome }>(
      `mutation ($d: ID!, $u: ID!, $m: [MultipartCompletionInput!]) { commitUpload(datasetId: $d, uploadId: $u, multipart: $m) { ${UPLOAD_FIELDS} } }`,
      { d: datasetId, u: uploadId, m: multipart.length > 0 ? multipart : null },
    );
    return data.commitUpload;
  }

  /** The upload, or undefined when the server no longer has it (or its dataset). */
  async upload(datasetId: string, uploadId: string): Promise<UploadOutcome | undefined> {
    try {
      const data = await this.transport.request<{ dataset: { upload: UploadOutcome } }>(
        `query ($id: ID!, $u: ID!) { dataset(id: $id) { upload(id: $u) { ${UPLOAD_FIELDS} } } }`,
        { id: datasetId, u: uploadId },
      );
      return data.dataset.upload;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  async startSelection(args: {
    datasetId: string;
    config: unknown;
    resultTagName: string;
    inputTagName?: string | undefined;
    preselectedTagName?: string | undefined;
    useDatapool?: boolean;
    processAll?: boolean;
  }): Promise<RunProgress> {
    const data = await this.transport.request<{ startSelection: RunProgress }>(
      `mutation ($d: ID!, $c: JSON, $t: String!, $i: String, $p: String, $u: Boolean, $a: Boolean) {
        startSelection(datasetId: $d, config: $c, resultTagName: $t, inputTagName: $i, preselectedTagName: $p, useDatapool: $u, processAll: $a) { ${RUN_FIELDS} } }`,
      {
        d: args.datasetId,
        c: args.config,
        t: args.resultTagName,
        i: args.inputTagName ?? null,
        p: args.preselectedTagName ?? null,
        u: args.useDatapool ?? false,
        a: args.processAll ?? false,
      },
    );
    return data.startSelection;
  }

  async run(id: string): Promise<RunProgress> {
    const data = await this.transport.request<{ selectionRun: RunProgress }>(`query ($id: ID!) { selectionRun(id: $id) { ${RUN_FIELDS} } }`, { id });
    return data.selectionRun;
  }

  runs(datasetId: string): Promise<RunProgress[]> {
    return everyPage(async (after) => {
      const data = await this.transport.request<{ dataset: { selectionRuns: Page<RunProgress> } }>(
        `query ($id: ID!, $after: String) { dataset(id: $id) { selectionRuns(first: 100, after: $after) { items { ${RUN_FIELDS} } nextCursor } } }`,
        { id: datasetId, after },
      );
      return data.dataset.selectionRuns;
    });
  }

  tags(datasetId: string): Promise<TagListing[]> {
    return everyPage(async (after) => {
      const data = await this.transport.request<{ dataset: { tags: Page<TagListing> } }>(
        'query ($id: ID!, $after: String) { dataset(id: $id) { tags(first: 100, after: $after) { items { name count createdBy createdAt } nextCursor } } }',
        { id: datasetId, after },
      );
      return data.dataset.tags;
    });
  }

  async tagDownload(datasetId: string, tagName: string): Promise<{ count: number; downloadUrl: string }> {
    const data = await this.transport.request<{ dataset: { tag: { count: number; downloadUrl: string } } }>(
      'query ($id: ID!, $t: String!) { dataset(id: $id) { tag(name: $t) { count downloadUrl } } }',
      { id: datasetId, t: tagName },
    );
    return data.dataset.tag;
  }

  /** One page of a tag's file names, in row order. */
  async tagFileNames(datasetId: string, tagName: string, after: string | null): Promise<Page<string>> {
    const data = await this.transport.request<{ dataset: { tag: { fileNames: Page<string> } } }>(
      'query ($id: ID!, $t: String!, $after: String) { dataset(id: $id) { tag(name: $t) { fileNames(first: 1000, after: $after) { items nextCursor } } } }',
      { id: datasetId, t: tagName, after },
    );
    return data.dataset.tag.fileNames;
  }

  async report(runId: string): Promise<{ id: string; status: RunStatus; report?: { htmlUrl: string; jsonUrl: string } | null }> {
    const data = await this.transport.request<{ selectionRun: { id: string; status: RunStatus; report?: { htmlUrl: string; jsonUrl: string } | null } }>(
      'query ($id: ID!) { selectionRun(id: $id) { id status report { htmlUrl jsonUrl } } }',
      { id: runId },
    );
    return data.selectionRun;
  }
}
