/**
 * A day of shuffled traffic for nine people, as the conformance suite sends it through
 * `taglane serve` into a real Matomo: app events (anonymous, identified, both), Stripe, GitHub
 * and Shopify webhooks, a crash, an event older than 24 hours and a burst that arrives out of
 * time order. Each event says whose visit it must land in and what Matomo must show for it.
 */

/** How the suite sends an event. */
export type Send =
  | { readonly via: 'app' | 'conformance'; readonly body: unknown }
  | { readonly via: 'stripe'; readonly body: unknown }
  | { readonly via: 'github'; readonly event: string; readonly body: unknown }
  | { readonly via: 'shopify'; readonly topic: string; readonly body: unknown };

/** An action Matomo must list in the visit (Live API `actionDetails`), in time order. */
export interface ExpectedAction {
  readonly type: 'action' | 'search' | 'event' | 'goal' | 'ecommerceOrder' | 'content';
  /**
   * What identifies it among the visit's actions: a page URL, a search keyword, an event's
   * `action:name`, a goal id, an order id or a content name.
   */
  readonly mark: string;
  readonly at: number;
  /** For an order: its revenue and item SKUs as Matomo must store them. */
  readonly order?: { readonly revenue: number; readonly skus: readonly string[] };
}

/** One event of the day. */
export interface DayEvent {
  /** The visit it must land in (a person, or a person's second visit). */
  readonly visit: string;
  readonly at: number;
  readonly send: Send;
  /** What Matomo records for it; none for a request that is dead-lettered. */
  readonly actions: readonly ExpectedAction[];
  /** Sent after the whole shuffled day (a late delivery). */
  readonly late?: boolean;
  /** The rule has no event time: Matomo records the time received, not `at`. */
  readonly receivedTime?: boolean;
}

/** A visit as the suite expects to find it. */
export interface ExpectedVisit {
  readonly name: string;
  readonly userId: string | null;
  readonly firstAction: number;
  readonly lastAction: number;
  readonly actions: readonly ExpectedAction[];
  /** Visit-scope dimension 1, when an event sets it. */
  readonly dimension1?: string;
  /** Times are the times received (checked to lie within the run). */
  readonly receivedTime: boolean;
}

/** Everything the day needs to know about the run. */
export interface DayContext {
  /** Unix seconds: the day's traffic happens in the three hours before it. */
  readonly now: number;
  /** A prefix unique to the run, so ids never collide with an earlier run's. */
  readonly run: string;
}

const SHOP = 'https://shop.example.com';

function page(
  ctx: DayContext,
  visit: string,
  at: number,
  path: string,
  person: Record<string, unknown>,
): DayEvent {
  const url = `${SHOP}/${ctx.run}/${visit}/${path}`;
  return {
    visit,
    at,
    send: {
      via: 'app',
      body: {
        id: `${ctx.run}-${visit}-${path}`,
        type: 'page_view',
        timestamp: at,
        ...person,
        properties: { url, title: `${visit} ${path}` },
      },
    },
    actions: [{ type: 'action', mark: url, at }],
  };
}

