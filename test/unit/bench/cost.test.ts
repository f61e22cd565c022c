import { describe, expect, it } from 'vitest';
import {
  type CostInputs,
  cloudRunWarmPerMonth,
  costPerMillionEvents,
  costPerMillionEventsViaFunctionUrl,
  idleCostPerMonth,
} from '../../../bench/cost.ts';
import { estimateCost } from '../../../bench/cost-run.ts';
import { PRICES, type Prices } from '../../../bench/prices.ts';

const free: Prices = {
  aws: {
    httpApiPerRequest: 0,
    lambdaPerGbSecond: 0,
    lambdaPerRequest: 0,
    sqsPerRequest: 0,
    dynamoPerWriteUnit: 0,
    dynamoPerReadUnit: 0,
    secretPerMonth: 0,
    secretsPerApiCall: 0,
    alarmPerMonth: 0,
    kmsKeyPerMonth: 0,
    dashboardPerMonth: 0,
  },
  cloudRun: { perVcpuSecond: 0, perGibSecond: 0 },
};
/** Only one AWS price set, so each test checks one line of the model. */
const only = (key: keyof Prices['aws'], value: number): Prices => ({
  ...free,
  aws: { ...free.aws, [key]: value },
});

const single: CostInputs = {
  eventsPerPost: 1,
  ingestMs: 99.2,
  ingestMemoryMb: 1024,
  requestsPerEvent: 1,
  requestBytes: 600,
  batchSize: 100,
  batcherMs: 500,
  batcherMemoryMb: 2048,
  visitorsPerMessage: 0.05,
  newVisitorShare: 0.1,
  invocationsPerColdStart: 1000,
};
const batched: CostInputs = { ...single, eventsPerPost: 100 };

describe('costPerMillionEvents', () => {
  it('charges one API Gateway request per POST', () => {
    expect(costPerMillionEvents(single, only('httpApiPerRequest', 1e-6)).apiGateway).toBeCloseTo(1, 9);
    expect(costPerMillionEvents(batched, only('httpApiPerRequest', 1e-6)).apiGateway).toBeCloseTo(0.01, 9);
  });

  it('bills Lambda duration rounded up to the millisecond at the configured memory', () => {
    // 1M invocations x 0.1 s x 1 GB; batcher: 10,000 batches x 0.5 s x 2 GB.
    const cost = costPerMillionEvents(single, only('lambdaPerGbSecond', 1e-5));
    expect(cost.ingestLambda).toBeCloseTo(1, 9);
    expect(cost.batcherLambda).toBeCloseTo(0.1, 9);
  });

  it('counts SQS calls of 10 messages, a POST packed into messages of 64 KiB, billed by payload', () => {
    // Single: 1M sends + 2 x 100k. Batched: 100 requests of 600 bytes are one message per POST:
    // 10k sends, receives billed by their 600 MB of payload (9,156 x 64 KiB), 1k deletes.
    expect(costPerMillionEvents(single, only('sqsPerRequest', 1e-6)).sqs).toBeCloseTo(1.2, 9);
    expect(costPerMillionEvents(batched, only('sqsPerRequest', 1e-6)).sqs).toBeCloseTo(0.020156, 9);
    // Twice the bytes: two messages per POST in one call, billed as two (its 120 kB of payload).
    const big = { ...batched, requestBytes: 1200 };
    expect(costPerMillionEvents(big, only('sqsPerRequest', 1e-6)).sqs).toBeCloseTo(
      0.02 + 0.018311 + 0.002,
      6,
    );
  });

  it('reads and writes the delivery log per person in a bulk', () => {
    // 50k people: log 50k bucket reads, visitor store 50k; writes: 50k buckets, 50k last-seen
    // updates, 5k new people.
    expect(costPerMillionEvents(single, only('dynamoPerReadUnit', 1e-6)).dynamodb).toBeCloseTo(0.1, 9);
    expect(costPerMillionEvents(single, only('dynamoPerWriteUnit', 1e-6)).dynamodb).toBeCloseTo(0.105, 9);
    // Every request its own person: a bucket per request, as the per-id log cost.
    const alone = { ...single, visitorsPerMessage: 1, newVisitorShare: 0 };
    expect(costPerMillionEvents(alone, only('dynamoPerWriteUnit', 1e-6)).dynamodb).toBeCloseTo(2, 9);
  });

  it('adds the parts up and costs less per event when POSTs carry 100 events', () => {
    const one = costPerMillionEvents(single, PRICES);
    const parts =
      one.apiGateway + one.ingestLambda + one.batcherLambda + one.sqs + one.dynamodb + one.secretsManager;
    expect(one.total).toBeCloseTo(parts, 12);
    expect(costPerMillionEvents(batched, PRICES).total).toBeLessThan(one.total);
  });
});

describe('costPerMillionEventsViaFunctionUrl', () => {
  it('drops the API Gateway line and keeps every other line as it is', () => {
    const behindApi = costPerMillionEvents(single, PRICES);
    const viaUrl = costPerMillionEventsViaFunctionUrl(single, PRICES);
    expect(viaUrl.apiGateway).toBe(0);
    expect(viaUrl.ingestLambda).toBe(behindApi.ingestLambda);
    expect(viaUrl.sqs).toBe(behindApi.sqs);
    expect(viaUrl.total).toBeCloseTo(behindApi.total - 1, 9);
  });
});

describe('idle and Cloud Run', () => {
  it('prices secrets, alarms, keys and empty long polls for 30 days', () => {
    const idle = idleCostPerMonth(
      { secrets: 3, alarms: 4, kmsKeys: 1, dashboards: 1, idlePollers: 5 },
      PRICES,
    );
    // 1.20 + 0.40 + 1.00 + 3.00 + 5 pollers x 3 polls a minute x 43,200 minutes x $0.40 per million.
    expect(idle).toBeCloseTo(5.8592, 6);
  });

  it("counts the stack's alarm sets: standard 3 metrics ($0.56 idle), minimal 2 ($0.46)", () => {
    const cost = estimateCost(0.04, 0.5, 1);
    expect(cost.assumptions.alarms).toBe(3);
    // 0.30 + 0.2592 (the pollers, as above), then one alarm metric less.
    expect(cost.idlePerMonth).toBeCloseTo(0.56, 2);
    expect(cost.idleMinimalAlarmsPerMonth).toBeCloseTo(0.46, 2);
  });

  it('puts the floor of a single-event POST behind the HTTP API at $1.60 a million', () => {
    // $1.00 the API's request + $0.20 the ingest invocation + $0.40 its SendMessageBatch.
    expect(estimateCost(0.04, 0.5, 1).httpApiSingleEventFloor).toBeCloseTo(1.6, 6);
  });

  it('keeps one instance warm for 2,592,000 seconds', () => {
    expect(cloudRunWarmPerMonth(1, 0.5, PRICES)).toBeCloseTo(49.248, 6);
  });
});
