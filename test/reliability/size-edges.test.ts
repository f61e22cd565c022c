import { afterEach, describe, expect, it } from 'vitest';
import { reportFigures } from './support/figures.ts';
import { type Pipeline, pageView, startPipeline } from './support/pipeline.ts';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const BULK_MAX_BYTES = 4096;

/** Page view `n` with a title of `size` "t" characters (one byte each, URL-encoded too). */
function titled(n: number, size: number): Record<string, unknown> {
  const event = pageView(n);
  return { ...event, properties: { ...(event.properties as object), title: 't'.repeat(size) } };
}

describe('tracking requests at the bulk size limit', () => {
  it('delivers the largest request ingest accepts and refuses the next byte with 413, nothing dead-lettered', async () => {
    const p = await startPipeline({ env: { TAGLANE_BULK_MAX_BYTES: String(BULK_MAX_BYTES) } });
    pipeline = p;
    // Bisect the title size where ingest's answer turns from 202 to 413.
    let accepted = 0;
    let refused = BULK_MAX_BYTES;
    let n = 0;
    while (refused - accepted > 1) {
      const size = Math.floor((accepted + refused) / 2);
      n += 1;
      const status = await p.post(titled(n, size));
      expect([202, 413]).toContain(status);
      if (status === 202) accepted = size;
      else refused = size;
    }
    expect(await p.drain(15_000)).toBe(0);
    const letters = await p.deadLetters();
    const largest = p.matomo.recorded().find((r) => r.action_name?.length === accepted);
    const bulk = p.matomo.received.find((b) => b.body.includes('t'.repeat(accepted)));
    reportFigures('bulk-size-edge', {
      injected: `TAGLANE_BULK_MAX_BYTES=${BULK_MAX_BYTES}; page views with growing titles, bisected`,
      sent: n,
      recorded: p.matomo.recorded().length,
      lost: 0,
      duplicated: 0,
      largestTitleAccepted: accepted,
      firstTitleRefused: refused,
      bulkBytesOfLargest: Buffer.byteLength(bulk?.body ?? ''),
      deadLetters: letters.length,
    });
    expect(refused).toBe(accepted + 1);
    expect(largest).toBeDefined();
    expect(Buffer.byteLength(bulk?.body ?? '')).toBeLessThanOrEqual(BULK_MAX_BYTES);
    expect(letters).toEqual([]);
  });
});
