import { createHash } from 'node:crypto';
import type { QueuedRequest } from '../tracking/queued-request.ts';
import { FieldError, RuleEvaluationError } from './errors.ts';
import { buildTrack, type CompiledTrack, type EvalScope, isTruthy, readValue } from './evaluate.ts';
import type { Accessor } from './expression.ts';
import { normaliseTime } from './time.ts';
import type { AuthConfig, CompiledSource, MapContext, MapResult, RuleExample } from './types.ts';

/** One compiled rule. */
export interface CompiledRule {
  readonly name: string;
  readonly when?: Accessor;
  readonly tracks: readonly CompiledTrack[];
}

/** Everything the compiler extracts from one rule file. */
export interface SourceParts {
  readonly name: string;
  readonly file: string;
  readonly auth: AuthConfig;
  readonly destination: string;
  readonly site: Accessor;
  readonly id?: Accessor;
  readonly time?: Accessor;
  readonly visitorKey?: Accessor;
  readonly browserId?: Accessor;
  readonly rules: readonly CompiledRule[];
  readonly examples: readonly RuleExample[];
}

/** Deterministic request id: the first 32 hex of sha256(source, event id, rule, index). */
export function requestId(source: string, eventId: string, rule: string, index: number): string {
  return createHash('sha256').update(`${source}\n${eventId}\n${rule}\n${index}`).digest('hex').slice(0, 32);
}

interface EventCommon {
  site: string;
  time: number;
  key: string | undefined;
  browserId: string | undefined;
}

/** Builds the runnable source from compiled parts. */
export function createSource(parts: SourceParts): CompiledSource {
  const rules = parts.rules.map((r) => ({ name: r.name }));

  async function common(event: unknown, ctx: MapContext, rule: string): Promise<EventCommon> {
    const scope: EvalScope = { source: parts.name, rule };
    const site = await readValue(parts.site, event, scope, 'site');
    const siteText = check(scope, 'site', site, () => positiveInteger(site));
    const rawTime = parts.time ? await readValue(parts.time, event, scope, 'time') : undefined;
    const time =
      rawTime === undefined || rawTime === null
        ? Math.floor(ctx.receivedAt / 1000)
        : check(scope, 'time', rawTime, () => normaliseTime(rawTime));
    const rawKey = parts.visitorKey
      ? await readValue(parts.visitorKey, event, scope, 'visitor.key')
      : undefined;
    const key = check(scope, 'visitor.key', rawKey, () => optionalKey(rawKey));
    const rawBrowser = parts.browserId
      ? await readValue(parts.browserId, event, scope, 'visitor.browserId')
      : undefined;
    const browserId = check(scope, 'visitor.browserId', rawBrowser, () => optionalBrowserId(rawBrowser));
    return { site: siteText, time, key, browserId };
  }

  return {
    name: parts.name,
    file: parts.file,
    auth: parts.auth,
    destination: parts.destination,
    rules,
    examples: parts.examples,

    async eventId(event) {
      const scope = { source: parts.name, rule: 'id' };
      const raw = parts.id ? await readValue(parts.id, event, scope, 'id') : ownId(event);
      if (raw === undefined || raw === null || raw === '') return undefined;
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
      throw new RuleEvaluationError({
        ...scope,
        field: 'id',
        value: raw,
        reason: 'expected a string or number',
      });
    },

    async map(event, ctx): Promise<MapResult> {
      const matched: string[] = [];
      const requests: QueuedRequest[] = [];
      let shared: EventCommon | undefined;
      for (const rule of parts.rules) {
        const scope: EvalScope = { source: parts.name, rule: rule.name };
        if (rule.when && !isTruthy(await readValue(rule.when, event, scope, 'when'))) continue;
        matched.push(rule.name);
        shared ??= await common(event, ctx, rule.name);
        for (const track of rule.tracks) {
          const params: Record<string, string> = { idsite: shared.site, rec: '1', apiv: '1' };
          await buildTrack(track, event, scope, params);
          params.cdt = String(shared.time);
          const index = requests.length;
          const key = shared.key ?? params.uid ?? `${parts.name}:${ctx.eventId}`;
          requests.push({
            v: 1,
            id: requestId(parts.name, ctx.eventId, rule.name, index),
            source: parts.name,
            eventId: ctx.eventId,
            rule: rule.name,
            index,
            destination: parts.destination,
            params,
            visitor: shared.browserId === undefined ? { key } : { key, browserId: shared.browserId },
            time: shared.time,
            receivedAt: ctx.receivedAt,
          });
        }
      }
      return { matched, requests };
    },
  };
}

function ownId(event: unknown): unknown {
  return event !== null && typeof event === 'object' && !Array.isArray(event)
    ? (event as Record<string, unknown>).id
    : undefined;
}

function check<T>(scope: EvalScope, field: string, value: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    throw new RuleEvaluationError({ ...scope, field, value, reason: e.message }, { cause: e });
  }
}

function positiveInteger(raw: unknown): string {
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new FieldError('expected a positive integer site id', raw);
  }
  return String(n);
}

function optionalKey(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string') throw new FieldError('expected a string or number', raw);
  return raw.trim() === '' ? undefined : raw;
}

function optionalBrowserId(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^[0-9a-fA-F]{16}$/.test(raw)) {
    throw new FieldError('expected 16 hex characters (the first part of the _pk_id cookie)', raw);
  }
  return raw;
}
