/**
 * Runs the DynamoDB and S3 stand-ins in a child process, so that a benchmark measures its own CPU time
 * and memory, not the stand-ins' (in the cloud, DynamoDB and S3 are other machines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface StandInsProcess {
  readonly dynamodb: string;
  readonly s3: string;
  stop(): Promise<void>;
}

export async function startStandInsProcess(directory: string): Promise<StandInsProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./standInsMain.ts', import.meta.url)), directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const endpoints = await new Promise<{ dynamodb: string; s3: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stand-ins exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { dynamodb: string; s3: string });
    });
  });
  return {
    ...endpoints,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
