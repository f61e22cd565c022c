import type { Prices } from './prices.ts';

/** What one deployment does per event, from measurements and stated assumptions. */
export interface CostInputs {
  /** Events in one POST: 1 for single-event POSTs, 100 for batches. */
  readonly eventsPerPost: number;
  /** Billed duration of one ingest invocation in ms (Lambda rounds up to 1 ms). */
  readonly ingestMs: number;
  readonly ingestMemoryMb: number;
  /** Tracking requests one event produces on average. */
  readonly requestsPerEvent: number;
  /** Bytes of one queued request's JSON: a POST's requests share messages of up to 64 KiB. */
  readonly requestBytes: number;
  /** Messages per batcher invocation (the event source mapping's batch size). */
  readonly batchSize: number;
  /** Billed batcher time per 100 requests (one bulk into Matomo with its reads and writes), ms. */
  readonly batcherMs: number;
  readonly batcherMemoryMb: number;
  /**
   * Distinct people in a bulk of requests, as a share of its requests (0–1); the batcher sends
   * a person's requests together, so this is also the share in a batch.
   */
  readonly visitorsPerMessage: number;
  /** Share of people seen for the first time (one extra conditional put each). */
  readonly newVisitorShare: number;
  /** Invocations a warm Lambda container serves before a cold start fetches the secrets again. */
  readonly invocationsPerColdStart: number;
}

/** Dollars per million events, by service. */
export interface CostBreakdown {
  readonly apiGateway: number;
  readonly ingestLambda: number;
  readonly batcherLambda: number;
  readonly sqs: number;
  readonly dynamodb: number;
  readonly secretsManager: number;
  readonly total: number;
}

const MILLION = 1e6;
/** SendMessageBatch, ReceiveMessage and DeleteMessageBatch take at most 10 messages. */
const SQS_BATCH = 10;
/** SQS bills each 64 KiB of a call's payload as one request; a pack holds at most that. */
const SQS_CHUNK = 65_536;

/**
 * Cost of one million events on AWS at list prices. The model follows the code: one API
 * Gateway request and one ingest invocation per POST; a POST's requests packed into messages
 * of up to 64 KiB, sent 10 per call, received and deleted 10 per call, SQS billing each call
 * by the 64 KiB of payload; one batcher invocation per batch of messages, billed per 100
 * requests; per person in a bulk one strongly consistent read and one write unit of the
 * delivery log (the person's bucket, within 1 KB); per person in a batch a read and a last-seen update
 * of the visitor store; per new person one more write. A person with more delivered requests
 * in the retention than a bucket holds (about 50) costs a read and a write per request, as
 * before buckets; the model assumes none.
 */
export function costPerMillionEvents(inputs: CostInputs, prices: Prices): CostBreakdown {
  const p = prices.aws;
  const posts = MILLION / inputs.eventsPerPost;
  const requests = MILLION * inputs.requestsPerEvent;
  const postBytes = inputs.eventsPerPost * inputs.requestsPerEvent * inputs.requestBytes;
  const messagesPerPost = Math.max(1, Math.ceil(postBytes / SQS_CHUNK));
  const messages = posts * messagesPerPost;
  const batches = messages / inputs.batchSize;
  const gbSeconds = (ms: number, mb: number): number => (Math.ceil(ms) / 1000) * (mb / 1024);
  const apiGateway = posts * p.httpApiPerRequest;
  const ingestLambda =
    posts * (p.lambdaPerRequest + gbSeconds(inputs.ingestMs, inputs.ingestMemoryMb) * p.lambdaPerGbSecond);
  const batchMs = ((requests / batches) * inputs.batcherMs) / 100;
  const batcherLambda =
    batches * (p.lambdaPerRequest + gbSeconds(batchMs, inputs.batcherMemoryMb) * p.lambdaPerGbSecond);
  // A call of 10 messages is billed by its payload: a full pack is one request of its own.
  const billed = (calls: number, bytes: number): number => Math.max(calls, Math.ceil(bytes / SQS_CHUNK));
  const sendCalls = posts * billed(Math.ceil(messagesPerPost / SQS_BATCH), postBytes);
  const receiveCalls = billed(messages / SQS_BATCH, requests * inputs.requestBytes);
  const sqs = (sendCalls + receiveCalls + messages / SQS_BATCH) * p.sqsPerRequest;
  const people = requests * inputs.visitorsPerMessage;
  // The delivery log: a read and a write per person and bulk. (In the first retention after an
  // in-place upgrade, people without a bucket are also read by id; the model leaves that out.)
  const logReads = people;
  const logWrites = people;
  const reads = logReads + people;
  const writes = logWrites + people + people * inputs.newVisitorShare;
  const dynamodb = reads * p.dynamoPerReadUnit + writes * p.dynamoPerWriteUnit;
  // Ingest fetches its secret once per cold start, the batcher its two (one call each).
  const secretCalls = (posts + 2 * batches) / inputs.invocationsPerColdStart;
  const secretsManager = secretCalls * p.secretsPerApiCall;
  const total = apiGateway + ingestLambda + batcherLambda + sqs + dynamodb + secretsManager;
  return { apiGateway, ingestLambda, batcherLambda, sqs, dynamodb, secretsManager, total };
}

/**
 * The same deployment behind a Lambda function URL (`-c frontDoor=function-url`) instead of
 * API Gateway: a function URL has no charge of its own, each request is the ingest
 * invocation already counted, so the API Gateway line goes and nothing takes its place.
 */
export function costPerMillionEventsViaFunctionUrl(inputs: CostInputs, prices: Prices): CostBreakdown {
  const behindApi = costPerMillionEvents(inputs, prices);
  return { ...behindApi, apiGateway: 0, total: behindApi.total - behindApi.apiGateway };
}

/** What a deployment costs a month with no traffic at all. */
export interface IdleInputs {
  readonly secrets: number;
  /** Alarm metrics: CloudWatch bills each metric of an alarm, also inside one metric-math alarm. */
  readonly alarms: number;
  readonly kmsKeys: number;
  readonly dashboards: number;
  /**
   * Concurrent pollers of the SQS event source mapping when idle; each long-polls (20 s), so
   * makes three ReceiveMessage calls a minute.
   */
  readonly idlePollers: number;
}

/** Idle monthly cost (30 days): secrets at rest, alarms, KMS keys, dashboards, and the event source mapping's empty polls. */
export function idleCostPerMonth(inputs: IdleInputs, prices: Prices): number {
  const minutes = 30 * 24 * 60;
  const polls = inputs.idlePollers * 3 * minutes;
  return (
    inputs.secrets * prices.aws.secretPerMonth +
    inputs.alarms * prices.aws.alarmPerMonth +
    inputs.kmsKeys * prices.aws.kmsKeyPerMonth +
    inputs.dashboards * prices.aws.dashboardPerMonth +
    polls * prices.aws.sqsPerRequest
  );
}

/** One Cloud Run instance kept warm all month (30 days) with instance-based billing. */
export function cloudRunWarmPerMonth(vcpu: number, memoryGib: number, prices: Prices): number {
  const seconds = 30 * 24 * 3600;
  return seconds * (vcpu * prices.cloudRun.perVcpuSecond + memoryGib * prices.cloudRun.perGibSecond);
}
