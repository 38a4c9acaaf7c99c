/**
 * The npm-installed stand-ins for DynamoDB (dynalite) and S3 (s3rver), started in this process on
 * loopback. Measured limits that the rest of the code is designed around: dynalite has no
 * transactions, TTL or PartiQL (only conditional writes are used); s3rver needs path-style addressing
 * and `WHEN_REQUIRED` checksums (see functions/store/aws.ts), cannot page a truncated ListObjectsV2
 * under OpenSSL 3 and has no AbortMultipartUpload (so nothing relies on listings or aborts).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface RunningStandIn {
  readonly endpoint: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** dynalite, in memory, or on disk under `path` when given. Port 0 picks a free one. */
export async function startDynamoStandIn(options: { port?: number; path?: string } = {}): Promise<RunningStandIn> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  // Tables become ACTIVE at once: the 500 ms default CREATING phase only slows start-up.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The credentials s3rver checks signatures against; the local runtime signs with them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** s3rver, storing objects under `directory`. Port 0 picks a free one. */
export async function startS3StandIn(options: { port?: number; directory: string }): Promise<RunningStandIn> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: LOOPBACK,
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
  });
  const { port } = await server.run();
  return { endpoint: `http://${LOOPBACK}:${port}`, close: () => server.close() };
}
