/** The workflow as synthesized: valid ASL, and the properties the design relies on. */
import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeWorkflowDefinition } from '../../infra/local/stateMachine.js';
import { WinnowStack } from '../../infra/stack.js';

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

  it('is Plan → Shards (distributed Map reading S3) → Select ⟲ → Succeeded, failures to MarkFailed', () => {
    expect(definition.StartAt).toBe('Plan');
    expect(definition.States.Plan!.Next).toBe('Shards');
    const shards = definition.States.Shards!;
    expect(shards).toMatchObject({ Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' } } });
    expect((shards.ItemProcessor as unknown as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(definition.States['Done?']).toMatchObject({ Type: 'Choice', Default: 'Select' });
    expect(definition.States.MarkFailed!.Next).toBe('Failed');
    for (const name of ['Plan', 'Shards', 'Select']) {
      expect(definition.States[name]!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    }
    expect(definition.TimeoutSeconds).toBe(24 * 3600);
  });

  it('gives every task an explicit timeout and retries transient errors with backoff', () => {
    const tasks = allStates(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(['MarkFailed', 'Plan', 'Select', 'Shard']);
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      const retry = task.Retry as { ErrorEquals: string[]; BackoffRate: number }[];
      expect(retry[0]!.BackoffRate).toBe(2);
    }
    const retried = (definition.States.Select!.Retry as { ErrorEquals: string[] }[])[0]!.ErrorEquals;
    expect(retried).toEqual(expect.arrayContaining(['TransientError', 'Lambda.TooManyRequestsException']));
  });

  it('carries only ids and keys in its payloads', () => {
    const json = JSON.stringify(definition);
    expect(json).toContain('"runId.$":"$.runId"');
    expect(json).toContain('$.plan.shardListKey');
    expect(json).not.toMatch(/embeddings|fileNames/);
  });

  it('deploys four Node 22 arm64 Lambdas and lets the API start and stop executions', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'] } });
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(5);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WINNOW_STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('StateMachine') } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution', Effect: 'Allow' })]) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, MemorySize: 10240 });
  });
});
