import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batcherDepsFromEnv, createBatcherHandler } from '../../../functions/batcher/handler.ts';
import type { QueueMessage } from '../../../src/batcher/parse.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { harnessPerTest, messages, queued } from './harness.ts';

const startHarness = harnessPerTest();
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const context = { functionName: 'batcher', awsRequestId: 'req-1' } as Context;

function sqsEvent(batch: readonly QueueMessage[]): SQSEvent {
  return {
    Records: batch.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `rh-${m.messageId}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:taglane',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('batcher handler', () => {
  it('lists every environment problem at once', async () => {
    const error = await batcherDepsFromEnv({ TAGLANE_BULK_MAX_REQUESTS: 'many' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    for (const name of [
      'MATOMO_URL',
      'TAGLANE_TABLE_NAME',
      'TAGLANE_DLQ_URL',
      'TAGLANE_BULK_MAX_REQUESTS',
      'TAGLANE_VISITOR_HMAC_KEY',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('delivers an SQS batch with the token from the secret source and never logs the token', async () => {
    const t = await startHarness({ sites: [1], superUserTokens: ['s3cret-token-value'] });
    const env = {
      MATOMO_URL: t.matomo.url,
      TAGLANE_TABLE_NAME: t.dynamo.tableName,
      TAGLANE_DLQ_URL: t.dlqUrl,
      TAGLANE_BULK_MAX_REQUESTS: '2',
    };
    const secrets = new EnvSecretSource({
      MATOMO_TOKEN: 's3cret-token-value',
      TAGLANE_VISITOR_HMAC_KEY: 'hmac',
    });
    const deps = await batcherDepsFromEnv(env, { dynamodb: t.dynamo.newApi(), sqs: t.sqs, secrets });
    const output: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    // The run disables EMF metric lines (vitest.config.ts); this test reads them.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const handler = createBatcherHandler(deps);
    const good = [queued(), queued(), queued()];
    const invalid = queued({ params: { idsite: '9' } });
    const response = await handler(sqsEvent(messages([...good, invalid])), context);
    vi.restoreAllMocks();

    expect(response).toEqual({ batchItemFailures: [] });
    expect(t.matomo.recorded()).toHaveLength(3);
    expect(JSON.parse(t.matomo.received[0]?.body ?? '{}').token_auth).toBe('s3cret-token-value');
    const logs = output.join('');
    expect(logs).toContain('"delivered":3');
    expect(logs).toContain('deadLettered');
    expect(logs).not.toContain('s3cret-token-value');
  });

  it('hands failed messages back to SQS as batch item failures', async () => {
    const t = await startHarness();
    const env = {
      MATOMO_URL: t.matomo.url,
      TAGLANE_TABLE_NAME: t.dynamo.tableName,
      TAGLANE_DLQ_URL: t.dlqUrl,
    };
    const secrets = new EnvSecretSource({ TAGLANE_VISITOR_HMAC_KEY: 'hmac' });
    const deps = await batcherDepsFromEnv(env, { dynamodb: t.dynamo.newApi(), sqs: t.sqs, secrets });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await t.matomo.outage({ kind: 'status', status: 503 });
    const batch = messages([queued(), queued()]);
    const response = await createBatcherHandler(deps)(sqsEvent(batch), context);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      batch.map((m) => m.messageId).sort(),
    );
  });
});
