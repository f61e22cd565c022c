import { describe, expect, it } from 'vitest';
import { runLoad } from './support/load-run.ts';

describe('steady load through taglane serve (short; test/reliability/load.ts runs the 60 s version)', () => {
  it('answers every request 202 and delivers every accepted event exactly once', async () => {
    const report = await runLoad({ durationSeconds: 4, rate: 100 });
    expect(report.sent).toBeGreaterThan(0);
    expect(report.errors).toBe(0);
    expect(report.non2xx).toBe(0);
    expect(report.accepted).toBe(report.sent);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.delivered).toBe(report.accepted);
  }, 120_000);
});
