import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createIngestHandler } from '../functions/ingest/handler.ts';
import { DEFAULT_LIMITS, MemoryQueue } from '../src/ingest/index.ts';
import { startLocalAws } from '../src/local/aws-local.ts';
import { createLambdaContext } from '../src/local/lambda-context.ts';
import { loadRuleSet } from '../src/rules/index.ts';
import { EnvSecretSource } from '../src/secrets/secrets.ts';
import { apiGatewayEvent } from '../test/reliability/support/ingest-harness.ts';
import { bundleLikeTheStack } from './bundle.ts';
import { median, percentile, round } from './stats.ts';

const run = promisify(execFile);
const API_KEY = 'bench-api-key';

/** Item 2 of the benchmarks: cold start, bundle sizes and warm handler time of ingest. */
export interface IngestCost {
  readonly bundleKb: { readonly ingest: number; readonly hello: number };
  /** Fresh `node` process start until the first invocation answered, median ms. */
  readonly coldStartMs: { readonly ingest: number; readonly hello: number; readonly ratio: number };
  readonly coldRuns: number;
  /** Warm handler time per invocation, ms, queue port answering at once. */
  readonly warmSingle: { readonly p50: number; readonly p99: number; readonly invocations: number };
  readonly warmBatch100: { readonly p50: number; readonly p99: number; readonly invocations: number };
  /** Tracking requests per event of the warm workload (the cost model needs it). */
  readonly requestsPerEvent: number;
}

/** Bundles ingest and a hello-world handler like the stack, then measures both. */
export async function measureIngestCost(coldRuns: number, warmInvocations: number): Promise<IngestCost> {
  const out = await mkdtemp(join(tmpdir(), 'taglane-bench-'));
  try {
    const ingest = await bundleLikeTheStack('functions/ingest/lambda.ts', join(out, 'ingest'), 'rules');
    const hello = await bundleLikeTheStack('bench/hello-handler.ts', join(out, 'hello'));
    const aws = await startLocalAws({
      dataDir: join(out, 'aws'),
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_SQS: aws.sqsEndpoint,
      TAGLANE_PREPARED_FILE: join(ingest.dir, 'ingest.prepared.json'),
      TAGLANE_QUEUE_URL: aws.queueUrl,
      TAGLANE_API_KEY: API_KEY,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      // As the stack sets it for every function (lib/taglane-function.ts).
      NODE_OPTIONS: '--enable-source-maps',
    };
    const event = await firstEvent();
    const ingestMs: number[] = [];
    const helloMs: number[] = [];
    // Interleaved, so a busy neighbour slows both alike.
    try {
      for (let i = 0; i < coldRuns; i += 1) {
        ingestMs.push(await coldStart(ingest.file, env, event));
        helloMs.push(await coldStart(hello.file, env, event));
      }
    } finally {
      await aws.close();
    }
    const warm = await measureWarm(warmInvocations);
    return {
      bundleKb: { ingest: round(ingest.kb, 1), hello: round(hello.kb, 1) },
      coldStartMs: {
        ingest: round(median(ingestMs), 1),
        hello: round(median(helloMs), 1),
        ratio: round(median(ingestMs.map((ms, i) => ms / (helloMs[i] ?? Number.NaN)))),
      },
      coldRuns,
      ...warm,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * One fresh `node` process with the deployed NODE_OPTIONS: imports the bundle and invokes it
 * once with one real event (`POST /events?source=app`, queued to the local SQS), which for
 * ingest composes the handler, loads the rules and sends to the queue. Returns ms from process
 * start (the child's performance time origin) until the answer.
 */
async function coldStart(bundle: string, env: Record<string, string>, event: string): Promise<number> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const r = await m.handler(${event}, { functionName: 'bench', getRemainingTimeInMillis: () => 10000, awsRequestId: 'cold' });
if (r.statusCode !== 200 && r.statusCode !== 202) throw new Error('status ' + r.statusCode + ' ' + r.body);
process.stdout.write('\\nBENCH ' + performance.now() + '\\n');`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
  const ms = Number(/BENCH ([\d.]+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(ms)) throw new Error(`cold start child printed no time: ${stdout}`);
  return ms;
}

/** The API Gateway event of the first shipped app example, as JSON. */
async function firstEvent(): Promise<string> {
  const [body] = await appEvents();
  return JSON.stringify(
    apiGatewayEvent({
      path: '/events',
      query: { source: 'app' },
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: Buffer.from(JSON.stringify(body)),
    }),
  );
}

type Warm = Pick<IngestCost, 'warmSingle' | 'warmBatch100' | 'requestsPerEvent'>;

/** The real ingest handler (middy glue included) over the in-memory queue adapter. */
interface WarmRig {
  readonly queue: MemoryQueue;
  /** Invokes with a POST /events?source=app of `body`; resolves with the messages queued. */
  invoke(body: unknown): Promise<number>;
}

async function measureWarm(invocations: number): Promise<Warm> {
  const queue = new MemoryQueue();
  const handler = createIngestHandler({
    rules: await loadRuleSet('rules'),
    queue,
    secrets: new EnvSecretSource({ TAGLANE_API_KEY: API_KEY }),
    clock: () => Date.now(),
    limits: DEFAULT_LIMITS,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: { count: () => undefined },
  });
  const context = createLambdaContext('taglane-ingest', 10_000);
  const rig: WarmRig = {
    queue,
    async invoke(body) {
      const result = await handler(
        apiGatewayEvent({
          path: '/events',
          query: { source: 'app' },
          headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
          body: Buffer.from(JSON.stringify(body)),
        }),
        context,
      );
      if (typeof result === 'string' || result.statusCode !== 202)
        throw new Error(`ingest answered ${JSON.stringify(result)}`);
      const queued = queue.messages.length;
      queue.messages.length = 0;
      return queued;
    },
  };
  // Powertools Metrics warns on every invocation that it has nothing to flush (the counts went
  // to the metrics port above), through its own Console on stdout/stderr. Thousands of those
  // lines would bury the table, so writes are dropped while timing: the figures leave out the
  // cost of writing log lines, which Lambda pays for the EMF line it would print instead.
  const writes = [process.stdout.write, process.stderr.write] as const;
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await timeWarm(rig, await appEvents(), invocations);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
  }
}

/** Times single-event POSTs and 100-event POSTs, after a warm-up. */
async function timeWarm(rig: WarmRig, events: readonly unknown[], invocations: number): Promise<Warm> {
  const time = async (body: unknown): Promise<number> => {
    const start = performance.now();
    await rig.invoke(body);
    return performance.now() - start;
  };
  for (let i = 0; i < 200; i += 1) await time(events[i % events.length]);
  let produced = 0;
  for (const event of events) produced += await rig.invoke(event);
  const single: number[] = [];
  for (let i = 0; i < invocations; i += 1) single.push(await time(events[i % events.length]));
  const batch = Array.from({ length: 100 }, (_, i) => events[i % events.length]);
  const batches: number[] = [];
  for (let i = 0; i < Math.max(20, Math.round(invocations / 20)); i += 1) batches.push(await time(batch));
  const stats = (ms: number[]) => ({
    p50: round(median(ms), 3),
    p99: round(percentile(ms, 99), 3),
    invocations: ms.length,
  });
  return {
    warmSingle: stats(single),
    warmBatch100: stats(batches),
    requestsPerEvent: round(produced / events.length),
  };
}

/** The shipped app examples that ingest accepts (202), each one POST /events body. */
async function appEvents(): Promise<unknown[]> {
  const dir = join('rules', 'examples', 'app');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && !f.includes('no-sku')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as unknown));
}
