/** The synthesized CloudFormation template (bundling skipped: the template, not the bundle, is tested). */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORPHAN_GRACE_MS } from '../../functions/sweep/orphans.js';
import { WinnowStack } from '../../infra/stack.js';
import { WORKFLOW_TIMEOUTS } from '../../infra/workflow.js';
import { synthesizeWorkflowDefinition } from '../../infra/local/stateMachine.js';

let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new WinnowStack(app, 'Winnow-test', { stage: 'test' }));
});

describe('WinnowStack', () => {
  it('has one on-demand table with pk/sk, the tenant index and point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('has a private, encrypted, TLS-only bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs the API on Node 22, arm64, with its resources in the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          WINNOW_TABLE_NAME: { Ref: Match.stringLikeRegexp('Table') },
          WINNOW_BUCKET_NAME: { Ref: Match.stringLikeRegexp('Bucket') },
          WINNOW_STAGE: 'test',
        },
      },
    });
  });

  it('commits large uploads in a 15-minute Lambda that the API may invoke, and tells the API its name', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Timeout: 900, MemorySize: 3008 } });
    const ids = Object.keys(functions).filter((id) => id.startsWith('CommitFunction'));
    expect(ids).toHaveLength(1);
    const commitId = ids[0]!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WINNOW_COMMIT_FUNCTION: { Ref: commitId }, WINNOW_INTROSPECTION: 'true' }) },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }[];
    const invokes = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => JSON.stringify(st.Action).includes('lambda:InvokeFunction'));
    expect(invokes.some((st) => JSON.stringify(st.Resource).includes(commitId))).toBe(true);
  });

  it('sweeps stale commits every 15 minutes with a Lambda that may hand them to the commit function', () => {
    const sweepers = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('SweepFunction'));
    expect(sweepers).toHaveLength(1);
    const sweepId = sweepers[0]!;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweepId, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [sweepId, 'Arn'] } });
    const commitId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('CommitFunction'))!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ WINNOW_COMMIT_FUNCTION: { Ref: commitId } }) },
    });
  });

  it('lets the sweeper list, read and delete the datasets\' objects, waiting longer than any selection runs', () => {
    const sweepId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('SweepFunction'))!;
    const sweepFunction = template.findResources('AWS::Lambda::Function')[sweepId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
    const roleId = sweepFunction.Properties.Role['Fn::GetAtt'][0];
    type Statement = { Action: string | string[]; Resource: unknown };
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
    const statements = policies.filter((p) => p.Properties.Roles.some((role) => role.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const s3Statements = statements.filter((s) => [s.Action].flat().some((action) => action.startsWith('s3:')));
    const actions = s3Statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:List*', 's3:GetObject*', 's3:DeleteObject*']));
    // Object actions only under datasets/.
    for (const statement of s3Statements.filter((s) => [s.Action].flat().includes('s3:DeleteObject*'))) {
      expect(JSON.stringify(statement.Resource)).toContain('/datasets/*');
    }
    expect(ORPHAN_GRACE_MS).toBeGreaterThan(WORKFLOW_TIMEOUTS.execution.toMilliseconds());
  });

  it('routes /graphql of an HTTP API to the function and outputs the URL', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', Name: 'winnow-test' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /graphql' });
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'TableName', 'BucketName', 'StateMachineArn', 'Region']));
    // What the post-deploy step needs to create a key: the table and its region, resolved at deploy time.
    expect(outputs.TableName!.Value).toEqual({ Ref: expect.stringMatching(/^Table/) });
    expect(outputs.Region!.Value).toEqual({ Ref: 'AWS::Region' });
  });

  it('lets the API read and write only its own table and bucket', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: { Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    // Only X-Ray's actions (tracing) and the state machine's log delivery take no resource.
    for (const statement of statements) {
      if (JSON.stringify(statement.Resource) !== '"*"') continue;
      for (const action of [(statement as unknown as { Action: string | string[] }).Action].flat()) expect(action).toMatch(/^(xray|logs):/);
    }
  });
});

