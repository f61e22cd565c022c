import { STRIPE_DECIMALS } from '../src/rules/currency.ts';
import { app, shopify } from './handwritten-shops.ts';
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

/**
 * The shipped rules (rules/*.yaml) written by hand in TypeScript: what a developer would code
 * without Taglane. The benchmark checks it produces exactly the compiled rules' requests.
 */
export type HandMapping = (event: unknown, ctx: Ctx) => Mapped;

interface StripeObject {
  id?: string;
  customer?: string | null;
  client_reference_id?: string | null;
  customer_details?: { email?: string | null } | null;
  customer_email?: string | null;
  billing_details?: { email?: string | null } | null;
  payment_status?: string;
  mode?: string;
  currency?: string;
  amount_total?: number;
  amount_subtotal?: number;
  amount_paid?: number;
  amount_refunded?: number;
  billing_reason?: string | null;
  total_details?: { amount_tax?: number; amount_shipping?: number; amount_discount?: number };
  line_items?: {
    data?: {
      description?: string;
      quantity?: number;
      price?: { product?: string; unit_amount?: number; currency?: string };
    }[];
  };
  refunds?: { data?: { reason?: string | null }[] };
}
interface StripeEvent {
  type?: string;
  created?: number;
  data?: { object?: StripeObject };
}

/** Stripe's smallest unit in major units, by the currency's decimals (as `$stripeAmount`). */
const major = (v: number | undefined, currency: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const code = (currency ?? '').toLowerCase();
  const decimals = Object.hasOwn(STRIPE_DECIMALS, code) ? (STRIPE_DECIMALS[code] ?? 2) : 2;
  return decimals === 0 ? v : v / 10 ** decimals;
};

function stripe(raw: unknown, ctx: Ctx): Mapped {
  const e = raw as StripeEvent;
  const o = e.data?.object ?? {};
  const inMajor = (v: number | undefined): number | undefined => major(v, o.currency);
  const out: Mapped = { matched: [], requests: [] };
  const key =
    o.customer || o.customer_details?.email || o.customer_email || o.billing_details?.email || undefined;
  const shared: Shared = { source: 'stripe', site: '1', time: unixSeconds(e.created), key };
  if (e.type === 'checkout.session.completed' && o.payment_status === 'paid') {
    out.matched.push('checkout completed');
    const order: Params = { ec_id: nonBlank(o.id), revenue: money(inMajor(o.amount_total)) };
    setOpt(order, 'ec_st', inMajor(o.amount_subtotal), money);
    setOpt(order, 'ec_tx', inMajor(o.total_details?.amount_tax), money);
    setOpt(order, 'ec_sh', inMajor(o.total_details?.amount_shipping), money);
    setOpt(order, 'ec_dt', inMajor(o.total_details?.amount_discount), money);
    const lines = o.line_items?.data;
    if (lines !== undefined) {
      const items = lines.map((l) => ({
        sku: l.price?.product,
        name: l.description,
        price: major(l.price?.unit_amount, l.price?.currency),
        quantity: l.quantity,
      }));
      order.ec_items = ecItems(items);
    }
    setOpt(order, 'uid', o.client_reference_id, nonBlank);
    order.idgoal = '0';
    push(out, shared, ctx, 'checkout completed', order);
    const event: Params = { e_c: 'Billing', e_a: 'Checkout completed' };
    setOpt(event, 'e_n', o.mode, asText);
    setOpt(event, 'e_v', inMajor(o.amount_total), (v) => String(num(v)));
    setOpt(event, 'uid', o.client_reference_id, nonBlank);
    event.ca = '1';
    push(out, shared, ctx, 'checkout completed', event);
  }
  if (e.type === 'invoice.paid' && (o.amount_paid ?? 0) > 0) {
    out.matched.push('invoice paid');
    const goal: Params = { idgoal: '1', revenue: money(inMajor(o.amount_paid)) };
    setOpt(goal, 'dimension1', o.billing_reason, asText);
    push(out, shared, ctx, 'invoice paid', goal);
  }
  if (e.type === 'charge.refunded') {
    out.matched.push('charge refunded');
    const event: Params = { e_c: 'Billing', e_a: 'Refund' };
    setOpt(event, 'e_n', o.refunds?.data?.[0]?.reason, asText);
    setOpt(event, 'e_v', inMajor(o.amount_refunded), (v) => String(num(v)));
    event.ca = '1';
    push(out, shared, ctx, 'charge refunded', event);
  }
  return out;
}

interface GitHubEvent {
  action?: string;
  starred_at?: string | null;
  forkee?: unknown;
  sender?: { id?: number };
  repository?: { full_name?: string; stargazers_count?: number };
  release?: { tag_name?: string; html_url?: string; prerelease?: boolean };
  issue?: { number?: number; html_url?: string };
}

function github(raw: unknown, ctx: Ctx): Mapped {
  const e = raw as GitHubEvent;
  const out: Mapped = { matched: [], requests: [] };
  const shared: Shared = {
    source: 'github',
    site: '1',
    time: Math.floor(ctx.receivedAt / 1000),
    key: `github:${e.sender?.id}`,
  };
  const repo = e.repository?.full_name;
  const event = (rule: string, action: string, extra: Params = {}): void => {
    out.matched.push(rule);
    push(out, shared, ctx, rule, { e_c: 'GitHub', e_a: action, e_n: nonBlank(repo), ...extra, ca: '1' });
  };
  if (e.action === 'created' && 'starred_at' in e) {
    const extra: Params = {};
    setOpt(extra, 'e_v', e.repository?.stargazers_count, (v) => String(num(v)));
    event('star created', 'Star', extra);
  }
  if (e.action === 'deleted' && 'starred_at' in e) event('star deleted', 'Unstar');
  if (e.action === 'published' && e.release !== undefined) {
    out.matched.push('release published');
    const params: Params = { e_c: 'GitHub', e_a: 'Release published', e_n: `${repo}@${e.release.tag_name}` };
    setOpt(params, 'url', e.release.html_url, asText);
    params.dimension1 = e.release.prerelease ? 'prerelease' : 'release';
    params.ca = '1';
    push(out, shared, ctx, 'release published', params);
  }
  if (e.forkee !== undefined) event('fork', 'Fork');
  if (e.action === 'opened' && e.issue !== undefined) {
    out.matched.push('issue opened');
    const params: Params = { e_c: 'GitHub', e_a: 'Issue opened', e_n: `${repo}#${e.issue.number}` };
    setOpt(params, 'url', e.issue.html_url, asText);
    params.ca = '1';
    push(out, shared, ctx, 'issue opened', params);
  }
  return out;
}

/** The hand-written mapping of each shipped source. */
export const HANDWRITTEN: Readonly<Record<string, HandMapping>> = { stripe, github, shopify, app };
