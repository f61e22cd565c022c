import * as crypto from 'node:crypto';
import type { QueuedRequest, RequestWarning } from '../tracking/queued-request.ts';
import { type DeviceParams, type DeviceParts, readDevice } from './device.ts';
import { FieldError, RuleEvaluationError } from './errors.ts';
import {
  buildTrack,
  type CompiledTrack,
  coerceValue,
  type EvalScope,
  isTruthy,
  type Reader,
  resolve,
} from './evaluate.ts';
import type { Accessor } from './expression.ts';
import type { CompiledTarget } from './targets.ts';
import { checkTimeRange, normaliseTime } from './time.ts';
import type { AuthConfig, CompiledSource, MapContext, MapResult, RuleExample } from './types.ts';

/** One compiled rule. */
export interface CompiledRule {
  readonly name: string;
  readonly when?: Accessor;
  readonly tracks: readonly CompiledTrack[];
  /** Per track: where it goes when not to the file's one destination and site (fan-out). */
  readonly targets?: readonly (readonly CompiledTarget[] | undefined)[];
}

/** Everything the compiler extracts from one rule file. */
export interface SourceParts {
  readonly name: string;
  readonly file: string;
  readonly auth: AuthConfig;
  readonly destination: string;
  /** The file's site when it is one id or expression; absent when every track has targets. */
  readonly site?: Accessor;
  readonly id?: Accessor;
  readonly challenge?: Accessor;
  readonly time?: Accessor;
  readonly visitorKey?: Accessor;
  readonly browserId?: Accessor;
  readonly anonymousId?: Accessor;
  readonly device?: DeviceParts;
  readonly rules: readonly CompiledRule[];
  readonly examples: readonly RuleExample[];
}

/** Deterministic request id: the first 32 hex of sha256(source, event id, rule, index). */
export function requestId(source: string, eventId: string, rule: string, index: number): string {
  return sha256Hex(`${source}\n${eventId}\n${rule}\n${index}`).slice(0, 32);
}

// The one-shot crypto.hash (Node >= 20.12) skips the Hash object createHash builds: a request
// id costs less than half. Same digest; older Node 20 releases keep createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;
const sha256Hex: (text: string) => string =
  typeof oneShot === 'function'
    ? (text) => oneShot('sha256', text)
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

const NO_WARNINGS: readonly RequestWarning[] = [];

interface EventCommon {
  site: string | undefined;
  time: number;
  key: string | undefined;
  browserId: string | undefined;
  anonymousKey: string | undefined;
  device: DeviceParams;
  /** Warnings every request of the event carries (from `visitor.browserId`, `visitor.ip`, ...). */
  warnings: readonly RequestWarning[];
}

/**
 * One queued request of an event. Module-level rather than a closure of `run`: it runs per
 * request, and a function created per event costs an allocation (and, under transpilers that
 * keep names, a defineProperty) on every call.
 */
function request(
  source: string,
  ctx: MapContext,
  common: EventCommon,
  index: number,
  rule: string,
  destination: string,
  params: Record<string, string>,
  warnings: readonly RequestWarning[],
  scope?: string,
): QueuedRequest {
  const personKey = common.key ?? params.uid ?? common.anonymousKey ?? `${source}:${ctx.eventId}`;
  const anonymousKey = common.anonymousKey === undefined ? undefined : scoped(scope, common.anonymousKey);
  const queued: QueuedRequest = {
    v: 1,
    id: requestId(source, ctx.eventId, rule, index),
    source,
    eventId: ctx.eventId,
    rule,
    index,
    destination,
    params,
    visitor: visitorOf(scoped(scope, personKey), common.browserId, anonymousKey),
    time: common.time,
    receivedAt: ctx.receivedAt,
  };
  // Added only when there are any: most requests have none, and keep the shape they had.
  if (warnings.length > 0) queued.warnings = [...warnings];
  return queued;
}

/** A destination with visitor ids of its own gets scoped keys: another HMAC, another cid. */
function scoped(scope: string | undefined, key: string): string {
  return scope === undefined ? key : `${scope}:${key}`;
}

