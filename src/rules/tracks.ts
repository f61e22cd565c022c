import { type Coerce, integer, money, nonBlank, numeric, text, url } from './coerce.ts';
import { FieldError } from './errors.ts';
import { ecItems } from './items.ts';
import type { TrackType } from './schema-tracks.ts';

/** How one rule field becomes one Matomo parameter. */
export interface FieldSpec {
  /** The key in the rule file. */
  readonly key: string;
  /** The Matomo parameter it produces. */
  readonly param: string;
  readonly coerce: Coerce;
  /** A required field that produces nothing is an error, not an omitted parameter. */
  readonly required: boolean;
  /**
   * What a value Matomo cannot use does: `refuse` the event (422), or `drop` the parameter
   * with a warning on the request (optional fields, so one bad referrer does not lose an order).
   */
  readonly invalid: 'refuse' | 'drop';
}

/** What a track type produces: constant parameters and one parameter per field. */
export interface TrackSpec {
  readonly fixed: Readonly<Record<string, string>>;
  readonly fields: readonly FieldSpec[];
  /** Matomo recommends `url` = the link for outlinks and downloads; copied when `url` is unset. */
  readonly urlFrom?: string;
}

const req = (key: string, param: string, coerce: Coerce): FieldSpec => ({
  key,
  param,
  coerce,
  required: true,
  invalid: 'refuse',
});
const opt = (key: string, param: string, coerce: Coerce): FieldSpec => ({
  key,
  param,
  coerce,
  required: false,
  invalid: 'drop',
});
/**
 * Optional, but refused when invalid: `ec_items` replaces the visit's cart, so dropping the list
 * for one bad item would empty the cart or strip the order's products without a word.
 */
const items = (): FieldSpec => ({ ...opt('items', 'ec_items', ecItems), invalid: 'refuse' });

/** Fields every track type accepts (besides `dimensions` and `params`). */
export const COMMON_FIELDS: readonly FieldSpec[] = [
  opt('url', 'url', url),
  opt('title', 'action_name', text),
  opt('referrer', 'urlref', url),
  // `uid` decides whose the event is (and Matomo's visitor id): never dropped, like visitor.key.
  { ...opt('user', 'uid', nonBlank), invalid: 'refuse' },
];

/**
 * The Matomo parameters of each track type, as in reference/matomo-server-behaviour.md. The
 * switch is exhaustive: a new track type does not compile until it says what it produces.
 */
export function trackSpec(type: TrackType): TrackSpec {
  switch (type) {
    case 'pageview':
      return { fixed: {}, fields: [] };
    case 'event':
      // ca=1: without it an event missing e_c/e_a silently becomes a page view.
      return {
        fixed: { ca: '1' },
        fields: [
          req('category', 'e_c', nonBlank),
          req('action', 'e_a', nonBlank),
          opt('name', 'e_n', text),
          opt('value', 'e_v', numeric),
        ],
      };
    case 'goal':
      return { fixed: {}, fields: [req('id', 'idgoal', integer(1)), opt('revenue', 'revenue', money)] };
    case 'order':
      return {
        fixed: { idgoal: '0' },
        fields: [
          req('id', 'ec_id', nonBlank),
          req('revenue', 'revenue', money),
          opt('subtotal', 'ec_st', money),
          opt('tax', 'ec_tx', money),
          opt('shipping', 'ec_sh', money),
          opt('discount', 'ec_dt', money),
          items(),
        ],
      };
    case 'cart':
      return {
        fixed: { idgoal: '0' },
        fields: [req('revenue', 'revenue', money), items()],
      };
    case 'crash':
      return {
        fixed: { ca: '1' },
        fields: [
          req('message', 'cra', nonBlank),
          opt('stack', 'cra_st', text),
          opt('category', 'cra_ct', text),
          opt('type', 'cra_tp', text),
          opt('file', 'cra_ru', text),
          opt('line', 'cra_rl', integer(0)),
          opt('column', 'cra_rc', integer(0)),
        ],
      };
    case 'search':
      return {
        fixed: {},
        fields: [
          req('keyword', 'search', nonBlank),
          opt('category', 'search_cat', text),
          opt('count', 'search_count', integer(0)),
        ],
      };
    case 'content':
      return {
        fixed: {},
        fields: [
          req('name', 'c_n', nonBlank),
          opt('piece', 'c_p', text),
          opt('target', 'c_t', text),
          opt('interaction', 'c_i', text),
        ],
      };
    case 'outlink':
      return { fixed: {}, fields: [req('link', 'link', url)], urlFrom: 'link' };
    case 'download':
      return { fixed: {}, fields: [req('link', 'download', url)], urlFrom: 'download' };
    case 'ping':
      // Never with ca=1: Matomo aborts the whole bulk on that combination.
      return { fixed: { ping: '1' }, fields: [] };
    case 'productview':
      // A page view carrying the product, as matomo.js's setEcommerceView sends it.
      return {
        fixed: {},
        fields: [
          req('sku', '_pks', nonBlank),
          opt('name', '_pkn', text),
          opt('category', '_pkc', productCategory),
          opt('price', '_pkp', money),
        ],
      };
    default:
      return assertNever(type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled track type ${String(value)}`);
}

/** `_pkc`: one category as text, or up to five as the JSON array matomo.js sends. */
const productCategory: Coerce = (raw) => {
  if (!Array.isArray(raw)) return text(raw);
  if (raw.length < 1 || raw.length > 5) throw new FieldError('expected 1 to 5 categories', raw);
  return JSON.stringify(raw.map((c) => nonBlank(c)));
};

/** `dimensionN` from a `dimensions:` key. */
export function dimensionSpec(id: string): FieldSpec {
  return opt(id, `dimension${id}`, text);
}
