/** The workflow as synthesized: valid ASL, and the properties the design relies on. */
import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeWorkflowDefinition } from '../../infra/local/stateMachine.js';
import { WinnowStack } from '../../infra/stack.js';
import { TASK_TIMEOUT_SECONDS } from '../../functions/workflow/budgets.js';

const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

type State = Record<string, unknown> & { Type: string; ItemProcessor?: { States: Record<string, State> } };
let template: Template;
let definition: { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number };

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true } });
  template = Template.fromStack(new WinnowStack(app, 'Winnow-wf', { stage: 'test' }));
  definition = synthesizeWorkflowDefinition('bucket', { forLocalRunner: false }) as unknown as typeof definition;
});

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [[name, state] as [string, State], ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : [])]);
}

describe('the selection workflow', () => {
  it('passes asl-validator', () => {
    const result = validate(definition);
    expect(result.isValid, result.errorsText('\n')).toBe(true);
  });

  it('is Plan → Shards (distributed Map reading S3) → Select ⟲ → Finish → Succeeded, failures to MarkFailed', () => {
    expect(definition.StartAt).toBe('Plan');
    expect(definition.States.Plan!.Next).toBe('Shards');
    const shards = definition.States.Shards!;
    expect(shards).toMatchObject({ Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' } } });
    expect((shards.ItemProcessor as unknown as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(definition.States['Done?']).toMatchObject({ Type: 'Choice', Default: 'Select' });
    expect((definition.States['Done?']!.Choices as { Next: string }[]).map((c) => c.Next)).toEqual(['Finish']);
    expect(definition.States.Finish!.Next).toBe('Succeeded');
    expect(definition.States.MarkFailed!.Next).toBe('Failed');
    // Each task's failure passes through a state that names the failed task, then MarkFailed.
    for (const name of ['Plan', 'Select', 'Finish']) {
      expect(definition.States[name]!.Catch).toMatchObject([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${name}Failure` }]);
      expect(definition.States[`${name}Failure`]).toMatchObject({ Type: 'Pass', Next: 'MarkFailed' });
    }
    expect(definition.States.Shards!.Catch).toMatchObject([{ ErrorEquals: ['States.ALL'], Next: 'MarkFailed' }]);
    expect(definition.TimeoutSeconds).toBe(24 * 3600);
  });

  it('gives every task an explicit timeout; retries throttling and transient errors with backoff, never out-of-memory', () => {
    const tasks = allStates(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['Finish', 'MarkFailed', 'MarkShardFailed', 'Plan', 'Select', 'Shard']);
    type Retry = { ErrorEquals: string[]; BackoffRate?: number; MaxAttempts?: number };
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      const retry = task.Retry as Retry[];
      expect(retry.some((r) => r.BackoffRate === 2)).toBe(true);
    }
    for (const name of ['Plan', 'Shard', 'Select', 'Finish']) {
      const retry = allStates(definition.States).find(([n]) => n === name)![1].Retry as Retry[];
      expect(retry[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['Lambda.Unknown']), MaxAttempts: 0 });
      const retried = retry.slice(1).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['TransientError', 'Lambda.TooManyRequestsException']));
    }
    // Each state waits a minute longer than its Lambda runs, so the Lambda's own timeout (which names it) comes first.
    const timeouts: Record<string, keyof typeof TASK_TIMEOUT_SECONDS> = { Plan: 'plan', Shard: 'shard', Select: 'select', Finish: 'finish', MarkFailed: 'markFailed', MarkShardFailed: 'markFailed' };
    for (const [name, task] of tasks) expect(task.TimeoutSeconds, name).toBe(TASK_TIMEOUT_SECONDS[timeouts[name]!] + 60);
    for (const [handler, task] of [['index.plan', 'plan'], ['index.shard', 'shard'], ['index.select', 'select'], ['index.finish', 'finish'], ['index.markFailed', 'markFailed']] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', { Handler: handler, Timeout: TASK_TIMEOUT_SECONDS[task] });
    }
  });

  it('carries only ids and keys in its payloads', () => {
    const json = JSON.stringify(definition);
    expect(json).toContain('"runId.$":"$.runId"');
    expect(json).toContain('$.plan.shardListKey');
    expect(json).not.toMatch(/embeddings|fileNames/);
  });

  it('deploys Node 22 arm64 Lambdas and lets the API start and stop executions', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'] } });
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(5);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WINNOW_STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('StateMachine') } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution', Effect: 'Allow' })]) },
    });
    // Select's memory comes from context (default: what an account with the standard cap may create).
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, MemorySize: 3008 });
  });
});
