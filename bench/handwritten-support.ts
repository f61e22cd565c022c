import { requestId } from '../src/rules/index.ts';
import type { QueuedRequest } from '../src/tracking/queued-request.ts';

/**
 * Helpers a careful developer would write for a hand-coded Matomo mapping: the same checks and
 * number formats as the rule engine, so the benchmark compares equal work.
 */
export type Params = Record<string, string>;

/** What a mapping produced for one event. */
export interface Mapped {
  readonly matched: string[];
  readonly requests: QueuedRequest[];
}

/** Identity and arrival of one event. */
export interface Ctx {
  readonly eventId: string;
  readonly receivedAt: number;
}

/** Per-event values shared by all requests of one source's event. */
export interface Shared {
  readonly source: string;
  readonly site: string;
  readonly time: number;
  readonly key: string | undefined;
  readonly browserId?: string | undefined;
  /** The anonymous key linked to `key` (rules' `visitor.anonymousId`). */
  readonly anonymousKey?: string | undefined;
  /** The person's device (rules' `visitor.ip`, `userAgent`, `language`), on every request. */
  readonly device?: Readonly<Partial<Record<'cip' | 'ua' | 'lang', string>>>;
}

/** Money as Matomo stores it: rounded to 2 decimals. */
export function money(value: unknown): string {
  const n = num(value);
  return String(Math.round((n + Number.EPSILON * Math.sign(n)) * 100) / 100);
}

/** A finite number from a number or numeric string. */
export function num(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new Error(`expected a number, got ${String(value)}`);
  return n;
}

/** Non-blank text. */
export function nonBlank(value: unknown): string {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || s.trim() === '') throw new Error(`expected text, got ${String(value)}`);
  return s;
}

/** Sets `params[name]` when the value is present. */
export function setOpt(params: Params, name: string, value: unknown, format: (v: unknown) => string): void {
  if (value !== undefined && value !== null) params[name] = format(value);
}

/** Plain text for optional fields. */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** Unix seconds from seconds, milliseconds or ISO-8601. */
export function unixSeconds(value: unknown): number {
  if (typeof value === 'number') return Math.floor(value >= 1e11 ? value / 1000 : value);
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`expected a time, got ${String(value)}`);
  return Math.floor(ms / 1000);
}

/** An `ec_items` row list from item objects. */
export function ecItems(
  items: readonly {
    sku?: unknown;
    name?: unknown;
    category?: unknown;
    price?: unknown;
    quantity?: unknown;
  }[],
): string {
  return JSON.stringify(
    items.map((item) => [
      nonBlank(item.sku),
      item.name ?? '',
      item.category ?? '',
      item.price === undefined ? 0 : num(item.price),
      item.quantity === undefined ? 1 : num(item.quantity),
    ]),
  );
}

/** Appends one finished request, with the deterministic id ingest uses for de-duplication. */
export function push(out: Mapped, shared: Shared, ctx: Ctx, rule: string, params: Params): void {
  Object.assign(params, shared.device);
  params.idsite = shared.site;
  params.rec = '1';
  params.apiv = '1';
  params.cdt = String(shared.time);
  const index = out.requests.length;
  const key = shared.key ?? params.uid ?? `${shared.source}:${ctx.eventId}`;
  out.requests.push({
    v: 1,
    // The engine's own request id (one-shot sha256), so the baseline pays what the engine pays.
    id: requestId(shared.source, ctx.eventId, rule, index),
    source: shared.source,
    eventId: ctx.eventId,
    rule,
    index,
    destination: 'default',
    params,
    visitor: {
      key,
      ...(shared.browserId === undefined ? {} : { browserId: shared.browserId }),
      ...(shared.anonymousKey === undefined || shared.anonymousKey === key
        ? {}
        : { anonymousKey: shared.anonymousKey }),
    },
    time: shared.time,
    receivedAt: ctx.receivedAt,
  });
}