/** The events of the day, each person's in time order (the suite shuffles them across people). */
export function dayOfTraffic(ctx: DayContext): DayEvent[] {
  const t = ctx.now - 3 * 3600;
  const id = (name: string) => `${ctx.run}-${name}`;
  const ana = { userId: id('ana'), context: { ip: '198.51.100.10', userAgent: FIREFOX, locale: 'de-DE' } };
  const ben = { anonymousId: id('anon-ben') };
  const benKnown = { userId: id('ben'), anonymousId: id('anon-ben') };
  const cleo = { anonymousId: id('anon-cleo') };
  const eveBrowser = '0e0e0e0e0e0e0e0e';
  const eve = { anonymousId: id('anon-eve'), context: { matomoVisitorId: eveBrowser } };
  const finn = { userId: id('finn') };
  const gus = { userId: id('gus') };
  const anaOrder = `cs_${id('ana-order')}`;
  const eveOrder = Number.parseInt(ctx.run.replace(/\D/g, '').slice(-9) || '1', 10) * 10 + 7;
  return [
    // Ana: identified in the app with her own device, then pays through Stripe (client_reference_id).
    page(ctx, 'ana', t, 'home', ana),
    {
      visit: 'ana',
      at: t + 60,
      send: {
        via: 'app',
        body: {
          id: id('ana-search'),
          type: 'search',
          timestamp: t + 60,
          ...ana,
          properties: { query: `${ctx.run} boots`, results: 3, url: `${SHOP}/${ctx.run}/search` },
        },
      },
      actions: [{ type: 'search', mark: `${ctx.run} boots`, at: t + 60 }],
    },
    {
      visit: 'ana',
      at: t + 120,
      send: {
        via: 'app',
        body: {
          id: id('ana-cart'),
          type: 'add_to_cart',
          timestamp: t + 120,
          ...ana,
          properties: {
            cart_total: 120,
            items: [{ sku: 'BOOT-1', name: 'Boot', category: 'Shoes', price: 120, quantity: 1 }],
          },
        },
      },
      actions: [],
    },
    {
      visit: 'ana',
      at: t + 180,
      send: { via: 'stripe', body: stripeCheckout(anaOrder, `cus_${id('ana')}`, id('ana'), t + 180) },
      actions: [
        { type: 'ecommerceOrder', mark: anaOrder, at: t + 180, order: { revenue: 120, skus: [] } },
        { type: 'event', mark: 'Checkout completed:payment', at: t + 180 },
      ],
    },
    // Ben: anonymous, signs up (anonymous id + user id), more anonymous events before and after,
    // one of the earlier ones delivered only after the signup.
    page(ctx, 'ben', t + 10, 'landing', ben),
    page(ctx, 'ben', t + 70, 'pricing', ben),
    { ...page(ctx, 'ben', t + 100, 'features', ben), late: true },
    {
      visit: 'ben',
      at: t + 130,
      send: {
        via: 'app',
        body: {
          id: id('ben-signup'),
          type: 'signup',
          timestamp: t + 130,
          ...benKnown,
          properties: { plan: 'pro' },
          context: { page: { url: `${SHOP}/${ctx.run}/signup` } },
        },
      },
      actions: [{ type: 'goal', mark: '2', at: t + 130 }],
    },
    page(ctx, 'ben', t + 190, 'welcome', ben),
    { ...page(ctx, 'ben', t + 250, 'docs', ben), late: true },
    // Cleo: anonymous only, active at the same time as Ben.
    page(ctx, 'cleo', t + 20, 'home', cleo),
    page(ctx, 'cleo', t + 140, 'sale', cleo),
    // Dev: only ever seen through GitHub webhooks.
    github(ctx, 'dev', t + 30, 'star', 'created', 4_242),
    github(ctx, 'dev', t + 90, 'fork', undefined, 4_242),
    // Eve: browses anonymously with her browser id, then orders as a guest on Shopify, whose
    // cart attribute carries the same _pk_id.
    page(ctx, 'eve', t + 40, 'product', eve),
    {
      visit: 'eve',
      at: t + 200,
      send: {
        via: 'shopify',
        topic: 'orders/create',
        body: shopifyOrder(eveOrder, `${eveBrowser}.1700000000.`, t + 200),
      },
      actions: [
        {
          type: 'ecommerceOrder',
          mark: String(eveOrder),
          at: t + 200,
          order: { revenue: 45, skus: ['SCARF-1'] },
        },
      ],
    },
    // Finn: a crash (this Matomo has no Crash Analytics plugin: it is dead-lettered, nothing
    // else is lost), content and an event with a dimension.
    page(ctx, 'finn', t + 50, 'account', finn),
    {
      visit: 'finn',
      at: t + 55,
      send: {
        via: 'app',
        body: {
          id: id('finn-crash'),
          type: 'error',
          timestamp: t + 55,
          ...finn,
          properties: { message: 'TypeError: x is undefined', type: 'TypeError' },
        },
      },
      actions: [],
    },
    {
      visit: 'finn',
      at: t + 65,
      send: {
        via: 'conformance',
        body: {
          id: id('finn-banner'),
          type: 'banner',
          timestamp: t + 65,
          ...finn,
          banner: `${ctx.run} spring sale`,
        },
      },
      actions: [{ type: 'content', mark: `${ctx.run} spring sale`, at: t + 65 }],
    },
    {
      visit: 'finn',
      at: t + 75,
      send: {
        via: 'conformance',
        body: { id: id('finn-tier'), type: 'tier', timestamp: t + 75, ...finn, tier: 'gold' },
      },
      actions: [{ type: 'event', mark: 'Tier:gold', at: t + 75 }],
    },
    // Gus: an event 30 hours old (needs the token) and one now: two visits on two days.
    page(ctx, 'gus-yesterday', ctx.now - 30 * 3600, 'old', gus),
    page(ctx, 'gus', t + 300, 'back', gus),
  ];
}

