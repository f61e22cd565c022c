import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseTaglaneConfig, TaglaneConfigError } from '../../../lib/config.ts';
import { configFromContext } from '../../../lib/context.ts';
import { REPO_ROOT } from './synth.ts';

const matomoUrl = 'https://matomo.example.org';

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseTaglaneConfig(raw);
  } catch (error) {
    if (error instanceof TaglaneConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a TaglaneConfigError');
}

describe('parseTaglaneConfig', () => {
  it('fills safe defaults for a standard queue', () => {
    expect(parseTaglaneConfig({ matomoUrl })).toMatchObject({
      matomoUrl,
      stackName: 'Taglane',
      rulesDir: 'rules',
      queueMode: 'standard',
      batchSize: 100,
      batchWindowSeconds: 5,
      maxConcurrency: 5,
      maxReceiveCount: 100,
      batcherTimeoutSeconds: 60,
      logRetentionDays: 30,
      retainData: true,
    });
  });

  it('defaults the standing costs low: three alarms, no topic key, no dashboard, the HTTP API', () => {
    expect(parseTaglaneConfig({ matomoUrl })).toMatchObject({
      alarms: 'standard',
      alarmTopicKey: false,
      dashboard: false,
      frontDoor: 'http-api',
    });
    expect(parseTaglaneConfig({ matomoUrl })).not.toHaveProperty('ingestReservedConcurrency');
  });

  it('refuses an unknown alarm set, front door or reservation, each by name', () => {
    const problems = problemsOf({
      matomoUrl,
      alarms: 'some',
      frontDoor: 'cloudfront',
      ingestReservedConcurrency: '0',
      dashboard: 'yes',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^alarms: .*minimal.*standard.*full/m);
    expect(problems.join('\n')).toMatch(/^frontDoor: .*http-api.*function-url/m);
    expect(problems.join('\n')).toMatch(/^ingestReservedConcurrency: /m);
    expect(problems.join('\n')).toMatch(/^dashboard: /m);
  });

  it('defaults a FIFO queue to its limits: 10 per batch, no window', () => {
    expect(parseTaglaneConfig({ matomoUrl, queueMode: 'fifo' })).toMatchObject({
      batchSize: 10,
      batchWindowSeconds: 0,
    });
  });

  it('reads numbers and booleans given as -c strings', () => {
    const config = parseTaglaneConfig({
      matomoUrl,
      batchSize: '250',
      maxConcurrency: '20',
      retainData: 'false',
    });
    expect(config).toMatchObject({ batchSize: 250, maxConcurrency: 20, retainData: false });
  });

  it('lists every problem at once, each with its setting', () => {
    const problems = problemsOf({
      matomoUrl: 'http://matomo.example.org',
      queueMode: 'lifo',
      maxReceiveCount: '',
      logRetentionDays: 42,
      alarmEmail: 'not-an-address',
      throttleRateLimit: 500,
      throttleBurstLimit: 100,
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'alarmEmail',
      'logRetentionDays',
      'matomoUrl',
      'maxReceiveCount',
      'queueMode',
      'throttleBurstLimit',
    ]);
    expect(problems.find((p) => p.startsWith('logRetentionDays'))).toContain('expected one of 1, 3, 5');
  });

  it('rejects FIFO settings SQS would refuse at deploy time', () => {
    expect(problemsOf({ matomoUrl, queueMode: 'fifo', batchSize: 11, batchWindowSeconds: 1 })).toEqual([
      'batchSize: a FIFO queue delivers at most 10',
      'batchWindowSeconds: FIFO event sources do not support a batching window; use 0',
    ]);
  });

  it('requires a batching window for standard batches above 10', () => {
    expect(problemsOf({ matomoUrl, batchSize: 50, batchWindowSeconds: 0 })).toEqual([
      'batchWindowSeconds: a batch size above 10 needs a batching window of at least 1 second',
    ]);
  });

  it('refuses a maxReceiveCount SQS would reach during a 14-day outage', () => {
    // 6 x 60 s + 5 s visibility, doubling to 12 h: 34 receives in 14 days.
    expect(problemsOf({ matomoUrl, maxReceiveCount: 5 })).toEqual([
      'maxReceiveCount: must be at least 35: a 14-day outage costs 34 receives with a 365 s visibility timeout, and SQS would dead-letter them',
    ]);
    expect(parseTaglaneConfig({ matomoUrl, maxReceiveCount: 35 }).maxReceiveCount).toBe(35);
  });

  it('leaves the Matomo URL to synth, where destinations.yaml may give default its own', () => {
    expect(parseTaglaneConfig({}).matomoUrl).toBeUndefined();
    expect(problemsOf({ env: 'Staging' })).toEqual([
      'env: expected an environment name from the destinations file',
    ]);
  });
});

describe('configFromContext', () => {
  it('takes settings from context and ignores CDK feature flags', () => {
    const app = new App({
      context: {
        matomoUrl,
        queueMode: 'fifo',
        '@aws-cdk/core:newStyleStackSynthesis': true,
        'cli-telemetry': false,
      },
    });
    expect(configFromContext(app.node)).toMatchObject({ matomoUrl, queueMode: 'fifo' });
  });

  it('reports a misspelt setting instead of ignoring it', () => {
    const app = new App({ context: { matomoUrl, batchsize: 10 } });
    expect(() => configFromContext(app.node)).toThrow(/unknown setting\(s\) batchsize; known: .*batchSize/);
  });

  it('accepts the settings shipped in cdk.json', () => {
    const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    const app = new App({ context: cdkJson.context });
    expect(configFromContext(app.node).matomoUrl).toBe(cdkJson.context.matomoUrl);
  });
});