describe('WinnowStack, safety', () => {
  it('expires run intermediates and switches introspection off for prod', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ Id: 'noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          Match.objectLike({ Prefix: 'runs-work/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ Id: 'abandoned-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WINNOW_INTROSPECTION: 'true' }) } });
    const prod = Template.fromStack(new WinnowStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Winnow-prod', { stage: 'prod' }));
    prod.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WINNOW_INTROSPECTION: 'false' }) } });
  });

  it('scopes the workflow functions to the object prefixes they use', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const s3Resources = policies.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:'))).map((s) => JSON.stringify(s.Resource)),
    );
    expect(s3Resources.some((r) => r.includes('runs-work/*'))).toBe(true);
    expect(s3Resources.some((r) => r.includes('datasets/*/tags/*'))).toBe(true);
  });
});

describe('WinnowStack, logs', () => {
  it('keeps every function log for a month', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as { Properties: { RetentionInDays?: number } }[];
    // Eight functions, the state machine's log, the API's access log.
    expect(groups).toHaveLength(10);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
    const functions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as { Properties: { LoggingConfig?: unknown } }[];
    expect(functions.filter((f) => f.Properties.LoggingConfig)).toHaveLength(8);
  });
});

describe('WinnowStack, ready for an account', () => {
  it('takes memory and concurrency from context, with defaults that fit a new account', () => {
    const lambdas = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as { Properties: { MemorySize: number } }[];
    for (const fn of lambdas) expect(fn.Properties.MemorySize).toBeLessThanOrEqual(3008);
    const big = Template.fromStack(
      new WinnowStack(
        new App({
          context: { 'aws:cdk:bundling-stacks': [], selectMemoryMb: '10240', shardMemoryMb: '6144', planMemoryMb: '2048', apiMemoryMb: '1536', commitMemoryMb: '4096', apiReservedConcurrency: '50', shardConcurrency: '8' },
        }),
        'Winnow-big',
        { stage: 'big' },
      ),
    );
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.select', MemorySize: 10240 });
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.finish', MemorySize: 10240 });
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.shard', MemorySize: 6144 });
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.plan', MemorySize: 2048 });
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 1536, ReservedConcurrentExecutions: 50 });
    big.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 4096, Timeout: 900 });
    // Shards at once per selection: the distributed Map's concurrency.
    const maxConcurrency = (t: Template) => JSON.stringify(Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0]).match(/\\"MaxConcurrency\\":(\d+)/)?.[1];
    expect(maxConcurrency(template)).toBe('40');
    expect(maxConcurrency(big)).toBe('8');
    expect(() => new WinnowStack(new App({ context: { 'aws:cdk:bundling-stacks': [], selectMemoryMb: '20000' } }), 'Winnow-bad', { stage: 'bad' })).toThrow(/selectMemoryMb/);
  });

  it('has alarms for failed and timed-out executions, Lambda errors and throttles, and API 5xx', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { MetricName: string } }[];
    const metrics = alarms.map((a) => a.Properties.MetricName);
    for (const name of ['ExecutionsFailed', 'ExecutionsTimedOut', 'Errors', 'Throttles', '5xx']) expect(metrics).toContain(name);
    // Every function: the API, the commit function, the sweeper and the five workflow tasks.
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(8);
    expect(metrics.filter((m) => m === 'Throttles')).toHaveLength(8);
  });

  it('runs every function with its source map enabled', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } })) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }[];
    expect(functions).toHaveLength(8);
    for (const fn of functions) expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('sends failed commits to an SQS queue, traces, logs and throttles', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CommitFailures'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ERROR' }) });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
  });

  it('protects data: TTL, versioning, deletion protection for prod', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true }, DeletionProtectionEnabled: false });
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    const prod = Template.fromStack(new WinnowStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Winnow-prod2', { stage: 'prod' }));
    prod.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('retries by error class: OOM and timeouts never, throttling longer, transient faults with full jitter', () => {
    const definition = synthesizeWorkflowDefinition('bucket', { forLocalRunner: false }) as unknown as {
      States: Record<string, { Retry?: { ErrorEquals: string[]; MaxAttempts: number; JitterStrategy?: string; MaxDelaySeconds?: number }[] }>;
    };
    const retry = definition.States.Select!.Retry!;
    expect(retry[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['Lambda.Unknown', 'States.Timeout', 'Sandbox.Timedout']), MaxAttempts: 0 });
    expect(retry[1]).toMatchObject({ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 12, JitterStrategy: 'FULL', MaxDelaySeconds: 120 });
    expect(retry[2]).toMatchObject({ ErrorEquals: expect.arrayContaining(['TransientError', 'Lambda.ClientExecutionTimeoutException']), JitterStrategy: 'FULL', MaxDelaySeconds: 60 });
    expect(retry.flatMap((r) => r.ErrorEquals).filter((e) => e === 'Lambda.Unknown')).toHaveLength(1);
  });
});

