/**
 * The parts of a real Matomo's Reporting API the conformance suite uses: it sets up a site of
 * its own per run (so any Matomo works, with no log tables to empty) and reads back what
 * Matomo stored, visit by visit.
 */

/** Where the real Matomo is; from the environment `../shared/matomo/start.sh` prints. */
export interface MatomoTarget {
  readonly url: string;
  readonly token: string;
}

/** The Matomo named by MATOMO_URL and MATOMO_TOKEN, or a clear error saying how to get one. */
export function matomoFromEnv(env: NodeJS.ProcessEnv = process.env): MatomoTarget {
  const url = env.MATOMO_URL?.replace(/\/+$/, '');
  const token = env.MATOMO_TOKEN;
  if (!url || !token) {
    throw new Error(
      'npm run test:matomo needs a real Matomo: set MATOMO_URL and MATOMO_TOKEN (a token with ' +
        'super-user access). Here: bash ../shared/matomo/start.sh, then source the env file it prints; ' +
        'for your own Matomo see the README ("Conformance against a real Matomo").',
    );
  }
  return { url, token };
}

/** Calls one API method (POST, so the token stays out of URLs) and returns its JSON. */
export async function api(
  target: MatomoTarget,
  method: string,
  params: Record<string, string> = {},
): Promise<unknown> {
  const body = new URLSearchParams({
    module: 'API',
    format: 'json',
    method,
    token_auth: target.token,
    ...params,
  });
  const res = await fetch(`${target.url}/index.php`, { method: 'POST', body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method}: Matomo answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  if (typeof json === 'object' && json !== null && (json as { result?: string }).result === 'error') {
    throw new Error(`${method}: ${(json as { message?: string }).message ?? text}`);
  }
  return json;
}

/** A new ecommerce site with site search, in a time zone where `now` is near midday. */
export async function addSite(target: MatomoTarget, name: string, now: Date): Promise<number> {
  // Matomo splits visits at the site's midnight: a zone where it is around noon keeps a few
  // hours either side of now on one day, whenever the suite runs.
  const offset = Math.max(-12, Math.min(14, 12 - now.getUTCHours()));
  const timezone = offset === 0 ? 'UTC' : `UTC${offset > 0 ? '+' : ''}${offset}`;
  const out = await api(target, 'SitesManager.addSite', {
    siteName: name,
    'urls[0]': 'https://shop.example.com',
    ecommerce: '1',
    siteSearch: '1',
    timezone,
  });
  const id = (out as { value?: number }).value;
  if (typeof id !== 'number') throw new Error(`SitesManager.addSite answered ${JSON.stringify(out)}`);
  return id;
}

/** A manually triggered goal; returns its id (1, 2, … per site). */
export async function addGoal(target: MatomoTarget, idSite: number, name: string): Promise<number> {
  const out = await api(target, 'Goals.addGoal', {
    idSite: String(idSite),
    name,
    matchAttribute: 'manually',
    // Matomo asks for a pattern even for manually triggered goals; it is not used.
    pattern: 'taglane',
    patternType: 'contains',
  });
  return Number((out as { value?: unknown }).value);
}

/** An active custom dimension; returns its id (the N of `dimensionN`). */
export async function addDimension(
  target: MatomoTarget,
  idSite: number,
  name: string,
  scope: 'visit' | 'action',
): Promise<number> {
  const out = await api(target, 'CustomDimensions.configureNewCustomDimension', {
    idSite: String(idSite),
    name,
    scope,
    active: '1',
  });
  return Number((out as { value?: unknown }).value);
}

/** One action of a visit as the Live API reports it (the fields the suite reads). */
export interface LiveAction {
  readonly type: string;
  readonly url?: string;
  readonly title?: string;
  readonly pageTitle?: string;
  readonly eventCategory?: string;
  readonly eventAction?: string;
  readonly eventName?: string;
  readonly siteSearchKeyword?: string;
  readonly goalId?: string | number;
  readonly revenue?: string | number;
  readonly orderId?: string;
  readonly itemDetails?: readonly { readonly itemSKU: string; readonly quantity: string | number }[];
  readonly contentName?: string;
  readonly contentInteraction?: string;
  readonly timestamp: number;
}

/** One visit as the Live API reports it. */
export interface LiveVisit {
  readonly idVisit: number;
  readonly visitorId: string;
  readonly userId: string | null;
  readonly firstActionTimestamp: number;
  readonly lastActionTimestamp: number;
  readonly actionDetails: readonly LiveAction[];
  readonly visitIp: string;
  readonly countryCode: string;
  readonly deviceType: string;
  readonly browserName?: string;
  readonly languageCode?: string;
  readonly [dimension: `dimension${number}`]: string | null | undefined;
}

/** Every visit of the site in the last days, oldest first. */
export async function visitsOf(target: MatomoTarget, idSite: number, now: Date): Promise<LiveVisit[]> {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const out = await api(target, 'Live.getLastVisitsDetails', {
    idSite: String(idSite),
    period: 'range',
    date: `${day(-3)},${day(1)}`,
    filter_limit: '-1',
    doNotFetchActions: '0',
  });
  if (!Array.isArray(out)) throw new Error(`Live.getLastVisitsDetails answered ${JSON.stringify(out)}`);
  return (out as LiveVisit[]).sort(
    (a, b) => a.firstActionTimestamp - b.firstActionTimestamp || a.idVisit - b.idVisit,
  );
}
