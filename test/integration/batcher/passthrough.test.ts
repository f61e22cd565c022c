import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import { userVisitorId } from '../../../src/identity/index.ts';
import { type Harness, messages, nowSeconds, queued, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** A request as the browser tracker endpoint queues it: the tracker's ids, the browser's cip. */
function browserHit(time: number, params: Record<string, string>) {
  const base = queued({ key: 'browser:0123456789abcdef', time, params });
  return {
    ...base,
    passthrough: true as const,
    visitor: { key: 'browser:0123456789abcdef', browserId: '0123456789abcdef' },
  };
}

describe('deliver: the browser tracker passthrough', () => {
  it("sends the tracker's _id and cid and the browser's cip as they are, no synthetic ones", async () => {
    const t = nowSeconds() - 60;
    const hit = browserHit(t, { _id: '0123456789abcdef', cid: 'fedcba9876543210', cip: '203.0.113.0' });
    const report = await deliver(messages([hit]), h.deps({ token: 'write-token' }));
    expect(report.counts.delivered).toBe(1);
    const [sent] = h.matomo.recorded();
    expect(sent).toMatchObject({ _id: '0123456789abcdef', cid: 'fedcba9876543210', cip: '203.0.113.0' });
  });

  it('leaves the cip out without a token (Matomo would refuse it) instead of dead-lettering', async () => {
    const hit = browserHit(nowSeconds() - 60, { _id: '0123456789abcdef', cip: '203.0.113.0' });
    const report = await deliver(messages([hit]), h.deps());
    expect(report.counts.delivered).toBe(1);
    const [sent] = h.matomo.recorded();
    expect(sent?.cip).toBeUndefined();
    expect(sent?.cid).toBeUndefined();
    expect(sent?._id).toBe('0123456789abcdef');
  });

  it('remembers no person for a hit without a user id', async () => {
    await deliver(messages([browserHit(nowSeconds() - 60, { _id: '0123456789abcdef' })]), h.deps());
    const scan = await h.dynamo.client.send(new ScanCommand({ TableName: h.dynamo.tableName }));
    expect(scan.Items?.filter((i) => i.pk?.S?.startsWith('v#'))).toEqual([]);
  });

  it("links a hit's user id to the person, so their later server-side requests join that visit", async () => {
    const t = nowSeconds() - 120;
    const hit = { ...browserHit(t, { _id: '0123456789abcdef', uid: 'carol' }), visitor: { key: 'carol' } };
    const later = queued({ key: 'carol', time: t + 30 });
    const deps = h.deps({ token: 'write-token' });
    for (const request of [hit, later]) await deliver(messages([request]), deps);
    const [, server] = h.matomo.recorded();
    expect(server?.cid).toBe(userVisitorId('carol'));
    expect(new Set(h.matomo.placements().map((p) => p.idvisit)).size).toBe(1);
  });
});
