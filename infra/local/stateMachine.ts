/**
 * The workflow definition for the local runtime, taken from the synthesized CDK stack — the same
 * definition that deploys — with its references resolved to local values:
 *
 * - `Fn::GetAtt [<fn>, Arn]` → a local Lambda ARN (the task is then played by the handler function of
 *   the same state name, see {@link localTaskHandlers});
 * - `Ref <bucket>` → the local bucket name.
 *
 * One rewrite is needed because the local runner (aws-local-stepfunctions) rejects `ItemReader`: the
 * distributed `Shards` map becomes an inline map over `$.plan.shards`, the same list that the plan also
 * writes to S3 for the distributed map. Everything else — states, retries, catches, timeouts — runs as
 * synthesized.
 */
import { App } from 'aws-cdk-lib';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { WinnowStack } from '../stack.js';
import { WORKFLOW_STATES } from '../workflow.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function localFunctionArn(logicalId: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;
}

function resolve(value: Json, bucketName: string, bucketLogicalId: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((part) => resolve(part, bucketName, bucketLogicalId)).join(separator);
    }
    if ('Fn::GetAtt' in value) {
      const [logicalId, attribute] = value['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn' && logicalId !== bucketLogicalId) return localFunctionArn(logicalId);
      if (logicalId === bucketLogicalId) return `arn:aws:s3:::${bucketName}`;
    }
    if ('Ref' in value) {
      if (value.Ref === bucketLogicalId) return bucketName;
      if (value.Ref === 'AWS::Partition') return 'aws';
      if (value.Ref === 'AWS::Region') return 'us-east-1';
      if (value.Ref === 'AWS::AccountId') return '000000000000';
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in the state machine definition`);
}

/**
 * Synthesizes the stack (no bundling) and returns its state machine definition with references resolved.
 * `forLocalRunner` (default) also turns the distributed Map into the inline Map the local runner plays;
 * without it, the definition is exactly the one that deploys.
 */
export function synthesizeWorkflowDefinition(bucketName: string, { forLocalRunner = true } = {}): StateMachineDefinition {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true } });
  new WinnowStack(app, 'WinnowLocal', { stage: 'local' });
  const template = app.synth().getStackByName('WinnowLocal').template as { Resources: Record<string, { Type: string; Properties: Record<string, Json> }> };
  const resources = Object.entries(template.Resources);
  const bucketLogicalId = resources.find(([, r]) => r.Type === 'AWS::S3::Bucket')![0];
  const machine = resources.find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (!machine) throw new Error('the stack has no state machine');
  const definition = JSON.parse(resolve(machine[1].Properties.DefinitionString!, bucketName, bucketLogicalId)) as StateMachineDefinition & {
    States: Record<string, Record<string, unknown>>;
  };
  return forLocalRunner ? asInlineShardMap(definition) : definition;
}

function asInlineShardMap<T extends { States: Record<string, Record<string, unknown>> }>(definition: T): T {
  const shards = definition.States[WORKFLOW_STATES.shards];
  if (!shards) throw new Error(`the definition has no ${WORKFLOW_STATES.shards} state`);
  const { ItemReader: _reader, ...rest } = shards;
  const processor = rest.ItemProcessor as { ProcessorConfig?: Record<string, unknown> };
  definition.States[WORKFLOW_STATES.shards] = {
    ...rest,
    ItemsPath: '$.plan.shards',
    ItemProcessor: { ...processor, ProcessorConfig: { Mode: 'INLINE' } },
  };
  return definition;
}
