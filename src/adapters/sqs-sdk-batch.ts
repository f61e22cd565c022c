import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { regionalEndpoint, SERVICES } from '../aws-lite/config.ts';
import { failedEntries, type SqsBatchEntry, type SqsBatchResult, SqsClient } from '../aws-lite/sqs.ts';
import type { SqsBatchSender } from './sqs-queue.ts';

/**
 * An AWS SDK client behind {@link SqsBatchSender}, for a caller that has one configured its own
 * way (a credential chain, a proxy). Ingest itself runs on aws-lite's `SqsClient`; the tests
 * run the same queue over both to show they queue the same messages.
 */
export function sdkBatchSender(client: SQSClient): SqsBatchSender {
  return {
    async sendMessageBatch(queueUrl: string, entries: readonly SqsBatchEntry[]): Promise<SqsBatchResult> {
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((e) => ({ ...e, MessageAttributes: { ...e.MessageAttributes } })),
        }),
      );
      return {
        Successful: (out.Successful ?? []).map((s) => ({ Id: s.Id ?? '', MessageId: s.MessageId ?? '' })),
        Failed: failedEntries(out.Failed),
      };
    },
  };
}

/**
 * aws-lite's SqsClient with an SDK client's endpoint, region and credentials: `taglane serve`
 * and the tests hold SDK clients pointed at their local SQS, and through this ingest runs on
 * the client it runs on when deployed.
 */
export async function sqsClientLike(client: SQSClient): Promise<SqsClient> {
  const region = await client.config.region();
  const credentials = await client.config.credentials();
  const endpoint = await client.config.endpoint?.();
  return new SqsClient({
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    endpoint:
      endpoint === undefined
        ? regionalEndpoint(SERVICES.sqs, region)
        : new URL(
            `${endpoint.protocol}//${endpoint.hostname}${endpoint.port === undefined ? '' : `:${endpoint.port}`}${endpoint.path}`,
          ),
    endpointConfigured: endpoint !== undefined,
  });
}
