/** Reading a dataset's manifest of a given version, whatever commit id names it. */
import type { BlobStore } from '../../functions/store/blobs.js';
import { manifestKey, type DatasetManifest } from '../../functions/store/columns.js';

/** The one manifest of `version` under the dataset (a committed one: tests commit without failures). */
export async function manifestOfVersion(blobs: BlobStore, datasetId: string, version: number): Promise<DatasetManifest> {
  const stem = manifestKey(datasetId, version).replace(/\.json$/, '');
  const { objects } = await blobs.listPage(stem);
  const keys = objects.map((object) => object.key).filter((key) => key === `${stem}.json` || key.startsWith(`${stem}-`));
  if (keys.length !== 1) throw new Error(`expected one manifest of version ${version} of dataset ${datasetId}, found ${keys.length}`);
  return (await blobs.getJson<DatasetManifest>(keys[0]!))!;
}
