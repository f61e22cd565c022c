import { ALARMS } from '../lib/monitoring.ts';
import {
  type CostBreakdown,
  cloudRunWarmPerMonth,
  costPerMillionEvents,
  costPerMillionEventsViaFunctionUrl,
  idleCostPerMonth,
} from './cost.ts';
import { PRICES } from './prices.ts';
import { round } from './stats.ts';

/** Assumptions of the cost estimate that this machine cannot measure. */
export const COST_ASSUMPTIONS = {
  /** One SendMessageBatch round trip from Lambda to SQS in the same region, added to the measured handler time. */
  sqsRoundTripMs: 15,
  /** Batcher time per 100 requests: DynamoDB reads and writes plus one bulk POST to a real Matomo. */
  batcherMs: 300,
  /**
   * A queued request's JSON: the shipped examples' requests are about 450 bytes as the rules
   * map them (measured 1 December 2026); ingest adds its id, source and event id.
   */
  requestBytes: 600,
  ingestMemoryMb: 512,
  batcherMemoryMb: 512,
  batchSize: 100,
  /** 500 visitors in 10,000 events, as in the delivery benchmark. */
  visitorsPerMessage: 0.05,
  newVisitorShare: 0.1,
  invocationsPerColdStart: 1000,
  /** Secrets Manager secrets: none, the stack reads SSM SecureString parameters (no monthly cost). */
  secrets: 0,
  /** lib/monitoring.ts, `alarms=standard` (the default): dead letters, 5xx answers, oldest message age. */
  alarms: ALARMS.standard.length,
  /** The alarm topic's customer managed key: only with `alarmTopicKey=true`. */
  kmsKeys: 0,
  /** Only with `dashboard=true`. */
  dashboards: 0,
  idlePollers: 5,
  /** Google's default server-side Tag Manager Cloud Run service: 1 vCPU, 512 MiB; one minimum instance always warm. */
  cloudRunVcpu: 1,
  cloudRunMemoryGib: 0.5,
} as const;

/** Item 5: dollars per million events, idle dollars per month, and the Cloud Run comparison. */
export interface CostResult {
  readonly pricesAsOf: string;
  readonly assumptions: typeof COST_ASSUMPTIONS;
  readonly measuredIngestMs: { readonly single: number; readonly batch100: number };
  readonly singleEventPosts: CostBreakdown;
  readonly batchesOf100: CostBreakdown;
  /** The same two behind a Lambda function URL (`frontDoor=function-url`). */
  readonly functionUrl?: { readonly singleEventPosts: CostBreakdown; readonly batchesOf100: CostBreakdown };
  /**
   * What a single-event POST cannot go below behind the HTTP API, per million: the API's
   * request, the ingest invocation and its SendMessageBatch (the event is queued before the 2xx).
   */
  readonly httpApiSingleEventFloor?: number;
  readonly idlePerMonth: number;
  /** Idle with `alarms=minimal` (dead letters and 5xx answers; no warning that delivery stalls). */
  readonly idleMinimalAlarmsPerMonth: number;
  readonly cloudRunWarmPerMonth: number;
}

/** Prices the measured ingest times (p50 of one POST of 1 and of 100 events). */
export function estimateCost(
  ingestSingleMs: number,
  ingestBatchMs: number,
  requestsPerEvent: number,
): CostResult {
  const a = COST_ASSUMPTIONS;
  const common = {
    ingestMemoryMb: a.ingestMemoryMb,
    requestsPerEvent,
    requestBytes: a.requestBytes,
    batchSize: a.batchSize,
    batcherMs: a.batcherMs,
    batcherMemoryMb: a.batcherMemoryMb,
    visitorsPerMessage: a.visitorsPerMessage,
    newVisitorShare: a.newVisitorShare,
    invocationsPerColdStart: a.invocationsPerColdStart,
  };
  // One SendMessageBatch call per 10 messages, each message a pack of up to 64 KiB.
  const sends = (events: number) =>
    Math.ceil(Math.max(1, Math.ceil((events * requestsPerEvent * a.requestBytes) / 65_536)) / 10) *
    a.sqsRoundTripMs;
  const cents = (b: CostBreakdown): CostBreakdown =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, round(v, 3)])) as unknown as CostBreakdown;
  return {
    pricesAsOf: PRICES.asOf,
    assumptions: a,
    measuredIngestMs: { single: ingestSingleMs, batch100: ingestBatchMs },
    singleEventPosts: cents(
      costPerMillionEvents({ ...common, eventsPerPost: 1, ingestMs: ingestSingleMs + sends(1) }, PRICES),
    ),
    batchesOf100: cents(
      costPerMillionEvents({ ...common, eventsPerPost: 100, ingestMs: ingestBatchMs + sends(100) }, PRICES),
    ),
    functionUrl: {
      singleEventPosts: cents(
        costPerMillionEventsViaFunctionUrl(
          { ...common, eventsPerPost: 1, ingestMs: ingestSingleMs + sends(1) },
          PRICES,
        ),
      ),
      batchesOf100: cents(
        costPerMillionEventsViaFunctionUrl(
          { ...common, eventsPerPost: 100, ingestMs: ingestBatchMs + sends(100) },
          PRICES,
        ),
      ),
    },
    httpApiSingleEventFloor: round(
      (PRICES.aws.httpApiPerRequest + PRICES.aws.lambdaPerRequest + PRICES.aws.sqsPerRequest) * 1e6,
    ),
    idlePerMonth: round(idleCostPerMonth(a, PRICES)),
    idleMinimalAlarmsPerMonth: round(idleCostPerMonth({ ...a, alarms: ALARMS.minimal.length }, PRICES)),
    cloudRunWarmPerMonth: round(cloudRunWarmPerMonth(a.cloudRunVcpu, a.cloudRunMemoryGib, PRICES)),
  };
}
