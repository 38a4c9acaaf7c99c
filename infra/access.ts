/**
 * What each function may do to the table and the bucket: the item actions and key prefixes the code
 * uses, not the CDK's read-write grants (which add scans, stream reads, table descriptions, and the
 * deletion of object versions the bucket keeps for recovery).
 */
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/**
 * The item actions of the stores (functions/store): reads by key and by query (the table and its index),
 * conditional writes, batch writes and transactions (whose parts need these same actions).
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** Grants item actions on the table and its indexes. */
export function grantTableItems(table: ITable, grantee: IGrantable, actions: readonly string[] = TABLE_ITEM_ACTIONS): void {
  table.grant(grantee, ...actions);
}

/**
 * The object actions of functions/store/blobs.ts: get and head (GetObject), put, multipart parts and
 * their completion (PutObject), delete (DeleteObject, also for DeleteObjects); never a version's.
 */
export const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] as const;

/**
 * Grants {@link OBJECT_ACTIONS} on the objects under `prefixes` (each ending in `/`), and the listing
 * that deleting a prefix needs, limited to those prefixes.
 */
export function grantObjectsUnder(bucket: IBucket, grantee: IGrantable, prefixes: readonly string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...OBJECT_ACTIONS], resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)) }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    }),
  );
}

/** Grants deleting the current objects matching `keyPattern` (a delete marker on the versioned bucket), not their versions. */
export function grantObjectDelete(bucket: IBucket, grantee: IGrantable, keyPattern: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects(keyPattern)] }));
}
