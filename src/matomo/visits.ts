import { createHash } from 'node:crypto';
import type { TrackingParams } from './emulator.ts';

/**
 * How Matomo 4.12 decides which visit a recorded request belongs to, modelled from
 * core/Tracker/Request.php (`getVisitorId`), VisitorRecognizer.php (`findKnownVisitor`,
 * `shouldLookupOneVisitorFieldOnly`), Model.php (`findVisitor`) and Visit.php, and checked
 * against the real Matomo by the conformance suite (`npm run test:matomo`).
 */

/** One visit as Matomo stores it in `log_visit`, reduced to what recognition reads. */
export interface EmulatedVisit {
  readonly idvisit: number;
  readonly idsite: number;
  /** 16 hex; rewritten to sha1(uid)[0:16] when a request with `uid` joins the visit. */
  readonly idvisitor: string;
  /** The fingerprint of the request that opened the visit. */
  readonly configId: string;
  readonly userId: string | undefined;
  /** Unix seconds; never moves back. */
  readonly firstActionTime: number;
  readonly lastActionTime: number;
  readonly actions: number;
}

/** The HTTP sender of the bulk: what Matomo sees when a request carries no `cip` or `ua`. */
export interface Sender {
  readonly ip: string;
  readonly userAgent: string;
  readonly language?: string;
}

/** `visit_standard_length`: 30 minutes. */
const VISIT_LENGTH = 1800;

/** The visitor id a request asks for: `uid` wins (as sha1 prefix), then `cid`, then `_id`. */
export function requestedVisitorId(params: TrackingParams): string | undefined {
  if ((params.uid ?? '') !== '') {
    return createHash('sha1')
      .update(params.uid ?? '')
      .digest('hex')
      .slice(0, 16);
  }
  if (params.cid !== undefined && params.cid !== '') return params.cid.toLowerCase();
  const id = params._id ?? '';
  return id.length >= 16 ? id.slice(0, 16).toLowerCase() : undefined;
}

/**
 * Matomo's `config_id`: a hash of the device (User-Agent; Matomo hashes the OS and browser it
 * parses from it, the model the raw string), the plugin flags, the IP (`cip` overrides the
 * sender's), the language and the site.
 */
export function fingerprint(params: TrackingParams, sender: Sender): string {
  const plugins = ['fla', 'java', 'qt', 'realp', 'pdf', 'wma', 'ag', 'cookie'].map((p) => params[p] ?? '');
  const parts = [
    params.ua ?? sender.userAgent,
    plugins.join(''),
    params.cip ?? sender.ip,
    (params.lang ?? sender.language ?? '').slice(0, 20),
    params.idsite ?? '',
  ];
  return createHash('md5').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/**
 * Finds the visit a request joins, the way `findVisitor` does:
 * - `cid` without `uid`: by visitor id only;
 * - `uid`: by visitor id (the sha1 prefix), and when that finds nothing, by fingerprint among
 *   visits of the last 30 minutes whose user id is unset or the same;
 * - neither: by visitor id (`_id`), then by fingerprint within 30 minutes.
 * A visit found is continued only when its last action is less than 30 minutes before the
 * request and on the same day (the model's sites are in UTC); otherwise the request opens a
 * new visit of the same visitor.
 */
export function findVisit(
  visits: readonly EmulatedVisit[],
  params: TrackingParams,
  time: number,
  configId: string,
): { visit: EmulatedVisit | undefined; visitorId: string | undefined } {
  const site = Number(params.idsite);
  const uid = (params.uid ?? '') !== '' ? params.uid : undefined;
  const visitorId = requestedVisitorId(params);
  const latest = (match: (v: EmulatedVisit) => boolean): EmulatedVisit | undefined =>
    visits
      .filter((v) => v.idsite === site && match(v))
      .reduce<EmulatedVisit | undefined>(
        (a, v) => (a && a.lastActionTime >= v.lastActionTime ? a : v),
        undefined,
      );
  const byId = (): EmulatedVisit | undefined =>
    visitorId === undefined
      ? undefined
      : latest((v) => v.idvisitor === visitorId && v.lastActionTime <= time + VISIT_LENGTH);
  const byConfig = (): EmulatedVisit | undefined =>
    latest(
      (v) =>
        v.configId === configId &&
        Math.abs(v.lastActionTime - time) <= VISIT_LENGTH &&
        (uid === undefined || v.userId === undefined || v.userId === uid),
    );
  const forcedCid = uid === undefined && (params.cid ?? '') !== '';
  const found = forcedCid ? byId() : (byId() ?? byConfig());
  const continues =
    found !== undefined &&
    time - found.lastActionTime < VISIT_LENGTH &&
    Math.floor(found.lastActionTime / 86_400) === Math.floor(time / 86_400);
  return { visit: continues ? found : undefined, visitorId: visitorId ?? found?.idvisitor };
}

/**
 * Records one request: continues the visit {@link findVisit} finds (a `uid` rewrites its
 * visitor id and sets its user id) or opens a new one. Returns the visits after it and the
 * visit the request landed in.
 */
export function recordInVisit(
  visits: readonly EmulatedVisit[],
  params: TrackingParams,
  time: number,
  sender: Sender,
  newVisitorId: () => string,
): { visits: EmulatedVisit[]; idvisit: number } {
  const configId = fingerprint(params, sender);
  const { visit, visitorId } = findVisit(visits, params, time, configId);
  const uid = (params.uid ?? '') !== '' ? params.uid : undefined;
  const isAction = params.ping !== '1' && params.idgoal === undefined;
  if (visit !== undefined) {
    const updated: EmulatedVisit = {
      ...visit,
      idvisitor: uid === undefined ? visit.idvisitor : (requestedVisitorId(params) ?? visit.idvisitor),
      userId: uid ?? visit.userId,
      lastActionTime: Math.max(visit.lastActionTime, time),
      actions: visit.actions + (isAction ? 1 : 0),
    };
    return { visits: visits.map((v) => (v === visit ? updated : v)), idvisit: visit.idvisit };
  }
  const opened: EmulatedVisit = {
    idvisit: (visits.at(-1)?.idvisit ?? 0) + 1,
    idsite: Number(params.idsite),
    idvisitor: visitorId ?? newVisitorId(),
    configId,
    userId: uid,
    firstActionTime: time,
    lastActionTime: time,
    actions: isAction ? 1 : 0,
  };
  return { visits: [...visits, opened], idvisit: opened.idvisit };
}
