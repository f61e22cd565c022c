import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaglaneConfigError } from '../../../lib/config.ts';
import { DestinationsSynthError } from '../../../lib/destinations.ts';
import { RuleSetSynthError } from '../../../lib/rule-set-check.ts';
import { formatProblem, loadRuleSet, RuleSetError } from '../../../src/rules/index.ts';
import { type Synthesised, SynthValidationError, synthTaglane } from './synth.ts';
import {
  deadLetterQueueOf,
  functionOf,
  logicalIdOf,
  referencedIds,
  resourcesOf,
  statementsOfRole,
} from './template-queries.ts';

// These variants skip esbuild (CDK's bundling-stacks switch); taglane-stack.test.ts bundles.
const matomoUrl = 'https://matomo.acme.test';
const tokenArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:matomo-token-AbCdEf';
const webhooksArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:taglane/webhooks';

describe('FIFO variant with imported secrets and an alarm e-mail', () => {
  let s: Synthesised;
  beforeAll(() => {
    s = synthTaglane({
      matomoUrl,
      queueMode: 'fifo',
      maxReceiveCount: '40',
      maxConcurrency: '2',
      alarmEmail: 'ops@example.org',
      matomoTokenSecretArn: tokenArn,
      webhookSecretsArn: webhooksArn,
    });
  }, 120_000);
  afterAll(() => s?.dispose());

  it('uses FIFO queues deduplicated and throttled per message group (visitor)', () => {
    const queues = Object.values(resourcesOf(s.template, 'AWS::SQS::Queue')).map((q) => q.Properties ?? {});
    expect(queues).toHaveLength(2);
    for (const q of queues) {
      expect(q).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      });
    }
    const dlq = deadLetterQueueOf(s.template);
    // No batching window on FIFO: visibility is exactly 6x the (default 60 s) batcher timeout.
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 40 },
      VisibilityTimeout: 360,
    });
  });

  it('tells ingest the queue is FIFO', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TAGLANE_QUEUE_FIFO: 'true', TAGLANE_SECRET_ARNS: webhooksArn } },
    });
  });

  it('reads at most 10 messages with no batching window (FIFO limits)', () => {
    const [mapping] = Object.values(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping'));
    expect(mapping?.Properties).toMatchObject({
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(mapping?.Properties).not.toHaveProperty('MaximumBatchingWindowInSeconds');
  });

  it('reads imported secrets instead of their parameters, each function only its own', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const vars = (service: 'ingest' | 'batcher') =>
      (functionOf(s.template, service).props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars('ingest')).not.toHaveProperty('TAGLANE_SECRET_PARAMETERS');
    expect(vars('batcher')).toMatchObject({
      TAGLANE_SECRET_ARNS: tokenArn,
      TAGLANE_SECRET_PARAMETERS: '/Taglane/TAGLANE_VISITOR_HMAC_KEY',
    });
    const batcher = logicalIdOf(s.template, 'AWS::Lambda::Function', '"POWERTOOLS_SERVICE_NAME":"batcher"');
    const role = referencedIds(
      resourcesOf(s.template, 'AWS::Lambda::Function')[batcher]?.Properties?.Role,
    )[0];
    const secretResources = statementsOfRole(s.template, role ?? '')
      .filter((st) => JSON.stringify(st.Action).includes('secretsmanager:GetSecretValue'))
      .map((st) => JSON.stringify(st.Resource));
    expect(secretResources.some((r) => r.includes(tokenArn))).toBe(true);
    expect(secretResources.some((r) => r.includes('taglane/webhooks'))).toBe(false);
  });

  it('subscribes the alarm e-mail to the alarm topic', () => {
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });
});

describe('function URL front door', () => {
  let s: Synthesised;
  beforeAll(() => {
    s = synthTaglane({ matomoUrl, frontDoor: 'function-url' });
  }, 120_000);
  afterAll(() => s?.dispose());

  it('puts a public, buffered function URL on ingest and no API Gateway', () => {
    const ingest = functionOf(s.template, 'ingest').id;
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [ingest, 'Arn'] },
    });
    // No CORS on the URL: OPTIONS reaches ingest, which answers the tracker's preflight itself.
    expect(Object.values(resourcesOf(s.template, 'AWS::Lambda::Url'))[0]?.Properties).not.toHaveProperty(
      'Cors',
    );
    for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Stage']) {
      s.template.resourceCountIs(type, 0);
    }
  });

  it('caps ingest with reserved concurrency instead of API throttling, the batcher untouched', () => {
    expect(functionOf(s.template, 'ingest').props.ReservedConcurrentExecutions).toBe(10);
    expect(functionOf(s.template, 'batcher').props).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('outputs the URL without its trailing slash as ApiUrl', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const url = logicalIdOf(s.template, 'AWS::Lambda::Url', 'NONE');
    expect(outputs.ApiUrl?.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [url, 'FunctionUrl'] }] }] }],
      ],
    });
  });

  it("alarms on the URL's 5xx answers", () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionOf(s.template, 'ingest').id } }],
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  it('takes an explicit reservation, also behind the HTTP API', () => {
    const t = synthTaglane({ matomoUrl, ingestReservedConcurrency: '25' });
    try {
      expect(functionOf(t.template, 'ingest').props.ReservedConcurrentExecutions).toBe(25);
      t.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      t.template.resourceCountIs('AWS::Lambda::Url', 0);
    } finally {
      t.dispose();
    }
  });
});

