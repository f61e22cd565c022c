import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_EVENT, invokeBundle } from './bundle-run.ts';
import { REPO_ROOT, type Synthesised, synthTaglane } from './synth.ts';
import {
  actionsOf,
  deadLetterQueueOf,
  functionOf,
  logicalIdOf,
  parameterNamesIn,
  policyStatements,
  referencedIds,
  resourcesOf,
  statementsOfRole,
} from './template-queries.ts';

// One synth for the whole file, with real esbuild bundling of the real handlers and the
// repository's rules, cdk-nag and CloudFormation validation on: the stack `cdk deploy` ships.
const context = { matomoUrl: 'https://matomo.acme.test', batcherTimeoutSeconds: 45 };
let s: Synthesised;

beforeAll(() => {
  s = synthTaglane(context, { bundle: true });
}, 180_000);
afterAll(() => s?.dispose());

const fn = (name: 'Ingest' | 'Batcher') => functionOf(s.template, name === 'Ingest' ? 'ingest' : 'batcher');

/** The bundle directory of a function in the cloud assembly. */
function assetDir(name: 'Ingest' | 'Batcher'): string {
  const code = fn(name).props.Code as { S3Key: string };
  return join(s.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
}

describe('functions', () => {
  it('run nodejs24.x on arm64 with active tracing, JSON logs and source maps', () => {
    for (const name of ['Ingest', 'Batcher'] as const) {
      expect(fn(name).props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
  });

  it('write to their own log groups with a 30-day retention', () => {
    for (const name of ['Ingest', 'Batcher'] as const) {
      const logGroup = referencedIds((fn(name).props.LoggingConfig as { LogGroup: unknown }).LogGroup)[0];
      expect(logGroup).toBeDefined();
      const props = resourcesOf(s.template, 'AWS::Logs::LogGroup')[logGroup ?? '']?.Properties;
      expect(props?.RetentionInDays).toBe(30);
    }
  });

  it('wire the contract environment variables to the stack resources', () => {
    const queue = logicalIdOf(s.template, 'AWS::SQS::Queue', 'RedrivePolicy');
    const dlq = deadLetterQueueOf(s.template);
    const table = Object.keys(resourcesOf(s.template, 'AWS::DynamoDB::Table'))[0];
    expect(fn('Ingest').props.Environment).toEqual({
      Variables: expect.objectContaining({
        TAGLANE_PREPARED_FILE: '/var/task/ingest.prepared.json',
        TAGLANE_QUEUE_URL: { Ref: queue },
        TAGLANE_QUEUE_FIFO: 'false',
      }),
    });
    // The YAML files are read at synth; the deployed ingest reads only the prepared JSON.
    expect(fn('Ingest').props.Environment).not.toHaveProperty('Variables.TAGLANE_RULES_DIR');
    // One SecureString parameter per name the shipped rules use, under the stack's name.
    const ingestVars = (fn('Ingest').props.Environment as { Variables: Record<string, unknown> }).Variables;
    const ingestParameters = String(ingestVars.TAGLANE_SECRET_PARAMETERS).split(',');
    expect(ingestParameters).toEqual(
      expect.arrayContaining(['/Taglane/STRIPE_WEBHOOK_SECRET', '/Taglane/TAGLANE_API_KEY']),
    );
    for (const p of ingestParameters) expect(p).toMatch(/^\/Taglane\/[A-Z][A-Z0-9_]*$/);
    expect(ingestVars).not.toHaveProperty('TAGLANE_SECRET_ARNS');
    const batcher = fn('Batcher').props.Environment as { Variables: Record<string, unknown> };
    expect(batcher.Variables).toMatchObject({
      MATOMO_URL: context.matomoUrl,
      TAGLANE_TABLE_NAME: { Ref: table },
      TAGLANE_DLQ_URL: { Ref: dlq },
      // Retries grow from the visibility timeout (6 x 45 s + the 5 s window) to 12 h for 14 days.
      TAGLANE_QUEUE_URL: { Ref: queue },
      TAGLANE_RETRY_BASE_SECONDS: '275',
      TAGLANE_RETRY_MAX_SECONDS: '43200',
      TAGLANE_QUEUE_RETENTION_SECONDS: '1209600',
    });
    expect(batcher.Variables.TAGLANE_SECRET_PARAMETERS).toBe(
      '/Taglane/MATOMO_TOKEN,/Taglane/TAGLANE_VISITOR_HMAC_KEY',
    );
    expect(batcher.Variables).not.toHaveProperty('TAGLANE_SECRET_ARNS');
  });

  it('ship a minified ESM bundle with a require shim, a source map and the rule set prepared at synth', () => {
    const dir = assetDir('Ingest');
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire as __taglaneCreateRequire } from 'node:module'")).toBe(
      true,
    );
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const prepared = JSON.parse(readFileSync(join(dir, 'ingest.prepared.json'), 'utf8')) as {
      rules: { files: { path: string }[] };
    };
    const shipped = prepared.rules.files.map((f) => f.path.split('/').pop());
    const repo = readdirSync(join(REPO_ROOT, 'rules')).filter((f) => f.endsWith('.yaml'));
    expect(shipped.sort()).toEqual(repo.sort());
    expect(shipped.length).toBeGreaterThan(0);
    // No YAML parser and no zod at the cold start: the synth did that work.
    expect(bundle).not.toContain('YAMLParseError');
    expect(bundle).not.toContain('ZodError');
    // No AWS SDK either: ingest calls AWS through src/aws-lite (the batcher's bundle has it,
    // for SQS only: its DynamoDB calls go through aws-lite too).
    expect(bundle).not.toMatch(/@aws-sdk|@smithy/);
    const batcher = readFileSync(join(assetDir('Batcher'), 'index.mjs'), 'utf8');
    expect(batcher).toMatch(/@aws-sdk/);
    expect(batcher).not.toMatch(/client-dynamodb|DynamoDBClient/);
    expect(batcher).toContain('DynamoDB_20120810');
    expect(existsSync(join(dir, 'rules'))).toBe(false);
    // The source map covers our own code, without the sources: read at every cold start.
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((f) => f.endsWith('src/ingest/ingest.ts'))).toBe(true);
    expect(map.sources.filter((f) => f.includes('node_modules'))).toEqual([]);
    expect(map).not.toHaveProperty('sourcesContent');
  });

  it('ship an ingest bundle that starts, loads its prepared rules and answers /health', async () => {
    const dir = assetDir('Ingest');
    const result = (await invokeBundle(dir, HEALTH_EVENT, {
      TAGLANE_PREPARED_FILE: join(dir, 'ingest.prepared.json'),
      TAGLANE_QUEUE_URL: 'http://127.0.0.1:9/000000000000/queue',
    })) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    const repoSources = readdirSync(join(REPO_ROOT, 'rules')).filter((f) => /\.ya?ml$/.test(f)).length;
    expect(JSON.parse(result.body)).toMatchObject({ sources: repoSources });
  }, 60_000);

  it('ship a batcher bundle that starts and answers an empty batch', async () => {
    const result = await invokeBundle(
      assetDir('Batcher'),
      { Records: [] },
      {
        MATOMO_URL: context.matomoUrl,
        TAGLANE_TABLE_NAME: 'visitors',
        TAGLANE_DLQ_URL: 'http://127.0.0.1:9/000000000000/dlq',
        TAGLANE_VISITOR_HMAC_KEY: 'k'.repeat(64),
      },
    );
    expect(result).toEqual({ batchItemFailures: [] });
  }, 60_000);
});

