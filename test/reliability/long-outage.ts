/**
 * The real-length runs behind docs/reliability.md's "long outage" and "flaky 500s" rows: the
 * local runtime (`startServer`, as `taglane serve` starts it) with the CLI's defaults (30 s
 * visibility timeout doubling up to 12 h, 100 receives), a Matomo-like server that is down
 * (connections refused) or answers 500 to 60 % of the bulks (seeded) for ten minutes while
 * page views keep arriving, then recovers. Too long for `npm test`, which proves the same
 * mechanism with the delays scaled down (long-outage.test.ts).
 *
 *   node --import tsx test/reliability/long-outage.ts outage [minutes]
 *   node --import tsx test/reliability/long-outage.ts flaky [minutes]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { resolveServeConfig } from '../../src/local/config.ts';
import { startServer } from '../../src/local/server.ts';
import { type Outage, startMatomoServer } from '../support/matomo-server.ts';
import { countFigures } from './support/figures.ts';
import { pageView, recordedCounts } from './support/pipeline.ts';

const [scenario = 'outage', minutesArg = '10', verbose] = process.argv.slice(2);
// As `taglane serve` does: the terminal log only, no Lambda JSON lines or metrics.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
if (scenario !== 'outage' && scenario !== 'flaky') throw new Error('scenario: outage or flaky');
const faultMs = Number(minutesArg) * 60_000;
const token = 'long-outage-token';
const apiKey = 'long-outage-api-key';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const at = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

const dataDir = await mkdtemp(join(tmpdir(), 'taglane-long-outage-'));
const matomo = await startMatomoServer({ sites: [1, 7], writeTokens: [token] });
// The CLI's defaults (src/local/cli.ts), as `taglane serve --matomo-url …` would run.
const config = resolveServeConfig({
  host: '127.0.0.1',
  port: '0',
  rules: 'rules',
  dataDir,
  matomoUrl: matomo.url,
  batchSize: '10',
  batchWindow: '0.5',
  visibilityTimeout: '30',
  retryMaxDelay: '43200',
  maxReceiveCount: '100',
  drainTimeout: '60',
});
const lines: string[] = [];
const server = await startServer({
  ...config,
  env: { TAGLANE_API_KEY: apiKey, MATOMO_TOKEN: token, TAGLANE_VISITOR_HMAC_KEY: 'long-outage-visitors' },
  print: (line) => {
    lines.push(line);
    if (verbose) process.stdout.write(`${at()} ${line}\n`);
  },
});
let sent = 0;
let refused = 0;
const post = async (): Promise<void> => {
  const res = await fetch(`${server.url}/events?source=app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify([pageView(sent)]),
  });
  await res.arrayBuffer();
  if (res.status === 202) sent += 1;
  else refused += 1;
};

// Two minutes of normal traffic would add nothing; a few events before the fault suffice.
for (let i = 0; i < 20; i += 1) await post();
await server.drain(60_000);
const fault: Outage = scenario === 'outage' ? { kind: 'refuse' } : { kind: 'flaky', rate: 0.6, seed: 12 };
await matomo.outage(fault);
const faultStarted = Date.now();
process.stdout.write(`${at()}: ${scenario} for ${faultMs / 1000} s\n`);
// One page view every 2 s during the fault.
while (Date.now() - faultStarted < faultMs) {
  await post();
  await sleep(2000);
}
await matomo.recover();
const recoveredAt = Date.now();
process.stdout.write(`${at()}: recovered; ${sent} events accepted\n`);
const left = await server.drain(13 * 3600_000);
const deliveredAfterS = Math.round((Date.now() - recoveredAt) / 1000);
const sqs = new SQSClient({
  region: 'us-east-1',
  endpoint: server.sqs.endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const dead = await sqs.send(
  new ReceiveMessageCommand({ QueueUrl: server.sqs.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
);
sqs.destroy();
const counts = recordedCounts(matomo, sent);
const figures = {
  scenario,
  faultSeconds: faultMs / 1000,
  ...countFigures(counts),
  refused,
  deadLettered: dead.Messages?.length ?? 0,
  leftInQueue: left,
  deliveredAfterRecoverySeconds: deliveredAfterS,
  bulks: matomo.received.length,
  bulksFailed: matomo.received.filter((b) => b.status !== 200).length,
  retryLines: lines.filter((l) => l.includes('retried')).length,
};
process.stdout.write(`LONG-OUTAGE ${JSON.stringify(figures)}\n`);
await server.close();
await matomo.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(figures.lost === 0 && figures.duplicated === 0 && figures.deadLettered === 0 ? 0 : 1);