/** Builds the runnable source from compiled parts. */
export function createSource(parts: SourceParts): CompiledSource {
  const rules = parts.rules;
  // Built once: map() runs per event and should allocate only what it returns.
  const scopes: EvalScope[] = rules.map((r) => ({ source: parts.name, rule: r.name }));

  function common(reader: Reader, ctx: MapContext, scope: EvalScope): EventCommon {
    const site = parts.site
      ? coerceValue(positiveInteger, reader.read(parts.site, scope, 'site'), scope, 'site')
      : undefined;
    const rawTime = parts.time ? reader.read(parts.time, scope, 'time') : undefined;
    const time =
      rawTime === undefined || rawTime === null
        ? Math.floor(ctx.receivedAt / 1000)
        : coerceValue((raw) => checkTimeRange(normaliseTime(raw), ctx.receivedAt), rawTime, scope, 'time');
    const rawKey = parts.visitorKey ? reader.read(parts.visitorKey, scope, 'visitor.key') : undefined;
    const key = coerceValue(optionalKey, rawKey, scope, 'visitor.key');
    const rawBrowser = parts.browserId ? reader.read(parts.browserId, scope, 'visitor.browserId') : undefined;
    const { browserId, warning } = optionalBrowserId(rawBrowser);
    const rawAnonymous = parts.anonymousId
      ? reader.read(parts.anonymousId, scope, 'visitor.anonymousId')
      : undefined;
    const anonymousKey = coerceValue(optionalKey, rawAnonymous, scope, 'visitor.anonymousId');
    const device = readDevice(parts.device, reader, scope);
    const warnings =
      warning === undefined && device.warnings.length === 0
        ? NO_WARNINGS
        : [...(warning ? [warning] : []), ...device.warnings];
    return { site, time, key, browserId, anonymousKey, device: device.params, warnings };
  }

  const challengeScope: EvalScope = { source: parts.name, rule: 'challenge' };
  function readChallenge(reader: Reader): string | undefined {
    const raw = parts.challenge ? reader.read(parts.challenge, challengeScope, 'challenge') : undefined;
    return typeof raw === 'string' && raw !== '' ? raw : undefined;
  }

  const idScope: EvalScope = { source: parts.name, rule: 'id' };
  function readEventId(reader: Reader, event: unknown): string | undefined {
    const raw = parts.id ? reader.read(parts.id, idScope, 'id') : ownId(event);
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
    throw new RuleEvaluationError({
      ...idScope,
      field: 'id',
      value: raw,
      reason: 'expected a string or number',
    });
  }

  function run(reader: Reader, ctx: MapContext): MapResult {
    const matched: string[] = [];
    const requests: QueuedRequest[] = [];
    let shared: EventCommon | undefined;
    for (let r = 0; r < rules.length; r += 1) {
      const rule = rules[r] as CompiledRule;
      const scope = scopes[r] as EvalScope;
      if (rule.when && !isTruthy(reader.read(rule.when, scope, 'when'))) continue;
      matched.push(rule.name);
      shared ??= common(reader, ctx, scope);
      for (let t = 0; t < rule.tracks.length; t += 1) {
        const track = rule.tracks[t] as CompiledTrack;
        const params: Record<string, string> = { idsite: shared.site ?? '', rec: '1', apiv: '1' };
        const warnings = buildTrack(track, reader, scope, params, shared.warnings);
        Object.assign(params, shared.device);
        params.cdt = String(shared.time);
        const targets = rule.targets?.[t];
        if (targets === undefined) {
          requests.push(
            request(parts.name, ctx, shared, requests.length, rule.name, parts.destination, params, warnings),
          );
          continue;
        }
        // Fan-out: one request per destination and site, each with its own id (and so its own
        // delivery, retries and deduplication); the parameters differ only in idsite.
        for (const target of targets) {
          const site = coerceValue(
            positiveInteger,
            reader.read(target.site, scope, target.field),
            scope,
            target.field,
          );
          const targeted = { ...params, idsite: site };
          requests.push(
            request(
              parts.name,
              ctx,
              shared,
              requests.length,
              rule.name,
              target.destination,
              targeted,
              warnings,
              target.visitorScope,
            ),
          );
        }
      }
    }
    return { matched, requests };
  }

  return {
    name: parts.name,
    file: parts.file,
    auth: parts.auth,
    destination: parts.destination,
    rules: rules.map((r) => ({ name: r.name })),
    examples: parts.examples,

    eventId(event) {
      return resolve(event, readEventId, event);
    },

    challenge(event) {
      return parts.challenge ? resolve(event, readChallenge, event) : Promise.resolve(undefined);
    },

    map(event, ctx) {
      return resolve(event, run, ctx);
    },
  };
}

function visitorOf(
  key: string,
  browserId: string | undefined,
  anonymousKey: string | undefined,
): QueuedRequest['visitor'] {
  if (browserId === undefined && (anonymousKey === undefined || anonymousKey === key)) return { key };
  return {
    key,
    ...(browserId === undefined ? {} : { browserId }),
    ...(anonymousKey === undefined || anonymousKey === key ? {} : { anonymousKey }),
  };
}

function ownId(event: unknown): unknown {
  return event !== null && typeof event === 'object' && !Array.isArray(event)
    ? (event as Record<string, unknown>).id
    : undefined;
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

/** A full `_pk_id` cookie value: `<16 hex visitor id>.<first visit timestamp>.` (more in Matomo 3). */
const PK_ID_COOKIE = /^([0-9a-fA-F]{16})\.\d+(?:\.|$)/;

/**
 * `visitor.browserId` is optional: a value that is no visitor id is dropped with a warning
 * (the event still goes out, unlinked), and a whole `_pk_id` cookie value is cut to its id.
 */
function optionalBrowserId(raw: unknown): { browserId: string | undefined; warning?: RequestWarning } {
  if (raw === undefined || raw === null || raw === '') return { browserId: undefined };
  if (typeof raw === 'string' && /^[0-9a-fA-F]{16}$/.test(raw)) return { browserId: raw };
  const cookie = typeof raw === 'string' ? PK_ID_COOKIE.exec(raw) : null;
  if (cookie?.[1]) {
    const message =
      'normalised: a full _pk_id cookie value, of which only the first 16 hex characters are the id';
    return { browserId: cookie[1], warning: { field: 'visitor.browserId', message } };
  }
  const message = 'dropped: expected 16 hex characters (the first part of the _pk_id cookie)';
  return { browserId: undefined, warning: { field: 'visitor.browserId', message } };
}