describe('WinnowStack, least privilege', () => {
  interface Statement {
    Action: string | string[];
    Resource: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  }
  /** The statements of the policy attached to a function's role, by the function's logical-id prefix. */
  function statementsOf(functionId: string): Statement[] {
    const policies = template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>;
    const ids = Object.keys(policies).filter((id) => id.startsWith(`${functionId}ServiceRoleDefaultPolicy`));
    expect(ids).toHaveLength(1);
    return policies[ids[0]!]!.Properties.PolicyDocument.Statement;
  }
  const actions = (statements: Statement[], service: string) => statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith(`${service}:`));
  const ITEM_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
  const FUNCTIONS = ['ApiFunction', 'CommitFunction', 'WorkflowPlanFunction', 'WorkflowShardFunction', 'WorkflowSelectFunction', 'WorkflowFinishFunction', 'WorkflowMarkFailedFunction'];

  it('gives every function item actions only: no scans, stream reads, batch gets or table descriptions', () => {
    for (const id of FUNCTIONS) {
      const dynamo = actions(statementsOf(id), 'dynamodb');
      for (const action of dynamo) expect(ITEM_ACTIONS).toContain(action);
    }
    for (const id of ['ApiFunction', 'CommitFunction', 'WorkflowSelectFunction']) expect([...new Set(actions(statementsOf(id), 'dynamodb'))].sort()).toEqual(ITEM_ACTIONS);
    expect(actions(statementsOf('WorkflowMarkFailedFunction'), 'dynamodb')).toEqual(['dynamodb:UpdateItem']);
    // Queries reach the tenant index: the table's statement covers its indexes.
    const api = statementsOf('ApiFunction').find((s) => [s.Action].flat().includes('dynamodb:Query'))!;
    expect(JSON.stringify(api.Resource)).toMatch(/\/index\/\*/);
  });

  it('lets the API and the commit function touch objects under their prefixes only, and never delete a kept version', () => {
    const objectResources = (id: string) =>
      statementsOf(id)
        .filter((s) => [s.Action].flat().includes('s3:GetObject'))
        .flatMap((s) => [s.Resource].flat())
        .map((r) => JSON.stringify(r));
    const api = objectResources('ApiFunction');
    expect(api).toHaveLength(3);
    for (const prefix of ['datasets/*', 'runs/*', 'runs-work/*']) expect(api.some((r) => r.includes(`"/${prefix}"`))).toBe(true);
    const commit = objectResources('CommitFunction');
    expect(commit).toHaveLength(1);
    expect(commit[0]).toContain('"/datasets/*"');
    for (const id of FUNCTIONS) {
      for (const action of actions(statementsOf(id), 's3')) expect(action).not.toMatch(/^s3:(\*|DeleteObject\*|DeleteObjectVersion|PutBucket|PutLifecycle)/);
    }
    // Listing (to delete a prefix) only under those prefixes.
    const list = statementsOf('ApiFunction').find((s) => [s.Action].flat().includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['datasets/*', 'runs/*', 'runs-work/*'] } });
    // Finish writes the result tag, a datapool run's pool, and may remove the tag of a run that failed late.
    const finishPuts = statementsOf('WorkflowFinishFunction').filter((s) => [s.Action].flat().includes('s3:PutObject')).map((s) => JSON.stringify(s.Resource));
    for (const prefix of ['runs/*', 'datasets/*/tags/*', 'datasets/*/datapool/*']) expect(finishPuts.some((r) => r.includes(`"/${prefix}"`))).toBe(true);
    const finishDeletes = statementsOf('WorkflowFinishFunction').filter((s) => [s.Action].flat().includes('s3:DeleteObject'));
    expect(finishDeletes.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('"/datasets/*/tags/*"')]);
    const commitList = statementsOf('CommitFunction').find((s) => [s.Action].flat().includes('s3:ListBucket'))!;
    expect(commitList.Condition).toEqual({ StringLike: { 's3:prefix': ['datasets/*'] } });
  });

  it('lets the API start, stop and describe executions of its own state machine only', () => {
    const states = statementsOf('ApiFunction').filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    expect(states.flatMap((s) => [s.Action].flat()).sort()).toEqual(['states:DescribeExecution', 'states:StartExecution', 'states:StopExecution']);
    for (const statement of states) expect(JSON.stringify(statement.Resource)).toMatch(/WorkflowStateMachine|execution:/);
  });
});

