import { describe, expect, it } from 'vitest';
import {
  MAX_RETENTION_SECONDS,
  planRetry,
  type RetryPolicy,
  receivesWithin,
  retryDelaySeconds,
} from '../../../src/batcher/backoff.ts';

const aws: RetryPolicy = { baseSeconds: 360, maxSeconds: 43_200, retentionSeconds: MAX_RETENTION_SECONDS };
const local: RetryPolicy = { baseSeconds: 30, maxSeconds: 43_200, retentionSeconds: MAX_RETENTION_SECONDS };

describe('retryDelaySeconds', () => {
  it('doubles from the base on each receive and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelaySeconds(n, local))).toEqual([30, 60, 120, 240, 480, 960]);
    expect(retryDelaySeconds(12, local)).toBe(43_200);
    expect(retryDelaySeconds(5000, local)).toBe(43_200);
  });

  it('never exceeds SQS’s 12-hour visibility limit, whatever the configured cap', () => {
    expect(retryDelaySeconds(40, { ...local, maxSeconds: 100_000 })).toBe(43_200);
  });
});

describe('receivesWithin', () => {
  it('counts the receives of a 14-day outage well below the redrive safety net of 100', () => {
    expect(receivesWithin(MAX_RETENTION_SECONDS, aws)).toBe(34);
    expect(receivesWithin(MAX_RETENTION_SECONDS, local)).toBe(38);
  });

  it('counts the receives of the local defaults’ 10-minute outage', () => {
    // Receives at 0, 30, 90, 210 and 450 s fall in the outage; the sixth, at 930 s, delivers:
    // today's maxReceiveCount of 5 would have dead-lettered it instead.
    expect(receivesWithin(600, local)).toBe(5);
  });
});

describe('planRetry', () => {
  const now = Date.UTC(2026, 0, 15);

  it('delays a young message by its receive count', () => {
    expect(planRetry({ receiveCount: 3, sentAtMs: now - 3_600_000 }, now, local)).toEqual({
      kind: 'delay',
      seconds: 120,
    });
  });

  it('dead-letters as expired a message the queue would delete before its next receive', () => {
    const sentAtMs = now - (MAX_RETENTION_SECONDS - 3600) * 1000;
    const plan = planRetry({ receiveCount: 30, sentAtMs }, now, local);
    expect(plan.kind).toBe('expire');
    expect(plan.kind === 'expire' ? plan.detail : '').toMatch(
      /queued 14\.0 days ago and failed on 30 receives/,
    );
  });

  it('delays a message whose sent time is unknown', () => {
    expect(planRetry({ receiveCount: 2, sentAtMs: undefined }, now, local)).toEqual({
      kind: 'delay',
      seconds: 60,
    });
  });
});
