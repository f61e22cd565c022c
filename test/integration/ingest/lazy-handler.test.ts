import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler, handler, ingestDepsFromEnv } from '../../../functions/ingest/handler.ts';
import { AwsConfigError } from '../../../src/aws-lite/errors.ts';
import { QueueSendError } from '../../../src/ingest/index.ts';
import { RuleSetError } from '../../../src/rules/index.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { queuedPageView } from '../../support/queued-page-view.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';
import { makeTempDir } from '../../support/temp-dir.ts';
import { apiEvent, lambdaContext, structured } from './lambda.ts';

// This file changes process.env; vitest runs each test file in its own process (pool: forks).
let sqs: LocalSqs;
const apiKey = `key_${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  sqs = await startLocalSqs();
  Object.assign(process.env, {
    TAGLANE_RULES_DIR: 'rules',
    TAGLANE_QUEUE_URL: sqs.queueUrl,
    TAGLANE_API_KEY: apiKey,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
afterAll(async () => {
  await sqs.stop();
});

describe('the exported Lambda handler', () => {
  it('composes itself from process.env on first use and queues an event', async () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'lazy-1', type: 'signup', timestamp: 1726128930, userId: 'u1' }),
    );
    const res = structured(
      await handler(
        apiEvent({
          path: '/events',
          query: { source: 'app' },
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body,
        }),
        lambdaContext(),
      ),
    );
    expect(res.statusCode).toBe(202);
    const [message] = await sqs.drain();
    expect(QueuedRequestSchema.parse(JSON.parse(message?.Body ?? '')).eventId).toBe('lazy-1');
  });
});

describe('ingestDepsFromEnv', () => {
  it('reports every invalid variable at once', async () => {
    const error = await ingestDepsFromEnv({ TAGLANE_MAX_EVENTS: 'lots', TAGLANE_QUEUE_FIFO: 'yes' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = String((error as Error).message);
    expect(message).toContain('TAGLANE_QUEUE_URL');
    expect(message).toContain('TAGLANE_MAX_EVENTS must be a positive integer');
    expect(message).toContain('TAGLANE_QUEUE_FIFO must be true or false');
  });

  it('composes without credentials, then answers 503 with a problem: the queue client cannot sign', async () => {
    const deps = await ingestDepsFromEnv({
      TAGLANE_QUEUE_URL: sqs.queueUrl,
      TAGLANE_RULES_DIR: 'rules',
      TAGLANE_API_KEY: apiKey,
    });
    const error = await deps.queue.send([queuedPageView(1, 'no-creds')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    expect((error as Error).cause).toBeInstanceOf(AwsConfigError);
    expect(String((error as Error).cause)).toContain('AWS_ACCESS_KEY_ID');
    const res = structured(
      await createIngestHandler(deps)(
        apiEvent({
          path: '/events',
          query: { source: 'app' },
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: Buffer.from(
            JSON.stringify({ id: 'no-creds', type: 'signup', timestamp: 1726128930, userId: 'u1' }),
          ),
        }),
        lambdaContext(),
      ),
    );
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(await sqs.drain()).toEqual([]);
  });

  it('stops on an invalid rule set with the rule engine error', async () => {
    const { dir, cleanup } = await makeTempDir('taglane-ingest-', {
      'bad.yaml': 'source: bad\nauth: { github: {} }\nsite: 1\nrules: []\n',
    });
    const error = await ingestDepsFromEnv({ TAGLANE_QUEUE_URL: sqs.queueUrl, TAGLANE_RULES_DIR: dir }).catch(
      (e: unknown) => e,
    );
    await cleanup();
    expect(error).toBeInstanceOf(RuleSetError);
    expect((error as RuleSetError).problems[0]?.file).toContain('bad.yaml');
  });
});
