import type { DebugEntry, DeliveryState, ProducedRequest } from '../../src/local/debugger/wire.ts';

/** What a row says about where its requests are, worst first. */
export type Progress = DeliveryState | 'rejected' | 'ignored' | 'pending' | 'none';

/** The filter bar's values; empty strings match everything. */
export interface Filters {
  readonly source: string;
  readonly visitor: string;
  readonly outcome: string;
  readonly text: string;
}

/** Matomo starts a new visit after 30 minutes without an action (the default visit length). */
export const VISIT_GAP_SECONDS = 30 * 60;

const RANK: readonly DeliveryState[] = [
  'dead-lettered',
  'not-queued',
  'invalid',
  'retried',
  'queueing',
  'queued',
  'in-batch',
  'sent',
  'skipped',
  'recorded',
];

/** The one word a row shows: refused, ignored, or the least advanced delivery state. */
export function progress(entry: DebugEntry): Progress {
  if (entry.outcome === 'rejected') return 'rejected';
  if (entry.outcome === 'pending') return 'pending';
  if (entry.requests.length === 0) return entry.outcome === 'ignored' ? 'ignored' : 'none';
  let best = RANK.length;
  for (const r of entry.requests) best = Math.min(best, RANK.indexOf(r.state));
  return RANK[best] ?? 'none';
}

const searchText = new WeakMap<DebugEntry, string>();

/** Whether an entry passes the filters. */
export function matches(entry: DebugEntry, filters: Filters): boolean {
  if (filters.source !== '' && entry.source !== filters.source) return false;
  if (filters.outcome !== '') {
    const p = progress(entry);
    const states = new Set<string>([p, entry.outcome, ...entry.requests.map((r) => r.state)]);
    if (!states.has(filters.outcome)) return false;
  }
  if (filters.visitor !== '') {
    const needle = filters.visitor.toLowerCase();
    const hit = entry.requests.some(
      (r) => r.visitorKey.toLowerCase().includes(needle) || (r.params.cid ?? '').includes(needle),
    );
    if (!hit) return false;
  }
  if (filters.text !== '') {
    let text = searchText.get(entry);
    if (text === undefined) {
      text = JSON.stringify(entry).toLowerCase();
      searchText.set(entry, text);
    }
    if (!text.includes(filters.text.toLowerCase())) return false;
  }
  return true;
}

/** A row of the list: a visit header when grouping, or an entry. */
export type Row =
  | {
      readonly kind: 'visit';
      readonly key: string;
      readonly visitor: string;
      readonly cid: string | undefined;
      readonly visit: number;
      readonly count: number;
      readonly from: number;
      readonly to: number;
    }
  | { readonly kind: 'entry'; readonly key: string; readonly entry: DebugEntry };

/** The visitor an entry belongs to: that of its first request, if it produced any. */
export function visitorOf(entry: DebugEntry): ProducedRequest | undefined {
  return entry.requests[0];
}

/** Newest first, each entry one row. */
export function flatRows(entries: readonly DebugEntry[]): Row[] {
  const rows: Row[] = [];
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const entry = entries[i];
    if (entry) rows.push({ kind: 'entry', key: `e${entry.seq}`, entry });
  }
  return rows;
}

/**
 * Grouped the way Matomo forms visits: by visitor, then split where 30 minutes of event time
 * pass without an action. Visitors with the latest activity come first; entries inside a
 * visit are in event-time order. Requests without a visitor (refused, ignored) come last.
 */
export function visitRows(entries: readonly DebugEntry[]): Row[] {
  const byVisitor = new Map<string, DebugEntry[]>();
  const none: DebugEntry[] = [];
  for (const entry of entries) {
    const v = visitorOf(entry);
    if (!v) none.push(entry);
    else {
      const list = byVisitor.get(v.visitorKey);
      if (list) list.push(entry);
      else byVisitor.set(v.visitorKey, [entry]);
    }
  }
  const time = (e: DebugEntry): number => visitorOf(e)?.time ?? Math.floor(e.at / 1000);
  const groups = [...byVisitor.entries()]
    .map(([visitor, list]) => ({ visitor, list: list.sort((a, b) => time(a) - time(b) || a.seq - b.seq) }))
    .sort((a, b) => latest(b.list) - latest(a.list));
  const rows: Row[] = [];
  for (const { visitor, list } of groups) {
    const visits: DebugEntry[][] = [];
    for (const entry of list) {
      const current = visits[visits.length - 1];
      const last = current?.[current.length - 1];
      if (current && last && time(entry) - time(last) < VISIT_GAP_SECONDS) current.push(entry);
      else visits.push([entry]);
    }
    visits.forEach((visit, n) => {
      const cid = visit.flatMap((e) => e.requests.map((r) => r.params.cid)).find((c) => c !== undefined);
      const first = visit[0];
      const last = visit[visit.length - 1];
      if (!first || !last) return;
      rows.push({
        kind: 'visit',
        key: `v${visitor}\n${n}`,
        visitor,
        cid,
        visit: n + 1,
        count: visit.length,
        from: time(first),
        to: time(last),
      });
      for (const entry of visit) rows.push({ kind: 'entry', key: `e${entry.seq}`, entry });
    });
  }
  if (none.length > 0) {
    rows.push({
      kind: 'visit',
      key: 'v-none',
      visitor: '(no visitor: refused or ignored)',
      cid: undefined,
      visit: 0,
      count: none.length,
      from: 0,
      to: 0,
    });
    rows.push(...flatRows(none));
  }
  return rows;
}

function latest(list: readonly DebugEntry[]): number {
  let max = 0;
  for (const e of list) max = Math.max(max, e.seq);
  return max;
}

/** `12:03:04.567` in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A one-line description of a tracking request, by its kind. */
export function describeParams(params: Readonly<Record<string, string>>): string {
  if (params.ca === '1' && params.cra !== undefined) return `crash ${params.cra}`;
  if (params.idgoal !== undefined) {
    if (params.idgoal !== '0')
      return `goal ${params.idgoal}${params.revenue ? ` revenue ${params.revenue}` : ''}`;
    return params.ec_id
      ? `order ${params.ec_id} revenue ${params.revenue ?? ''}`
      : `cart revenue ${params.revenue ?? ''}`;
  }
  if (params.e_c && params.e_a)
    return `event ${params.e_c} / ${params.e_a}${params.e_n ? ` / ${params.e_n}` : ''}`;
  if (params.ping === '1') return 'ping';
  if (params.search !== undefined) return `search "${params.search}"`;
  if (params.c_n) return `content ${params.c_n}`;
  if (params.link !== undefined) return `outlink ${params.link}`;
  if (params.download !== undefined) return `download ${params.download}`;
  return `page view ${params.action_name ?? params.url ?? ''}`;
}
