/**
 * A pure model of how Matomo's `/matomo.php` answers a bulk request, written from
 * `reference/matomo-server-behaviour.md`. The Matomo-like test server and the local runtime's
 * inspector both use it, so what tests prove and what the inspector shows is the same model.
 */

import { randomBytes } from 'node:crypto';
import { type EmulatedVisit, recordInVisit, type Sender } from './visits.ts';

export type { EmulatedVisit, Sender } from './visits.ts';

/** Tracking parameters of one request as Matomo reads them. */
export type TrackingParams = Readonly<Record<string, string>>;

/** A bulk body the way Matomo's BulkTracking plugin reads it. */
export interface ParsedBulk {
  readonly requests: readonly TrackingParams[];
  readonly tokenAuth: string | undefined;
  /** `send_image=0` at the top level turns the answer into a bare 204. */
  readonly sendImage: boolean;
}

/** What the emulated Matomo knows about its configuration. */
export interface EmulatorConfig {
  /** Site ids that exist. */
  readonly sites: readonly number[];
  /** Goal ids per site id (`idgoal>0` must be one of them). */
  readonly goals?: Readonly<Record<number, readonly number[]>>;
  /** Tokens of super users: they get `invalid_indices` in the answer. */
  readonly superUserTokens?: readonly string[];
  /** Tokens with write access to every site. */
  readonly writeTokens?: readonly string[];
  /** Whether the (paid) Crash Analytics plugin is installed. @default false */
  readonly crashPlugin?: boolean;
  /** Matomo's clock in unix seconds. */
  readonly now: number;
  /** Who sends the bulk (its IP and User-Agent enter the fingerprint). @default 127.0.0.1, node */
  readonly sender?: Sender;
}

/**
 * What Matomo remembers between bulks: order ids per site (its only built-in dedupe) and the
 * visits, which later requests join by visitor id or fingerprint.
 */
export interface EmulatorState {
  readonly orders: ReadonlySet<string>;
  readonly visits: readonly EmulatedVisit[];
}

/** The fate of one request of a bulk. */
export type RequestOutcome =
  | {
      readonly index: number;
      readonly kind: 'recorded';
      readonly params: TrackingParams;
      /** The visit Matomo put the request in. */
      readonly idvisit: number;
    }
  | { readonly index: number; readonly kind: 'excluded'; readonly reason: string }
  | { readonly index: number; readonly kind: 'invalid'; readonly reason: string }
  | { readonly index: number; readonly kind: 'poison'; readonly reason: string };

/** Matomo's answer to a bulk, the fate of each request and the state after it. */
export interface BulkEmulation {
  readonly status: 200 | 204 | 500;
  /** JSON body of the answer; `undefined` for a 204. */
  readonly response: Readonly<Record<string, unknown>> | undefined;
  /** One entry per request processed; after a poisonous one nothing else is processed. */
  readonly outcomes: readonly RequestOutcome[];
  /** The state after the bulk (unchanged when Matomo rolled the bulk back). */
  readonly state: EmulatorState;
}

/** A fresh Matomo with no orders recorded. */
export function emptyEmulatorState(): EmulatorState {
  return { orders: new Set(), visits: [] };
}

/**
 * Parses a bulk body like Matomo: entries are query strings (`"?idsite=1&rec=1"`, an optional
 * URL before the `?` is ignored) or objects; a body without the word `requests`, invalid JSON
 * or no list gives an empty bulk.
 */
export function parseBulkBody(text: string): ParsedBulk {
  const empty: ParsedBulk = { requests: [], tokenAuth: undefined, sendImage: true };
  if (!text.includes('requests')) return empty;
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return empty;
  }
  if (!isRecord(decoded)) return empty;
  const list = Array.isArray(decoded.requests) ? decoded.requests : [];
  const requests = list.map(toParams);
  const tokenAuth = typeof decoded.token_auth === 'string' ? decoded.token_auth : undefined;
  const sendImage = String(decoded.send_image ?? '1') !== '0';
  return { requests, tokenAuth, sendImage };
}

