import { expect } from 'vitest';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { type HttpAnswer, type HttpCall, type IngestRig, isProblem } from './ingest-harness.ts';

/** Calls the handler; resolves with its answer and the messages this one call queued. */
export async function callAndCollect(
  rig: IngestRig,
  request: HttpCall,
): Promise<{ answer: HttpAnswer; queued: readonly unknown[] }> {
  const before = rig.queue.messages.length;
  const answer = await rig.call(request);
  return { answer, queued: rig.queue.messages.slice(before) };
}

/**
 * What holds for every answer: a 202 queued exactly the requests it counts, each a valid queued
 * request; every other answer queued nothing and, except the 200 of `/health`, is an RFC 9457
 * problem.
 */
export function expectAnswerInvariant(answer: HttpAnswer, queued: readonly unknown[]): void {
  if (answer.status === 202) {
    expect(queued).toHaveLength((JSON.parse(answer.body) as { requests: number }).requests);
    for (const request of queued) expect(QueuedRequestSchema.safeParse(request).success).toBe(true);
    return;
  }
  if (answer.status !== 200) expect(isProblem(answer), answer.body).toBe(true);
  expect(queued).toEqual([]);
}
