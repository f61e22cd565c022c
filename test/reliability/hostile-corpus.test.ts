import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyBytes, HOSTILE_CATEGORIES, type HostileCase } from './hostile/cases.ts';
import { type IngestRig, ingestRig, secrets, stripeSignatureOfBytes } from './support/ingest-harness.ts';
import { callAndCollect, expectAnswerInvariant } from './support/queue-invariant.ts';

const DIR = 'test/fixtures/hostile';
const cases: HostileCase[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as HostileCase);

function credentials(c: HostileCase, body: Buffer): Record<string, string> {
  switch (c.request.auth) {
    case 'app':
      return { 'x-api-key': secrets.TAGLANE_API_KEY };
    case 'hostile':
      return { 'x-api-key': secrets.HOSTILE_API_KEY };
    case 'stripe':
      return { 'stripe-signature': stripeSignatureOfBytes(body) };
    case 'none':
      return {};
  }
}

function pollution(): string[] {
  const probe: Record<string, unknown> = {};
  return ['polluted', 'isAdmin', 'url', 'type', 'kind', 'data', 'sku', 'matomoVisitorId'].filter(
    (key) => key in probe,
  );
}

describe('the hostile corpus through the ingest Lambda handler', () => {
  let rig: IngestRig;
  beforeAll(async () => {
    rig = await ingestRig();
  });

  it('holds at least 200 cases covering every category', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.category))).toEqual(new Set(HOSTILE_CATEGORIES));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const body = bodyBytes(c.request.body);
    const { answer, queued } = await callAndCollect(rig, {
      ...(c.request.method ? { method: c.request.method } : {}),
      path: c.request.path,
      ...(c.request.query ? { query: c.request.query } : {}),
      headers: { ...c.request.headers, ...credentials(c, body) },
      body,
    });
    expect(answer.status, answer.body.slice(0, 500)).toBe(c.expect.status);
    expect(pollution()).toEqual([]);
    expectAnswerInvariant(answer, queued);
    if (answer.status !== 202) {
      expect(JSON.parse(answer.body)).toMatchObject({ type: `urn:taglane:problem:${c.expect.type}` });
    }
  });

  it('never logs a secret or echoes one in an answer', () => {
    const logged = JSON.stringify(rig.logs);
    for (const value of Object.values(secrets)) expect(logged).not.toContain(value);
    expect(rig.logs.length).toBeGreaterThan(cases.length / 2);
  });
});
