/**
 * The single-table layout, shared by the CDK stack and the local runtime so that both create the same
 * table. Items:
 *
 * - `DATASET#<id>` / `META`: a dataset; `gsi1pk = TENANT#<tenant>`, `gsi1sk = DATASET#<createdAt>#<id>`
 *   lists a tenant's datasets in creation order.
 * - `TENANT#<tenant>` / `DATASETNAME#<name>`: claims a dataset name, so names are unique per tenant
 *   through a conditional put in the transaction that creates the dataset.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds after which DynamoDB removes the item (pending uploads, idempotency keys). */
  ttl: 'ttl',
} as const;

/** The TTL value for an item that expires `days` after `from`. */
export function ttlAfterDays(days: number, from = new Date()): number {
  return Math.floor(from.getTime() / 1000) + days * 86_400;
}