/**
 * A burst for Hana, 2 s apart and newest first, sent right before the check: with the reorder
 * window the batcher still delivers it in time order (without it, the first batch starts the
 * visit at the newest).
 */
export function lateBurst(ctx: DayContext, now: number): DayEvent[] {
  const hana = { userId: `${ctx.run}-hana` };
  return [8, 6, 4, 2].map((ago, i) => page(ctx, 'hana', now - ago, `step-${i}`, hana)).reverse();
}

/** What the suite knows about each visit beyond its events: its user id and dimension 1. */
export type VisitFacts = Readonly<
  Record<string, { readonly userId: string | null; readonly dimension1?: string }>
>;

/** The visits the day must produce, from the events' own expectations. */
export function expectedVisits(events: readonly DayEvent[], facts: VisitFacts): ExpectedVisit[] {
  const byVisit = new Map<string, DayEvent[]>();
  for (const e of events) byVisit.set(e.visit, [...(byVisit.get(e.visit) ?? []), e]);
  return [...byVisit].map(([name, list]) => {
    // A stable sort: actions of one event at one time keep the rule's track order.
    const actions = list.flatMap((e) => e.actions).sort((a, b) => a.at - b.at);
    // The crash never reaches Matomo (it is dead-lettered), so it does not move the visit's times.
    const times = list.filter((e) => !isCrash(e)).map((e) => e.at);
    const fact = facts[name];
    return {
      name,
      userId: fact?.userId ?? null,
      firstAction: Math.min(...times),
      lastAction: Math.max(...times),
      actions,
      receivedTime: list.some((e) => e.receivedTime === true),
      ...(fact?.dimension1 === undefined ? {} : { dimension1: fact.dimension1 }),
    };
  });
}

function isCrash(e: DayEvent): boolean {
  return (e.send.body as { type?: string }).type === 'error';
}

function github(
  ctx: DayContext,
  visit: string,
  at: number,
  event: string,
  action: string | undefined,
  sender: number,
): DayEvent {
  const repo = `${ctx.run}/widgets`;
  const body = {
    ...(action === undefined ? {} : { action }),
    ...(event === 'star' ? { starred_at: new Date(at * 1000).toISOString() } : {}),
    ...(event === 'fork'
      ? {
          forkee: {
            id: at,
            full_name: `someone/${ctx.run}-widgets`,
            created_at: new Date(at * 1000).toISOString(),
          },
        }
      : {}),
    repository: { id: 1, full_name: repo, html_url: `https://github.com/${repo}` },
    sender: { id: sender, login: `${ctx.run}-dev` },
  };
  return {
    visit,
    at,
    send: { via: 'github', event, body },
    actions: [{ type: 'event', mark: `${event === 'star' ? 'Star' : 'Fork'}:${repo}`, at }],
    receivedTime: true,
  };
}

function stripeCheckout(session: string, customer: string, user: string, at: number): unknown {
  return {
    id: `evt_${session}`,
    object: 'event',
    type: 'checkout.session.completed',
    created: at,
    data: {
      object: {
        id: session,
        object: 'checkout.session',
        customer,
        client_reference_id: user,
        mode: 'payment',
        payment_status: 'paid',
        currency: 'eur',
        amount_total: 12_000,
        amount_subtotal: 12_000,
        total_details: { amount_tax: 0, amount_shipping: 0, amount_discount: 0 },
      },
    },
  };
}

function shopifyOrder(id: number, pkId: string, at: number): unknown {
  return {
    id,
    email: `eve-${id}@example.com`,
    created_at: new Date(at * 1000).toISOString(),
    total_price: '45.00',
    subtotal_price: '45.00',
    total_tax: '0.00',
    total_discounts: '0.00',
    total_shipping_price_set: { shop_money: { amount: '0.00' } },
    source_name: 'web',
    note_attributes: [{ name: '_pk_id', value: pkId }],
    line_items: [
      {
        sku: 'SCARF-1',
        name: 'Scarf',
        product_type: 'Accessories',
        price: '45.00',
        quantity: 1,
        variant_id: 1,
      },
    ],
  };
}

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
