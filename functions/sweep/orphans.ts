/**
 * Deleting orphaned objects: what a commit, a tag write or a dataset deletion left in S3 when its process
 * died (or its transaction was refused) before the object was referenced or after it stopped being so:
 * - a commit's column objects (`datasets/<id>/columns/<shardId>/…`) whose shard no committed manifest
 *   lists, and its manifest (`datasets/<id>/manifests/v<n>-<commit>.json`) that the dataset never moved to;
 * - a tag bitset (`datasets/<id>/tags/<tagId>.bits`) that no tag record names (a crash between a tag
 *   record's delete and its bitset's, or a selection whose Finish wrote it before its transaction failed);
 * - every object under a dataset that is deleted, or marked for deletion (a deletion that stopped mid-way,
 *   or a commit that was still writing when the dataset went).
 *
 * The rule that makes a deletion provably safe: an object is deleted only if
 * (a) nothing in DynamoDB references it, read with consistent reads AFTER the object was listed, and
 * (b) it was last written more than {@link ORPHAN_GRACE_MS} before the sweep began.
 * Every writer that could still make a reference to an object does so within a bounded time of writing
 * it: a commit's transaction comes within its lease of the commit's start ({@link COMMIT_LEASE_MS}; after
 * that its transaction is refused, as the sweeper or a retry has taken the upload over), a selection's
 * result tag within the execution's timeout (24 h, `WORKFLOW_TIMEOUTS.execution` in infra/workflow.ts).
 * An object older than the grace period was therefore written by a writer whose reference, if it ever
 * came, came before the sweep began, and the reads after the listing see it. No writer rewrites an old
 * key later: shards have fresh ids, manifests the id of their commit, and a result tag's bitset the run's
 * id (rewritten only by that run's own retries, within its timeout).
 *
 * What is referenced, and never comes unreferenced while the dataset lives:
 * - a shard listed by the current manifest: every manifest lists all shards of the one before (rows are
 *   only ever appended), so the current manifest lists every shard any committed manifest listed;
 * - a manifest of a version up to the dataset's: the current one, and earlier ones that selection runs may
 *   have pinned. Only manifests that were provably never committed go: a version above the dataset's,
 *   or the dataset's version under another key than the current one (one manifest per version commits);
 * - a bitset whose tag id a tag record holds. A rename moves a record to another name in one
 *   transaction, which a paginated listing could miss (read the new name's page before, the old name's
 *   page after); the tags are therefore read twice, in opposite orders, and an id seen in either counts.
 *
 * Uploaded files (`uploads/`), datapools and downloads are not this sweep's business.
 */
import { COMMIT_LEASE_MS } from '../ingest/limits.js';
import type { BlobStore, ListedObject } from '../store/blobs.js';
import type { DatasetManifest } from '../store/columns.js';
import type { Dataset, DatasetRepository } from '../store/datasets.js';
import type { Tag, TagRepository } from '../store/tags.js';

/**
 * How old an unreferenced object must be before it is deleted: 48 hours, twice the longest a selection's
 * execution may run (24 h, when its Finish may still be retried) and far beyond a commit's lease (16 min).
 * Orphans are rare and small beside the data, so waiting two days costs little.
 */
export const ORPHAN_GRACE_MS = 48 * 60 * 60_000;
if (ORPHAN_GRACE_MS <= COMMIT_LEASE_MS) throw new Error('the orphan grace period must outlast the commit lease');

export interface OrphanSweepDeps {
  readonly datasets: DatasetRepository;
  readonly tags: TagRepository;
  readonly blobs: BlobStore;
}

/** How many orphans of each kind were deleted. */
export interface OrphanReport {
  readonly shardObjects: number;
  readonly manifests: number;
  readonly tagBitsets: number;
  /** Objects of deleted datasets. */
  readonly deletedDatasetObjects: number;
}

type OrphanKind = keyof OrphanReport;

const DATASETS_PREFIX = 'datasets/';
const KEY_PATTERN = /^datasets\/([^/]+)\/(.*)$/;
const MANIFEST_PATTERN = /^manifests\/v(\d+)(?:-[^/]+)?\.json$/;
const SHARD_PATTERN = /^columns\/([^/]+)\//;
const BITSET_PATTERN = /^tags\/([^/]+)\.bits$/;
const TAG_PAGE = 100;

/** What the reads after a listing found about one dataset: undefined when it is gone or being deleted. */
interface References {
  readonly dataset: Dataset;
  readonly shardIds: ReadonlySet<string>;
  readonly tagIds: ReadonlySet<string>;
}