describe('monitoring variants', () => {
  const alarmMetrics = (t: Synthesised) =>
    Object.values(resourcesOf(t.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties?.MetricName);

  it('with alarms=minimal alarm on dead letters and 5xx answers only', () => {
    const t = synthTaglane({ matomoUrl, alarms: 'minimal' });
    try {
      expect(alarmMetrics(t).sort()).toEqual(['5xx', 'ApproximateNumberOfMessagesVisible']);
    } finally {
      t.dispose();
    }
  });

  it('with alarms=full, alarmTopicKey and dashboard add every alarm, the key and the dashboard', () => {
    const t = synthTaglane({ matomoUrl, alarms: 'full', alarmTopicKey: 'true', dashboard: 'true' });
    try {
      expect(alarmMetrics(t).sort()).toEqual(
        [
          '5xx',
          'ApproximateAgeOfOldestMessage',
          'ApproximateNumberOfMessagesVisible',
          'Errors',
          'Errors',
          'Throttles',
          'Throttles',
          'oldestRetriedAge',
        ].sort(),
      );
      const key = Object.keys(resourcesOf(t.template, 'AWS::KMS::Key'));
      expect(key).toHaveLength(1);
      t.template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [key[0], 'Arn'] },
      });
      t.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(Object.keys(t.template.toJSON().Outputs)).toContain('DashboardName');
    } finally {
      t.dispose();
    }
  });
});

describe('synth refuses', () => {
  let rulesDir: string;
  beforeAll(() => {
    rulesDir = mkdtempSync(join(tmpdir(), 'taglane-rules-'));
  });
  afterAll(() => rmSync(rulesDir, { recursive: true, force: true }));

  it('an invalid rule file, with the same file:line:col lines as taglane validate', async () => {
    const file = join(rulesDir, 'shop.yaml');
    writeFileSync(
      file,
      [
        'source: shop',
        'auth: { api-key: { secrets: [SHOP_KEY] } }',
        'site: 1',
        "visitor: { key: '{% customer %}' }",
        'rules:',
        '  - name: order',
        '    track:',
        '      - order: { id: "{% id %}", revenu: 3 }',
        '',
      ].join('\n'),
    );
    const expected = await loadRuleSet(rulesDir).then(
      () => [],
      (error: unknown) =>
        error instanceof RuleSetError ? error.problems.map(formatProblem) : [String(error)],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ `));

    const error = captureError(() => synthTaglane({ matomoUrl, rulesDir }));
    expect(error).toBeInstanceOf(RuleSetSynthError);
    expect((error as RuleSetSynthError).lines).toEqual(expected);
    expect((error as Error).message).toContain(expected[0]);
  });

  it('the placeholder Matomo URL of cdk.json, with what to set instead', () => {
    const error = captureError(() => synthTaglane({ matomoUrl: 'https://matomo.example.com' }));
    expect(error).toBeInstanceOf(DestinationsSynthError);
    expect((error as Error).message).toBe(
      'Invalid destinations, nothing deployed:\n' +
        'destination default: https://matomo.example.com from matomoUrl is a placeholder; deploy with -c matomoUrl=https://your-matomo',
    );
  });

  it('a missing Matomo URL', () => {
    const error = captureError(() => synthTaglane({}));
    expect(error).toBeInstanceOf(DestinationsSynthError);
    expect((error as DestinationsSynthError).lines).toEqual([
      'destination default: no Matomo URL; deploy with -c matomoUrl=https://your-matomo',
    ]);
  });

  it('a configuration with several problems, listing all of them', () => {
    const error = captureError(() =>
      synthTaglane({
        matomoUrl: 'http://matomo.acme.test',
        queueMode: 'fifo',
        batchSize: '50',
        batchWindowSeconds: 2,
        maxConcurrency: 1,
        matomoURL: 'https://typo.example.org',
      }),
    );
    expect(error).toBeInstanceOf(TaglaneConfigError);
    const problems = (error as TaglaneConfigError).problems.join('\n');
    for (const part of ['matomoUrl:', 'batchSize:', 'batchWindowSeconds:', 'maxConcurrency:', 'matomoURL']) {
      expect(problems).toContain(part);
    }
  });

  it('a resource cdk-nag flags and nobody acknowledged', () => {
    // Proves the AwsSolutions pack is live in the app bin/app.ts builds: an unencrypted,
    // unlogged bucket added to the stack must stop synth.
    const error = captureError(() =>
      synthTaglane({ matomoUrl }, { extend: (stack) => new Bucket(stack, 'Unreviewed') }),
    );
    expect(error).toBeInstanceOf(SynthValidationError);
    const unacknowledged = unacknowledgedFindings((error as SynthValidationError).report);
    expect(unacknowledged).toContainEqual(['AwsSolutions-S1', 'Taglane/Unreviewed/Resource']);
    expect(unacknowledged.filter(([, path]) => !path.startsWith('Taglane/Unreviewed/'))).toEqual([]);
  });
});

/** `[rule, construct path]` of every finding in a validation report that nobody acknowledged. */
function unacknowledgedFindings(reportJson: string): [string, string][] {
  const report = JSON.parse(reportJson) as {
    pluginReports: {
      violations: {
        ruleName: string;
        acknowledgedId?: string;
        violatingConstructs: { constructPath: string }[];
      }[];
    }[];
  };
  return report.pluginReports
    .flatMap((p) => p.violations)
    .filter((v) => v.acknowledgedId === undefined)
    .flatMap((v) => v.violatingConstructs.map((c): [string, string] => [v.ruleName, c.constructPath]));
}

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
