/**
 * A local Step Functions service: executes the synthesized workflow definition with
 * aws-local-stepfunctions, its tasks played by the Lambda handler functions, and answers the Step
 * Functions JSON protocol (`X-Amz-Target: AWSStepFunctions.<Action>`, awsJson1_0) on loopback, so the API
 * starts and stops executions through the ordinary `@aws-sdk/client-sfn` client, as in the cloud.
 *
 * Actions: StartExecution, DescribeExecution, StopExecution. Executions live in memory.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3.x calls Promise.withResolvers, which Node 20 lacks.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    value: function withResolvers<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export type LocalTaskHandler = (input: unknown) => Promise<unknown>;

interface Execution {
  arn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  abort: () => void;
  done: Promise<void>;
}

export interface LocalStepFunctions {
  readonly endpoint: string;
  readonly stateMachineArn: string;
  /** Resolves when every execution started so far has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startLocalStepFunctions(options: {
  definition: StateMachineDefinition;
  handlers: Record<string, LocalTaskHandler>;
  /** Shard tasks at once (default: the machine's cores). */
  maxConcurrency?: number;
}): Promise<LocalStepFunctions> {
  const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:winnow-local';
  const definition = boundMapConcurrency(options.definition, options.maxConcurrency ?? Math.max(1, cpus().length));
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const executions = new Map<string, Execution>();

  const start = (body: { stateMachineArn?: string; name?: string; input?: string }) => {
    if (body.stateMachineArn !== stateMachineArn) throw new ServiceError('StateMachineDoesNotExist', `state machine ${body.stateMachineArn} does not exist`);
    const name = body.name ?? crypto.randomUUID();
    const arn = `arn:aws:states:us-east-1:000000000000:execution:winnow-local:${name}`;
    if (executions.has(arn)) throw new ServiceError('ExecutionAlreadyExists', `execution ${name} already exists`);
    const execution = startExecution(machine, options.handlers, arn, name, body.input ?? '{}');
    executions.set(arn, execution);
    return { executionArn: arn, startDate: execution.startDate / 1000 };
  };

  const find = (arn: string | undefined) => {
    const execution = arn ? executions.get(arn) : undefined;
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
    return execution;
  };

  const actions: Record<string, (body: Record<string, string | undefined>) => unknown> = {
    StartExecution: start,
    DescribeExecution: ({ executionArn }) => {
      const e = find(executionArn);
      return {
        executionArn: e.arn,
        stateMachineArn,
        status: e.status,
        startDate: e.startDate / 1000,
        ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
        input: e.input,
        ...(e.output !== undefined ? { output: e.output } : {}),
        ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
      };
    },
    StopExecution: ({ executionArn }) => {
      const e = find(executionArn);
      if (e.status === 'RUNNING') e.abort();
      return { stopDate: Date.now() / 1000 };
    },
  };

  const server = serveActions(actions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const idle = async () => {
    await Promise.all([...executions.values()].map((e) => e.done));
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    idle,
    close: async () => {
      for (const e of executions.values()) if (e.status === 'RUNNING') e.abort();
      await idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs one execution of the machine, its tasks played by `handlers`; the record follows its end. */
function startExecution(machine: StateMachine, handlers: Record<string, LocalTaskHandler>, arn: string, name: string, input: string): Execution {
  const run = machine.run(JSON.parse(input) as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: { Execution: { Id: arn, Name: name, Input: JSON.parse(input) as never, StartTime: new Date().toISOString() } },
  });
  const execution: Execution = { arn, status: 'RUNNING', startDate: Date.now(), input, abort: run.abort, done: Promise.resolve() };
  execution.done = run.result
    .then(
      (output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
      },
      (error: unknown) => {
        if (error instanceof ExecutionAbortedError) {
          execution.status = 'ABORTED';
          return;
        }
        execution.status = (error as Error).name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        execution.error = cause?.name ?? (error as Error).name;
        execution.cause = cause?.message ?? (error as Error).message;
      },
    )
    .finally(() => {
      execution.stopDate = Date.now();
    });
  return execution;
}

/** The Step Functions JSON protocol over HTTP: `X-Amz-Target: AWSStepFunctions.<Action>`, a JSON body. */
function serveActions(actions: Record<string, (body: Record<string, string | undefined>) => unknown>): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const action = String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
      };
      try {
        const handler = actions[action];
        if (!handler) throw new ServiceError('UnknownOperationException', `unsupported action ${action}`);
        reply(200, handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string | undefined>));
      } catch (error) {
        if (error instanceof ServiceError) reply(400, { __type: error.type, message: error.message });
        else reply(500, { __type: 'InternalFailure', message: String(error) });
      }
    });
  });
}

/** Locally, parallelism is bounded by the machine: Map states run at most `limit` iterations at once. */
function boundMapConcurrency(definition: StateMachineDefinition, limit: number): StateMachineDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      const s = state as unknown as Record<string, unknown>;
      if (s.Type !== 'Map') return [name, state];
      const current = typeof s.MaxConcurrency === 'number' && s.MaxConcurrency > 0 ? s.MaxConcurrency : limit;
      return [name, { ...s, MaxConcurrency: Math.min(current, limit) }];
    }),
  );
  return { ...definition, States: states as StateMachineDefinition['States'] };
}