describe('WinnowStack, web console', () => {
  it('serves the console from a private bucket through CloudFront, with /graphql routed to the HTTP API', () => {
    const distributions = Object.values(template.findResources('AWS::CloudFront::Distribution')) as {
      Properties: { DistributionConfig: { DefaultRootObject: string; Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown; OriginAccessControlId?: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[]; DefaultCacheBehavior: { TargetOriginId: string; ViewerProtocolPolicy: string; ResponseHeadersPolicyId: unknown }; CacheBehaviors: { PathPattern: string; TargetOriginId: string; AllowedMethods: string[]; CachePolicyId: string; OriginRequestPolicyId: string }[] } };
    }[];
    expect(distributions).toHaveLength(1);
    const config = distributions[0]!.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    const s3Origin = config.Origins.find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId)!;
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(JSON.stringify(s3Origin.DomainName)).toMatch(/ConsoleBucket/);
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const api = config.CacheBehaviors.find((b) => b.PathPattern === '/graphql')!;
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'OPTIONS']));
    // CloudFront's managed CachingDisabled policy: the API's answers are never cached.
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    // The managed AllViewerExceptHostHeader policy: the request reaches the API as the console sent it
    // (CloudFront keeps the Authorization header of a POST), under the API's own host name.
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    const apiOrigin = config.Origins.find((o) => o.Id === api.TargetOriginId)!;
    expect(apiOrigin.CustomOriginConfig?.OriginProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(apiOrigin.DomainName)).toMatch(/HttpApi/);
    // Only CloudFront reads the console's bucket.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^ConsoleBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]) },
    });
  });

  it('sends the console with a same-origin Content-Security-Policy, uploads the built files and outputs the URL', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("connect-src 'self'"), Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        }),
      },
    });
    // The report is framed from the data bucket's presigned URL, and nothing else is.
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("frame-src https://\\*\\.amazonaws\\.com(;|$)"), Override: true },
        }),
      },
    });
    // Thumbnails are shown from the data bucket's presigned URLs (plain image requests: no CORS rule).
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("img-src 'self' data: https://\\*\\.amazonaws\\.com;"), Override: true },
        }),
      },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^ConsoleBucket') },
      SourceBucketNames: Match.anyValue(),
    });
    const outputs = template.findOutputs('ConsoleUrl');
    expect(JSON.stringify(outputs.ConsoleUrl!.Value)).toMatch(/ConsoleDistribution.*DomainName/);
  });
});