function toParams(entry: unknown): TrackingParams {
  if (typeof entry === 'string') {
    const query = entry.includes('?') ? entry.slice(entry.indexOf('?') + 1) : entry;
    return Object.fromEntries(new URLSearchParams(query));
  }
  if (!isRecord(entry)) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry)) {
    out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Runs a parsed bulk through the model and returns Matomo's answer. Invalid requests are
 * counted and the bulk continues; a poisonous one (an unhandled `ca=1`) aborts it, rolls it
 * back and answers 500. `invalid_indices` is added only for a super-user token.
 */
export function emulateBulk(bulk: ParsedBulk, config: EmulatorConfig, state: EmulatorState): BulkEmulation {
  const token = bulk.tokenAuth;
  const superUser = token !== undefined && (config.superUserTokens ?? []).includes(token);
  const authenticated = superUser || (token !== undefined && (config.writeTokens ?? []).includes(token));
  const orders = new Set(state.orders);
  let visits = state.visits;
  const sender = config.sender ?? DEFAULT_SENDER;
  const outcomes: RequestOutcome[] = [];
  const invalidIndices: number[] = [];
  for (const [index, params] of bulk.requests.entries()) {
    let outcome = judgeRequest(index, params, { config, authenticated, orders });
    if (outcome.kind === 'recorded') {
      const time = parseCdt(params.cdt, config.now);
      const placed = recordInVisit(visits, params, time, sender, anonymousVisitorId);
      visits = placed.visits;
      outcome = { ...outcome, idvisit: placed.idvisit };
    }
    outcomes.push(outcome);
    if (outcome.kind === 'poison') {
      const tracked = outcomes.filter((o) => o.kind !== 'invalid' && o.kind !== 'poison').length;
      const response = { status: 'error', tracked, invalid: invalidIndices.length };
      return { status: 500, response, outcomes, state };
    }
    if (outcome.kind === 'invalid') invalidIndices.push(index);
  }
  const next: EmulatorState = { orders, visits };
  if (!bulk.sendImage) return { status: 204, response: undefined, outcomes, state: next };
  const tracked = bulk.requests.length - invalidIndices.length;
  const response: Record<string, unknown> = { status: 'success', tracked, invalid: invalidIndices.length };
  if (superUser) response.invalid_indices = invalidIndices;
  return { status: 200, response, outcomes, state: next };
}

interface JudgeContext {
  readonly config: EmulatorConfig;
  readonly authenticated: boolean;
  /** Order keys (`site:ec_id`); a recorded order is added. */
  readonly orders: Set<string>;
}

const NEEDS_TOKEN = ['cip', 'country', 'region', 'city', 'lat', 'long'] as const;
/** `tracking_requests_require_authentication_when_custom_timestamp_newer_than` default. */
const OLD_CDT_SECONDS = 86_400;

function judgeRequest(index: number, params: TrackingParams, ctx: JudgeContext): RequestOutcome {
  const invalid = (reason: string): RequestOutcome => ({ index, kind: 'invalid', reason });
  if (params.rec !== '1') return { index, kind: 'excluded', reason: 'rec=1 missing' };
  const site = Number(params.idsite);
  if (!Number.isInteger(site) || !ctx.config.sites.includes(site)) {
    return invalid(`unknown idsite ${JSON.stringify(params.idsite ?? '')}`);
  }
  if (params.cid !== undefined && !/^[0-9a-fA-F]{16}$/.test(params.cid)) {
    return invalid('cid must be 16 hexadecimal characters');
  }
  if (!ctx.authenticated) {
    const restricted = NEEDS_TOKEN.find((name) => params[name] !== undefined);
    if (restricted !== undefined) return invalid(`${restricted} requires a token with write access`);
    const time = parseCdt(params.cdt, ctx.config.now);
    if (ctx.config.now - time >= OLD_CDT_SECONDS) {
      return invalid('cdt 24 hours or older requires a token with write access');
    }
  }
  const poison = poisonReason(params, ctx.config);
  if (poison !== undefined) return { index, kind: 'poison', reason: poison };
  const goal = judgeGoal(site, params, ctx);
  if (goal !== undefined) return invalid(goal);
  return { index, kind: 'recorded', params, idvisit: 0 };
}

/** Matomo makes a random id for a visitor that brought none. */
function anonymousVisitorId(): string {
  return randomBytes(8).toString('hex');
}

/** A Node sender on loopback, as Taglane's batcher is to a local Matomo. */
const DEFAULT_SENDER: Sender = { ip: '127.0.0.1', userAgent: 'node' };

function judgeGoal(site: number, params: TrackingParams, ctx: JudgeContext): string | undefined {
  if (params.idgoal === undefined) return undefined;
  const goal = Number(params.idgoal);
  if (goal === 0) {
    const orderId = params.ec_id ?? '';
    if (orderId === '') return undefined;
    const key = `${site}:${orderId}`;
    if (ctx.orders.has(key)) return `duplicate ec_id ${JSON.stringify(orderId)} for site ${site}`;
    ctx.orders.add(key);
    return undefined;
  }
  const known = ctx.config.goals?.[site] ?? [];
  return known.includes(goal) ? undefined : `unknown idgoal ${JSON.stringify(params.idgoal)}`;
}

/** Why a request would make Matomo throw and roll the bulk back, if it would. */
function poisonReason(params: TrackingParams, config: EmulatorConfig): string | undefined {
  if (params.ca !== '1') return undefined;
  if (params.ping === '1') return 'ca=1 combined with ping=1';
  const nonEmpty = (name: string): boolean => (params[name] ?? '').trim() !== '';
  if (params.cra !== undefined) {
    return config.crashPlugin === true ? undefined : 'crash request without the Crash Analytics plugin';
  }
  if (nonEmpty('e_c') && nonEmpty('e_a')) return undefined;
  if (nonEmpty('c_n')) return undefined;
  return 'ca=1 request that no plugin handles';
}

/**
 * Matomo's reading of `cdt`: unix seconds or a date string; future, unparsable, millisecond
 * and 20+ year old values are replaced by the server's time.
 */
export function parseCdt(value: string | undefined, now: number): number {
  if (value === undefined || value === '') return now;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds)) return now;
  if (seconds > now || seconds < now - 20 * 365 * 86_400) return now;
  return Math.floor(seconds);
}
