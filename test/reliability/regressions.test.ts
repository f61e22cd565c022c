import { describe, expect, it } from 'vitest';
import { BadRequestError, parseJson } from '../../src/ingest/index.ts';
import { normaliseTime, RuleEvaluationError } from '../../src/rules/index.ts';
import { appEvent } from './hostile/build.ts';
import { ingestRig, secrets } from './support/ingest-harness.ts';

/** Bugs the hostile corpus found in other modules, each pinned where it lives. */
describe('regressions found by the hostile corpus', () => {
  it('reports 10000 unclosed brackets as invalid JSON instead of overflowing the stack', () => {
    expect(() => parseJson(Buffer.from('['.repeat(10_000)))).toThrow(BadRequestError);
  });

  it('builds a rule error for a value nested 50000 deep without overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    const error = new RuleEvaluationError({ source: 's', rule: 'r', field: 'f', value: deep, reason: 'bad' });
    expect(error.message).toContain('(got [an array])');
  });

  it('answers 422, not 500, when the event id is an object the rules cannot use', async () => {
    const rig = await ingestRig();
    const body = Buffer.from(JSON.stringify(appEvent({ id: { nested: true } })));
    const answer = await rig.call({
      path: '/events',
      query: { source: 'app' },
      headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
      body,
    });
    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.body)).toMatchObject({ issues: [{ path: '$', field: 'id' }] });
    expect(rig.queue.messages).toEqual([]);
  });

  it('refuses an event time past what a Date can hold, so cdt is always plain digits', () => {
    expect(() => normaliseTime(1e308)).toThrow(/unix seconds/);
    expect(String(normaliseTime(8.64e15))).toMatch(/^\d+$/);
  });
});