describe('queues', () => {
  it('keep messages 14 days and redrive to an encrypted DLQ only after 100 receives', () => {
    const dlq = deadLetterQueueOf(s.template);
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 100 },
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    const dlqProps = resourcesOf(s.template, 'AWS::SQS::Queue')[dlq]?.Properties;
    expect(dlqProps).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('hide a message for at least 6x the batcher timeout plus the batching window', () => {
    const queue = resourcesOf(s.template, 'AWS::SQS::Queue')[
      logicalIdOf(s.template, 'AWS::SQS::Queue', 'RedrivePolicy')
    ];
    const timeout = fn('Batcher').props.Timeout as number;
    expect(timeout).toBe(context.batcherTimeoutSeconds);
    const [mapping] = Object.values(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping'));
    const window = mapping?.Properties?.MaximumBatchingWindowInSeconds as number;
    expect(window).toBeGreaterThan(0);
    expect(queue?.Properties?.VisibilityTimeout).toBe(6 * timeout + window);
  });

  it('refuse non-TLS access to both queues', () => {
    const policies = Object.values(resourcesOf(s.template, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(JSON.stringify(p.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feed the batcher in batches with partial failures and capped concurrency', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn('Batcher').id },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(s.template, 'AWS::SQS::Queue', 'RedrivePolicy'), 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

describe('table', () => {
  it('is on-demand with point-in-time recovery, TTL on expiresAt, and retained', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });
});

describe('HTTP API', () => {
  it("routes events, webhooks, health and Segment's API to ingest", () => {
    const keys = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties?.RouteKey,
    );
    const segment = ['alias', 'batch', 'group', 'identify', 'page', 'screen', 'track'].map(
      (c) => `POST /v1/${c}`,
    );
    expect(keys.sort()).toEqual(['GET /health', 'POST /events', ...segment, 'POST /webhooks/{source}']);
  });

  it('throttles the default stage and writes JSON access logs', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });
});

describe('alarms', () => {
  const alarms = () =>
    Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties ?? {});
  const find = (metric: string) => alarms().filter((a) => a.MetricName === metric);

  it('fire when the DLQ holds any message', () => {
    const [dlqAlarm] = find('ApproximateNumberOfMessagesVisible');
    const dlq = deadLetterQueueOf(s.template);
    expect(dlqAlarm).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
    });
  });

  it('fire when the oldest queued request is older than 15 minutes', () => {
    expect(find('ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({ Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' }),
    ]);
  });

  it('fire on any 5xx answer of the HTTP API (ingest failing, throttled or the queue down)', () => {
    const api = Object.keys(resourcesOf(s.template, 'AWS::ApiGatewayV2::Api'))[0];
    expect(find('5xx')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/ApiGateway',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: api } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
      }),
    ]);
  });

  it('are the three of the standard set, each one metric, all to an unencrypted alarm topic', () => {
    // CloudWatch bills each metric of an alarm: three metrics, $0.30 a month.
    expect(
      alarms()
        .map((a) => a.MetricName ?? a.Metrics)
        .sort(),
    ).toEqual(['5xx', 'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible'].sort());
    const [topic, ...others] = Object.entries(resourcesOf(s.template, 'AWS::SNS::Topic'));
    expect(others).toEqual([]);
    for (const a of alarms()) expect(a.AlarmActions).toEqual([{ Ref: topic?.[0] }]);
    expect(topic?.[1].Properties ?? {}).not.toHaveProperty('KmsMasterKeyId');
    s.template.resourceCountIs('AWS::KMS::Key', 0);
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

describe('least privilege', () => {
  const scoped = /^(sqs|dynamodb|secretsmanager|kms):/;

  it('scopes every data-plane action to a resource of this stack, never "*"', () => {
    const own = new Set(Object.keys(s.template.toJSON().Resources));
    const statements = policyStatements(s.template);
    const dataPlane = statements.filter((st) => actionsOf(st).some((a) => scoped.test(a)));
    expect(dataPlane.length).toBeGreaterThanOrEqual(4);
    for (const st of dataPlane) {
      expect(JSON.stringify(st.Resource)).not.toBe('"*"');
      const ids = referencedIds(st.Resource);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(own.has(id), `${id} in ${JSON.stringify(st)}`).toBe(true);
    }
  });

  it('scopes every Parameter Store action to named parameters under the stack name', () => {
    const ssm = policyStatements(s.template).filter((st) => actionsOf(st).some((a) => a.startsWith('ssm:')));
    expect(ssm.length).toBeGreaterThan(0);
    for (const st of ssm) {
      const names = parameterNamesIn(st.Resource);
      expect(names.length).toBe([st.Resource].flat().length);
      for (const name of names) expect(name).toMatch(/^\/Taglane\/[A-Z][A-Z0-9_]*$/);
    }
  });

  it('lets ingest only send to the queue and read the parameters its rules name', () => {
    const statements = statementsOfRole(s.template, fn('Ingest').role);
    const actions = statements
      .flatMap(actionsOf)
      .filter((a) => /^(sqs|dynamodb|secretsmanager|kms|ssm):/.test(a));
    expect(new Set(actions)).toEqual(
      new Set(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'ssm:GetParameters']),
    );
    const readable = statements.filter((st) => actionsOf(st).includes('ssm:GetParameters'));
    const vars = (fn('Ingest').props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(readable.flatMap((st) => parameterNamesIn(st.Resource))).toEqual(
      String(vars.TAGLANE_SECRET_PARAMETERS).split(',').sort(),
    );
  });

  it('lets the batcher read its token and key parameters and create only the key', () => {
    const statements = statementsOfRole(s.template, fn('Batcher').role);
    const of = (action: string) =>
      statements
        .filter((st) => actionsOf(st).includes(action))
        .flatMap((st) => parameterNamesIn(st.Resource));
    expect(of('ssm:GetParameters')).toEqual(['/Taglane/MATOMO_TOKEN', '/Taglane/TAGLANE_VISITOR_HMAC_KEY']);
    expect(of('ssm:PutParameter')).toEqual(['/Taglane/TAGLANE_VISITOR_HMAC_KEY']);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('lets the batcher delay the retries of the queue it reads', () => {
    const queue = logicalIdOf(s.template, 'AWS::SQS::Queue', 'RedrivePolicy');
    const change = statementsOfRole(s.template, fn('Batcher').role).filter((st) =>
      actionsOf(st).includes('sqs:ChangeMessageVisibility'),
    );
    expect(change.flatMap((st) => referencedIds(st.Resource))).toEqual([queue]);
  });

  // BatchWriteItem (the delivery log's 25-id writes) could also delete; IAM has no key to stop that.
  it('gives the batcher no DeleteItem, scan or query on the table', () => {
    const dynamo = statementsOfRole(s.template, fn('Batcher').role)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo.sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });
});

describe('secrets', () => {
  it('keep no secret in the template: no Secrets Manager secret, no parameter resource, no KMS key', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    s.template.resourceCountIs('AWS::SSM::Parameter', 0);
    s.template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('outputs the parameter prefix with every parameter each function reads', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(outputs.SecretParameterPrefix?.Value).toBe('/Taglane/');
    expect(outputs.SecretParameterPrefix?.Description).toMatch(
      /^SecureString parameters read: ingest .*\/Taglane\/STRIPE_WEBHOOK_SECRET.*; batcher \/Taglane\/MATOMO_TOKEN, \/Taglane\/TAGLANE_VISITOR_HMAC_KEY$/,
    );
  });
});

describe('outputs and checks', () => {
  it('outputs the API URL and the DLQ URL', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('ApiEndpoint');
    expect(referencedIds(outputs.DeadLetterQueueUrl?.Value)).toEqual([deadLetterQueueOf(s.template)]);
  });

  it('passes cdk-nag AwsSolutions, each acknowledgement with a reason', () => {
    // synth would have thrown on any unacknowledged finding; list what was acknowledged.
    const acks = s.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(0);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/^AwsSolutions::AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