/**
 * Lists every object under `datasets/` (plain prefix pages, in key order) and deletes, page by page, those
 * that are orphans by the rule above, judged against `now` (tests pass a time past the grace period).
 */
export async function sweepOrphans(deps: OrphanSweepDeps, now = new Date(), graceMs = ORPHAN_GRACE_MS, pageSize?: number): Promise<OrphanReport> {
  const report: Record<OrphanKind, number> = { shardObjects: 0, manifests: 0, tagBitsets: 0, deletedDatasetObjects: 0 };
  const writtenBefore = now.getTime() - graceMs;
  const manifests = new ManifestCache(deps.blobs);
  let marker: string | undefined;
  do {
    const page = await deps.blobs.listPage(DATASETS_PREFIX, marker, pageSize);
    const old = page.objects.filter((object) => object.lastModified.getTime() < writtenBefore);
    // The references are read after the listing, afresh for each page.
    const byDataset = groupByDataset(old);
    const orphans: string[] = [];
    for (const [datasetId, objects] of byDataset) {
      const references = await readReferences(deps, manifests, datasetId);
      if (references === 'unjudgeable') continue;
      for (const object of objects) {
        const kind = orphanKind(object.key, references);
        if (kind === undefined) continue;
        orphans.push(object.key);
        report[kind]++;
      }
    }
    await deps.blobs.deleteKeys(orphans);
    marker = page.nextMarker;
  } while (marker);
  return report;
}

function groupByDataset(objects: readonly ListedObject[]): Map<string, ListedObject[]> {
  const groups = new Map<string, ListedObject[]>();
  for (const object of objects) {
    const match = KEY_PATTERN.exec(object.key);
    if (!match) continue;
    const group = groups.get(match[1]!) ?? [];
    group.push(object);
    groups.set(match[1]!, group);
  }
  return groups;
}

/**
 * The references to the dataset's objects; undefined when the dataset is gone or being deleted;
 * 'unjudgeable' when the manifest it names cannot be read (its objects are then left alone).
 */
async function readReferences(deps: OrphanSweepDeps, manifests: ManifestCache, datasetId: string): Promise<References | undefined | 'unjudgeable'> {
  const dataset = await deps.datasets.findAnyTenant(datasetId);
  if (!dataset) return undefined;
  const manifest = dataset.manifestKey ? await manifests.get(dataset.manifestKey) : undefined;
  if (manifest === null) return 'unjudgeable';
  const shardIds = new Set((manifest?.shards ?? []).map((shard) => shard.id));
  const tagIds = new Set<string>();
  for (const forward of [true, false]) for (const tag of await allTags(deps.tags, datasetId, forward)) tagIds.add(tag.tagId);
  return { dataset, shardIds, tagIds };
}

/** The orphan kind of the object at `key`, or undefined when it is referenced or not the sweep's business. */
function orphanKind(key: string, references: References | undefined): OrphanKind | undefined {
  if (!references) return 'deletedDatasetObjects';
  const path = KEY_PATTERN.exec(key)![2]!;
  const shard = SHARD_PATTERN.exec(path);
  if (shard) return references.shardIds.has(shard[1]!) ? undefined : 'shardObjects';
  const manifest = MANIFEST_PATTERN.exec(path);
  if (manifest) {
    const { version, manifestKey } = references.dataset;
    const manifestVersion = Number(manifest[1]);
    const neverCommitted = manifestVersion > version || (manifestVersion === version && key !== manifestKey);
    return neverCommitted ? 'manifests' : undefined;
  }
  const bitset = BITSET_PATTERN.exec(path);
  if (bitset) return references.tagIds.has(bitset[1]!) ? undefined : 'tagBitsets';
  return undefined;
}

async function allTags(tags: TagRepository, datasetId: string, forward: boolean): Promise<Tag[]> {
  const all: Tag[] = [];
  let cursor: string | undefined;
  do {
    const page = await tags.list(datasetId, { limit: TAG_PAGE, forward, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** Manifests by key: an object under a manifest key is written once and never changes. */
class ManifestCache {
  private readonly manifests = new Map<string, DatasetManifest>();
  constructor(private readonly blobs: BlobStore) {}

  /** The manifest, or null when it is missing. */
  async get(key: string): Promise<DatasetManifest | null> {
    const cached = this.manifests.get(key);
    if (cached) return cached;
    const manifest = await this.blobs.getJson<DatasetManifest>(key);
    if (!manifest) return null;
    this.manifests.set(key, manifest);
    return manifest;
  }
}
