/**
 * Matomo tracking parameters a rule may set through the `params` escape hatch: the documented
 * ones (reference/matomo-tracking-http-api.txt) that no track type, common field or the batcher
 * owns. Anything else is an error at load time, so a typo never reaches Matomo as a silently
 * ignored parameter.
 */
const ESCAPE_HATCH = [
  // visitor and device
  'res',
  'h',
  'm',
  's',
  'fla',
  'java',
  'dir',
  'qt',
  'realp',
  'pdf',
  'wma',
  'gears',
  'ag',
  'cookie',
  'ua',
  'uadata',
  'lang',
  'new_visit',
  '_cvar',
  'cvar',
  'bots',
  'cs',
  // attribution and page view
  '_rcn',
  '_rck',
  'pv_id',
  // page performance
  'pf_net',
  'pf_srv',
  'pf_tfr',
  'pf_dm1',
  'pf_dm2',
  'pf_onl',
  // need the token, which the batcher sends with every bulk
  'cip',
  'country',
  'region',
  'city',
  'lat',
  'long',
  // Media Analytics
  'ma_id',
  'ma_ti',
  'ma_re',
  'ma_mt',
  'ma_pn',
  'ma_st',
  'ma_le',
  'ma_ps',
  'ma_ttp',
  'ma_w',
  'ma_h',
  'ma_fs',
  'ma_se',
  // QueuedTracking
  'queuedtracking',
];

const ALLOWED: ReadonlySet<string> = new Set(ESCAPE_HATCH);

/** Why each owned parameter cannot be set through `params`. */
const OWNED: Readonly<Record<string, string>> = {
  idsite: 'set by the file\'s "site"',
  rec: 'always 1',
  apiv: 'always 1',
  cdt: 'set from the file\'s "time"',
  cid: 'added by the batcher from the visitor store',
  _id: 'use visitor.browserId',
  token_auth: 'sent by the batcher at the top level of the bulk',
  send_image: 'breaks bulk responses',
  rand: 'not needed for server-side requests',
  url: 'use the "url" field',
  action_name: 'use the "title" field',
  urlref: 'use the "referrer" field',
  uid: 'use the "user" field',
  ca: 'set by the track type',
  ping: 'use the ping track type',
  link: 'use the outlink track type',
  download: 'use the download track type',
};

const TRACK_PARAMS: Readonly<Record<string, string>> = {
  e_c: 'event',
  e_a: 'event',
  e_n: 'event',
  e_v: 'event',
  idgoal: 'goal, order or cart',
  revenue: 'goal, order or cart',
  ec_id: 'order',
  ec_st: 'order',
  ec_tx: 'order',
  ec_sh: 'order',
  ec_dt: 'order',
  ec_items: 'order or cart',
  cra: 'crash',
  cra_st: 'crash',
  cra_ct: 'crash',
  cra_tp: 'crash',
  cra_ru: 'crash',
  cra_rl: 'crash',
  cra_rc: 'crash',
  search: 'search',
  search_cat: 'search',
  search_count: 'search',
  c_n: 'content',
  c_p: 'content',
  c_t: 'content',
  c_i: 'content',
  _pks: 'productview',
  _pkn: 'productview',
  _pkc: 'productview',
  _pkp: 'productview',
};

/** Why `name` cannot be used in `params`, or undefined when it can. */
export function paramProblem(name: string): string | undefined {
  if (ALLOWED.has(name)) return undefined;
  const owned = OWNED[name];
  if (owned) return `parameter "${name}" cannot be set in params: ${owned}`;
  const track = TRACK_PARAMS[name];
  if (track) return `parameter "${name}" cannot be set in params: use the ${track} track type's fields`;
  if (/^dimension\d+$/.test(name)) return `parameter "${name}" cannot be set in params: use dimensions`;
  return `unknown Matomo parameter "${name}"`;
}
