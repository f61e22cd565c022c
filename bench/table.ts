import type { CostResult } from './cost-run.ts';
import type { DeliveryParts, DeliveryResult } from './delivery.ts';
import type { IngestCost } from './ingest-cost.ts';
import type { MappingResult } from './mapping-run.ts';
import type { ServeThroughput } from './serve-load.ts';
import { round } from './stats.ts';

/** The parts of results.json, each present once it has been run. */
export interface Parts {
  readonly mapping?: MappingResult;
  readonly ingest?: IngestCost;
  readonly delivery?: DeliveryParts;
  readonly serve?: ServeThroughput;
  readonly cost?: CostResult;
}

type Row = readonly [string, string, string];

const n = (v: number): string => v.toLocaleString('en-US');
const usd = (v: number): string => `$${v.toFixed(v < 1 ? 3 : 2)}`;

/** The one table `npm run bench` prints (Markdown, so docs/benchmarks.md can quote it as is). */
export function formatTable(parts: Parts, machine: Readonly<Record<string, unknown>>, date: string): string {
  const rows: Row[] = [
    ...mappingRows(parts.mapping),
    ...ingestRows(parts.ingest),
    ...deliveryRows(parts.delivery),
  ];
  rows.push(...serveRows(parts.serve), ...costRows(parts.cost));
  const lines = [
    `Taglane benchmarks, ${date}, ${Object.values(machine).join(', ')}`,
    '',
    '| part | measure | value |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}

function mappingRows(m: MappingResult | undefined): Row[] {
  if (m === undefined) return [];
  return [
    ...m.variants.map((v): Row => ['1 mapping', `${v.variant}, events/s`, n(v.eventsPerSecond)]),
    ['1 mapping', 'compiled / hand-written (goal >= 0.5)', String(m.compiledVsHandwritten)],
    ['1 mapping', 'compiled / naive JSONata', String(m.compiledVsNaive)],
  ];
}

function ingestRows(i: IngestCost | undefined): Row[] {
  if (i === undefined) return [];
  return [
    ['2 ingest', 'bundle KB: ingest / hello-world', `${n(i.bundleKb.ingest)} / ${n(i.bundleKb.hello)}`],
    [
      '2 ingest',
      `cold start ms, process start to first answer: ingest / hello-world (median of ${i.coldRuns})`,
      `${i.coldStartMs.ingest} / ${i.coldStartMs.hello} (x${i.coldStartMs.ratio})`,
    ],
    ['2 ingest', 'warm handler ms, POST of 1 event: p50 / p99', `${i.warmSingle.p50} / ${i.warmSingle.p99}`],
    [
      '2 ingest',
      'warm handler ms, POST of 100 events: p50 / p99',
      `${i.warmBatch100.p50} / ${i.warmBatch100.p99} (${round(i.warmBatch100.p50 / 100, 3)} per event)`,
    ],
  ];
}

function deliveryRows(d: DeliveryParts | undefined): Row[] {
  if (d === undefined || !('standIn' in d)) return [];
  const row = (where: string, r: DeliveryResult): Row => {
    const arrived =
      r.recorded === undefined
        ? ''
        : `, ${n(r.httpRequests ?? 0)} HTTP requests, ${n(r.kbSent ?? 0)} KB, ${n(r.recorded)} recorded, ${r.visitorsOutOfOrder} visitors out of order`;
    return ['3 delivery', `${where}: ${r.sender}`, `${n(r.wallMs)} ms (x${r.vsBulk} of bulks)${arrived}`];
  };
  const serve = `serve --batch-size ${d.serveDefaults.batchSize} --batch-window ${d.serveDefaults.batchWindowSeconds}`;
  return [
    ['3 delivery', 'shipped serve defaults', serve],
    ...d.standIn.results.map((r) => row(`${n(d.standIn.events)} events, stand-in`, r)),
    ...(d.matomo?.results ?? []).map((r) => row(`${n(d.matomo?.events ?? 0)} events, real Matomo`, r)),
  ];
}

function serveRows(s: ServeThroughput | undefined): Row[] {
  if (s === undefined) return [];
  return [
    ['4 serve', `events/s, ${s.connections} connections, ${s.seconds} s`, n(s.eventsPerSecond)],
    ['4 serve', 'latency ms p50 / p99', `${s.p50Ms} / ${s.p99Ms}`],
    ['4 serve', 'errors / lost / duplicated', `${s.errors} / ${s.lost} / ${s.duplicated}`],
    ['4 serve', 'RSS MiB start / end', `${s.rssStartMiB} / ${s.rssEndMiB}`],
  ];
}

function costRows(c: CostResult | undefined): Row[] {
  if (c === undefined) return [];
  const breakEven = (perMillion: number): string =>
    n(Math.round(((c.cloudRunWarmPerMonth - c.idlePerMonth) / perMillion) * 10) / 10);
  return [
    [
      '5 cost',
      `AWS per million events, single-event POSTs (prices of ${c.pricesAsOf})`,
      usd(c.singleEventPosts.total),
    ],
    // Absent from results written before it was priced (`--only` keeps the other parts' results).
    ...(c.httpApiSingleEventFloor === undefined
      ? []
      : [
          [
            '5 cost',
            'floor of a single-event POST behind the HTTP API: API + Lambda request + SendMessageBatch',
            usd(c.httpApiSingleEventFloor),
          ] as Row,
        ]),
    ['5 cost', 'AWS per million events, POSTs of 100 events', usd(c.batchesOf100.total)],
    ...(c.functionUrl === undefined
      ? []
      : [
          [
            '5 cost',
            'AWS per million events behind a function URL (frontDoor=function-url): single / batched',
            `${usd(c.functionUrl.singleEventPosts.total)} / ${usd(c.functionUrl.batchesOf100.total)}`,
          ] as Row,
        ]),
    ['5 cost', 'AWS idle per month (alarms=standard, the default)', usd(c.idlePerMonth)],
    [
      '5 cost',
      'AWS idle per month with alarms=minimal (dead letters, 5xx)',
      usd(c.idleMinimalAlarmsPerMonth),
    ],
    [
      '5 cost',
      'Cloud Run sGTM, 1 warm min instance (1 vCPU, 512 MiB), per month',
      usd(c.cloudRunWarmPerMonth),
    ],
    [
      '5 cost',
      'million events a month at which AWS costs what Cloud Run does: single / batched',
      `${breakEven(c.singleEventPosts.total)} / ${breakEven(c.batchesOf100.total)}`,
    ],
  ];
}
