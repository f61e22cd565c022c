import type { TrackingParams } from '../matomo/emulator.ts';

/** The kind of Matomo action a tracking request records, as a reader would name it. */
export type RequestKind =
  | 'crash'
  | 'order'
  | 'cart'
  | 'goal'
  | 'event'
  | 'search'
  | 'content'
  | 'outlink'
  | 'download'
  | 'ping'
  | 'pageview';

/** Names the request's kind with Matomo's own precedence (ca, goals, events, then page views). */
export function requestKind(params: TrackingParams): RequestKind {
  if (params.ca === '1' && params.cra !== undefined) return 'crash';
  if (params.idgoal !== undefined) {
    if (params.idgoal !== '0') return 'goal';
    return (params.ec_id ?? '') === '' ? 'cart' : 'order';
  }
  if ((params.e_c ?? '') !== '' && (params.e_a ?? '') !== '') return 'event';
  if (params.ping === '1') return 'ping';
  if (params.search !== undefined) return 'search';
  if ((params.c_n ?? '') !== '') return 'content';
  if (params.link !== undefined) return 'outlink';
  if (params.download !== undefined) return 'download';
  return 'pageview';
}

/** The parameters worth showing for each kind, in reading order. */
const KEY_FIELDS: Readonly<Record<RequestKind, readonly string[]>> = {
  crash: ['cra', 'cra_tp', 'cra_ct', 'cra_ru', 'cra_rl'],
  order: ['ec_id', 'revenue', 'ec_items'],
  cart: ['revenue', 'ec_items'],
  goal: ['idgoal', 'revenue'],
  event: ['e_c', 'e_a', 'e_n', 'e_v'],
  search: ['search', 'search_cat', 'search_count'],
  content: ['c_n', 'c_p', 'c_t', 'c_i'],
  outlink: ['link'],
  download: ['download'],
  ping: [],
  pageview: ['action_name', 'url'],
};

/** Key fields of a request for display: the kind's own fields, then `uid` and dimensions. */
export function keyFields(params: TrackingParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEY_FIELDS[requestKind(params)]) {
    const value = params[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  if (params.uid !== undefined) out.uid = params.uid;
  for (const [name, value] of Object.entries(params)) {
    if (/^dimension\d+$/.test(name)) out[name] = value;
  }
  return out;
}

/**
 * One line for the terminal:
 * `site 1  cid 5f0c2d9e1a7b3c44  order  2024-09-12T08:15:30Z  ec_id=cs_1 revenue=49`.
 */
export function describeRequest(params: TrackingParams): string {
  const time = /^\d+$/.test(params.cdt ?? '')
    ? new Date(Number(params.cdt) * 1000).toISOString().replace('.000Z', 'Z')
    : (params.cdt ?? '-');
  const fields = Object.entries(keyFields(params))
    .map(([name, value]) => `${name}=${shorten(value)}`)
    .join(' ');
  const site = `site ${params.idsite ?? '?'}`;
  return [site, `cid ${params.cid ?? '-'}`, requestKind(params).padEnd(8), time, fields].join('  ');
}

function shorten(value: string): string {
  const text = /[\s"]/.test(value) ? JSON.stringify(value) : value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
