import type { Prices } from './prices.ts';

/** What one deployment does per event, from measurements and stated assumptions. */
export interface CostInputs {
  /** Events in one POST: 1 for single-event POSTs, 100 for batches. */
  readonly eventsPerPost: number;
  /** Billed duration of one ingest invocation in ms (Lambda rounds up to 1 ms). */
  readonly ingestMs: number;
  readonly ingestMemoryMb: number;
  /** Tracking requests (SQS messages) one event produces on average. */
  readonly requestsPerEvent: number;
  /** Messages per batcher invocation (the event source mapping's batch size). */
  readonly batchSize: number;
  /** Billed duration of one batcher invocation in ms. */
  readonly batcherMs: number;
  readonly batcherMemoryMb: number;
  /** Distinct visitors in one batch, as a share of its messages (0–1). */
  readonly visitorsPerMessage: number;
  /** Share of visitors seen for the first time (one extra conditional put each). */
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

/**
 * Cost of one million events on AWS at list prices. The model follows the code: one API
 * Gateway request and one ingest invocation per POST; one SQS message per tracking request,
 * sent 10 per call, received and deleted 10 per call; one batcher invocation per batch; per
 * message a strongly consistent read (delivered id) and a write (delivered id remembered:
 * BatchWriteItem takes 25 per call but bills one write unit per item, as PutItem did); per
 * visitor in a batch a read and a last-seen update; per new visitor one more write.
 */
export function costPerMillionEvents(inputs: CostInputs, prices: Prices): CostBreakdown {
  const p = prices.aws;
  const posts = MILLION / inputs.eventsPerPost;
  const messages = MILLION * inputs.requestsPerEvent;
  const batches = messages / inputs.batchSize;
  const gbSeconds = (ms: number, mb: number): number => (Math.ceil(ms) / 1000) * (mb / 1024);
  const apiGateway = posts * p.httpApiPerRequest;
  const ingestLambda =
    posts * (p.lambdaPerRequest + gbSeconds(inputs.ingestMs, inputs.ingestMemoryMb) * p.lambdaPerGbSecond);
  const batcherLambda =
    batches *
    (p.lambdaPerRequest + gbSeconds(inputs.batcherMs, inputs.batcherMemoryMb) * p.lambdaPerGbSecond);
  const sendCalls = posts * Math.ceil((inputs.eventsPerPost * inputs.requestsPerEvent) / SQS_BATCH);
  const sqs = (sendCalls + (2 * messages) / SQS_BATCH) * p.sqsPerRequest;
  const visitors = messages * inputs.visitorsPerMessage;
  const reads = messages + visitors;
  const writes = messages + visitors + visitors * inputs.newVisitorShare;
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
