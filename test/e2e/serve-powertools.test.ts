import { afterEach, describe, expect, it, vi } from 'vitest';
import { e2eFixture, startE2eServer } from './fixture.ts';
import { sendApp } from './senders.ts';

const e2e = e2eFixture('taglane-serve-powertools-');
const { secrets } = e2e;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/**
 * Runs a server with `env` as its handlers' environment, delivers a page view through it and
 * returns what was written to stdout meanwhile (where Powertools writes EMF and its JSON logs).
 */
async function stdoutOfRun(env: Record<string, string>, label: string): Promise<string> {
  const output: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  const server = await startE2eServer(e2e, {
    batchSize: 10,
    batchWindowMs: 0,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    env: { ...secrets, ...env },
  });
  try {
    const answer = await sendApp(server.url, secrets, {
      id: label,
      type: 'page_view',
      userId: label,
      properties: { url: `https://www.example.com/${label}` },
    });
    expect(answer.status).toBe(202);
    expect(await server.drain(20_000)).toBe(0);
  } finally {
    expect(await server.close()).toBe(0);
    vi.restoreAllMocks();
  }
  expect(e2e.matomo.recorded().filter((r) => r.uid === label)).toHaveLength(1);
  return output.join('');
}

// Powertools reads process.env alone; these tests set it against what the server's env says.
describe("startServer's env reaches the handlers' Powertools Logger and Metrics", () => {
  it('writes no EMF line and no INFO log when its env says so, whatever process.env says', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const out = await stdoutOfRun(
      { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
      'quiet',
    );
    expect(out).not.toContain('"_aws"');
    expect(out).not.toContain('"batch delivered"');
  });

  it('writes them when its env leaves metrics on and asks for INFO, over a process.env at WARN', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    const out = await stdoutOfRun({ POWERTOOLS_LOG_LEVEL: 'INFO' }, 'loud');
    const lines = out.split('\n').filter((line) => line.startsWith('{'));
    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => '_aws' in l);
    expect(emf.some((l) => l.delivered === 1 && l.service === 'batcher')).toBe(true);
    expect(out).toContain('"batch delivered"');
  });
});
