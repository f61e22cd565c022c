import { isIP } from 'node:net';
import {
  asText,
  type Ctx,
  ecItems,
  type Mapped,
  money,
  nonBlank,
  num,
  type Params,
  push,
  type Shared,
  setOpt,
  unixSeconds,
} from './handwritten-support.ts';

interface ShopifyOrder {
  id?: number;
  email?: string;
  created_at?: string;
  total_price?: string;
  subtotal_price?: string;
  total_tax?: string;
  total_discounts?: string;
  referring_site?: string | null;
  source_name?: string;
  customer?: { id?: number } | null;
  note_attributes?: { name?: string; value?: string }[];
  total_shipping_price_set?: { shop_money?: { amount?: string } };
  line_items?: {
    id?: number;
    sku?: string | null;
    variant_id?: number | null;
    product_id?: number | null;
    name?: string;
    product_type?: string | null;
    price?: string;
    quantity?: number;
  }[];
}

const HEX16 = /^[0-9a-fA-F]{16}$/;

/** Hand-written rules/shopify.yaml. */
export function shopify(raw: unknown, ctx: Ctx): Mapped {
  const e = raw as ShopifyOrder;
  const out: Mapped = { matched: [], requests: [] };
  const pk = e.note_attributes?.find((a) => a.name === '_pk_id')?.value?.split('.')[0];
  if (pk !== undefined && pk !== '' && !HEX16.test(pk)) throw new Error(`bad _pk_id ${pk}`);
  const shared: Shared = {
    source: 'shopify',
    site: '1',
    time: unixSeconds(e.created_at),
    key: e.customer?.id ? `shopify:${e.customer.id}` : e.email,
    browserId: pk || undefined,
  };
  if (e.line_items === undefined || e.total_price === undefined) return out;
  out.matched.push('order created');
  const order: Params = { ec_id: nonBlank(String(e.id)), revenue: money(e.total_price) };
  setOpt(order, 'ec_st', e.subtotal_price, money);
  setOpt(order, 'ec_tx', e.total_tax, money);
  setOpt(order, 'ec_sh', e.total_shipping_price_set?.shop_money?.amount, money);
  setOpt(order, 'ec_dt', e.total_discounts, money);
  order.ec_items = ecItems(
    e.line_items.map((l) => ({
      sku: l.sku || String(l.variant_id || l.product_id || l.id),
      name: l.name,
      category: l.product_type,
      price: num(l.price),
      quantity: l.quantity,
    })),
  );
  if (e.referring_site) order.urlref = e.referring_site;
  setOpt(order, 'dimension1', e.source_name, asText);
  order.idgoal = '0';
  push(out, shared, ctx, 'order created', order);
  return out;
}

interface AppEvent {
  type?: string;
  timestamp?: string | number;
  userId?: string;
  anonymousId?: string;
  context?: {
    matomoVisitorId?: string;
    page?: { url?: string };
    ip?: string;
    userAgent?: string;
    locale?: string;
  };
  properties?: Record<string, unknown> & { items?: Record<string, unknown>[] };
}

/** Hand-written rules/app.yaml. */
export function app(raw: unknown, ctx: Ctx): Mapped {
  const e = raw as AppEvent;
  const p = e.properties ?? {};
  const out: Mapped = { matched: [], requests: [] };
  const browserId = e.context?.matomoVisitorId;
  if (browserId !== undefined && !HEX16.test(browserId)) throw new Error(`bad browser id ${browserId}`);
  const shared: Shared = {
    source: 'app',
    site: '1',
    time: e.timestamp === undefined ? Math.floor(ctx.receivedAt / 1000) : unixSeconds(e.timestamp),
    key: e.userId || e.anonymousId,
    browserId,
    anonymousKey: e.anonymousId || undefined,
    device: device(e.context),
  };
  const emit = (rule: string, params: Params): void => {
    setOpt(params, 'uid', e.userId, nonBlank);
    out.matched.push(rule);
    push(out, shared, ctx, rule, params);
  };
  switch (e.type) {
    case 'signup': {
      const params: Params = { idgoal: '2' };
      setOpt(params, 'url', e.context?.page?.url, asText);
      setOpt(params, 'dimension1', p.plan, asText);
      emit('signup', params);
      break;
    }
    case 'page_view': {
      const params: Params = {};
      setOpt(params, 'url', p.url, asText);
      setOpt(params, 'action_name', p.title, asText);
      setOpt(params, 'urlref', p.referrer, asText);
      emit('page view', params);
      break;
    }
    case 'search': {
      const params: Params = { search: nonBlank(p.query) };
      setOpt(params, 'search_cat', p.category, asText);
      setOpt(params, 'search_count', p.results, (v) => String(num(v)));
      setOpt(params, 'url', p.url, asText);
      emit('site search', params);
      break;
    }
    case 'error': {
      const params: Params = { cra: nonBlank(p.message) };
      setOpt(params, 'cra_tp', p.type, asText);
      setOpt(params, 'cra_st', p.stack, asText);
      setOpt(params, 'cra_ct', p.category, asText);
      setOpt(params, 'cra_ru', p.file, asText);
      setOpt(params, 'cra_rl', p.line, (v) => String(num(v)));
      setOpt(params, 'cra_rc', p.column, (v) => String(num(v)));
      setOpt(params, 'url', p.url, asText);
      params.ca = '1';
      emit('error', params);
      break;
    }
    case 'add_to_cart': {
      const params: Params = { revenue: money(p.cart_total) };
      setOpt(params, 'ec_items', p.items, (v) => ecItems(v as Record<string, unknown>[]));
      params.idgoal = '0';
      emit('add to cart', params);
      break;
    }
    default:
      break;
  }
  return out;
}

/** The app rule's device fields: trimmed, blank ones left out, as the engine reads them. */
function device(c: AppEvent['context']): Partial<Record<'cip' | 'ua' | 'lang', string>> {
  const out: Partial<Record<'cip' | 'ua' | 'lang', string>> = {};
  const ip = c?.ip?.trim();
  const ua = c?.userAgent?.trim();
  const lang = c?.locale?.trim();
  if (ip) {
    if (isIP(ip) === 0) throw new Error(`bad ip ${ip}`);
    out.cip = ip;
  }
  if (ua) out.ua = ua;
  if (lang) out.lang = lang;
  return out;
}
