import {
  APP,
  appEvent,
  badMedia,
  badShape,
  HOSTILE,
  hostileEvent,
  JSON_TYPE,
  json,
  make,
  notAllowed,
  notFound,
  ok,
  ruleFailed,
  STRIPE,
  type Target,
  text,
  unauthorized,
} from './build.ts';
import type { HostileCase } from './cases.ts';

/** `__proto__`, `constructor` and friends as keys and values: no pollution, no special path. */
export function prototypeCases(): HostileCase[] {
  const event = JSON.stringify(appEvent());
  const withKey = (key: string, value: string): string => `${event.slice(0, -1)},"${key}":${value}}`;
  const cases: [string, Target, string, HostileCase['expect']][] = [
    ['top-level __proto__ object', APP, withKey('__proto__', '{"type":"signup","polluted":true}'), ok],
    ['top-level __proto__ null', APP, withKey('__proto__', 'null'), ok],
    ['top-level __proto__ array', APP, withKey('__proto__', '[1,2,3]'), ok],
    ['constructor prototype', APP, withKey('constructor', '{"prototype":{"polluted":true}}'), ok],
    [
      'properties __proto__ url',
      APP,
      event.replace('"properties":{', '"properties":{"__proto__":{"url":"https://evil.example/"},'),
      ok,
    ],
    [
      'nested __proto__ in context',
      APP,
      withKey('context', '{"__proto__":{"matomoVisitorId":"ffffffffffffffff"}}'),
      ok,
    ],
    ['type __proto__', APP, JSON.stringify(appEvent({ type: '__proto__' })), ok],
    ['type constructor', APP, JSON.stringify(appEvent({ type: 'constructor' })), ok],
    ['type toString', APP, JSON.stringify(appEvent({ type: 'toString' })), ok],
    ['type hasOwnProperty', APP, JSON.stringify(appEvent({ type: 'hasOwnProperty' })), ok],
    ['visitor key __proto__', APP, JSON.stringify(appEvent({ anonymousId: '__proto__' })), ok],
    ['visitor key constructor', APP, JSON.stringify(appEvent({ anonymousId: 'constructor' })), ok],
    [
      'category __proto__',
      HOSTILE,
      JSON.stringify(hostileEvent({ category: '__proto__', action: 'constructor' })),
      ok,
    ],
    [
      'hostile __proto__ key',
      HOSTILE,
      `${JSON.stringify(hostileEvent()).slice(0, -1)},"__proto__":{"kind":"page"}}`,
      ok,
    ],
    ['array of __proto__ objects', APP, '[{"__proto__":[]},{"__proto__":{}}]', ok],
    [
      'item sku only in __proto__',
      APP,
      JSON.stringify(
        appEvent({
          type: 'add_to_cart',
          userId: 'u1',
          properties: { cart_total: 1, items: [{ name: 'n', price: 1, quantity: 1 }] },
        }),
      ).replace('[{"name"', '[{"__proto__":{"sku":"X"},"name"'),
      ruleFailed,
    ],
    [
      'event id object',
      APP,
      JSON.stringify(appEvent()).replace('"id":"evt_hostile_1"', '"id":{"__proto__":"x"}'),
      ruleFailed,
    ],
    [
      'stripe __proto__ data',
      STRIPE,
      '{"id":"evt_p","type":"checkout.session.completed","__proto__":{"data":{"object":{"payment_status":"paid"}}}}',
      ok,
    ],
  ];
  const out = cases.map(([name, target, body, expect]) =>
    make('prototype-keys', name, `prototype key or value: ${name}`, target, text(body), expect),
  );
  for (const source of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    out.push(
      make(
        'prototype-keys',
        `query source ${source}`,
        `POST /events?source=${source}`,
        { path: '/events', query: { source }, auth: 'app' },
        text(event),
        notFound('unknown-source'),
      ),
      make(
        'prototype-keys',
        `webhook ${source}`,
        `POST /webhooks/${source}`,
        { path: `/webhooks/${source}`, auth: 'none' },
        text(event),
        notFound('unknown-source'),
      ),
    );
  }
  return out;
}

/** Valid JSON of the wrong shape or with fields of the wrong type. */
export function wrongTypeCases(): HostileCase[] {
  const top: [string, string][] = [
    ['string', '"page_view"'],
    ['number', '42'],
    ['null', 'null'],
    ['true', 'true'],
    ['empty array', '[]'],
    ['array of numbers', '[1,2]'],
    ['array with null', '[null]'],
    ['array of arrays', '[[]]'],
    ['array of strings', '["a"]'],
    ['event then string', `[${JSON.stringify(appEvent())},"x"]`],
  ];
  const cases = top.map(([name, body]) =>
    make('wrong-types', `top-level ${name}`, `the body is ${name}`, APP, text(body), badShape),
  );
  cases.push(
    make(
      'wrong-types',
      'stripe array',
      'a signed Stripe webhook that is an array',
      STRIPE,
      text('[{"id":"evt_1"}]'),
      badShape,
    ),
    make(
      'wrong-types',
      'stripe string',
      'a signed Stripe webhook that is a string',
      STRIPE,
      text('"evt_1"'),
      badShape,
    ),
  );
  const app: [string, Record<string, unknown>, HostileCase['expect']][] = [
    ['properties string', { properties: 'https://www.example.com/' }, ok],
    ['properties null', { properties: null }, ok],
    ['properties array', { properties: [] }, ok],
    ['timestamp object', { timestamp: {} }, ruleFailed],
    ['timestamp array', { timestamp: [1789999000] }, ruleFailed],
    ['timestamp boolean', { timestamp: true }, ruleFailed],
    ['timestamp negative', { timestamp: -1 }, ruleFailed],
    ['timestamp words', { timestamp: 'yesterday' }, ruleFailed],
    ['user id object', { type: 'signup', userId: { id: 1 } }, ruleFailed],
    ['user id array', { type: 'signup', userId: ['u'] }, ruleFailed],
    // Without a visitor key the event becomes its own visitor (`app:<event id>`), by design.
    ['no visitor', { anonymousId: undefined }, ok],
    [
      'cart total words',
      { type: 'add_to_cart', userId: 'u1', properties: { cart_total: 'abc', items: [] } },
      ruleFailed,
    ],
    [
      'cart items string',
      { type: 'add_to_cart', userId: 'u1', properties: { cart_total: 1, items: 'SKU-1' } },
      ruleFailed,
    ],
    [
      'cart items numbers',
      { type: 'add_to_cart', userId: 'u1', properties: { cart_total: 1, items: [1, 2] } },
      ruleFailed,
    ],
    // An optional value Matomo cannot use is dropped with a warning; the event is kept.
    ['search count words', { type: 'search', userId: 'u1', properties: { query: 'q', results: 'many' } }, ok],
  ];
  for (const [name, extra, expect] of app) {
    cases.push(make('wrong-types', name, `app event with ${name}`, APP, json(appEvent(extra)), expect));
  }
  const hostile: [string, Record<string, unknown>, HostileCase['expect']][] = [
    // `value` is optional: dropped with a warning, the event is kept.
    ['value words', { value: 'abc' }, ok],
    ['value object', { value: {} }, ok],
    ['value array', { value: [1, 2] }, ok],
    ['value boolean', { value: true }, ok],
    ['category null', { category: null }, ruleFailed],
    ['category empty', { category: '' }, ruleFailed],
    ['category blanks', { category: '   ' }, ruleFailed],
    ['category object', { category: { a: 1 } }, ruleFailed],
    ['action array', { action: ['a', 'b'] }, ruleFailed],
    ['kind number', { kind: 1 }, ok],
  ];
  for (const [name, extra, expect] of hostile) {
    cases.push(
      make('wrong-types', name, `hostile event with ${name}`, HOSTILE, json(hostileEvent(extra)), expect),
    );
  }
  return cases;
}

/** Media types, control characters and broken credentials in headers. */
export function headerCases(): HostileCase[] {
  const body = text(JSON.stringify(appEvent()));
  const type = (name: string, value: string | undefined, expect: HostileCase['expect']): HostileCase =>
    make(
      'headers',
      `content-type ${name}`,
      `Content-Type ${JSON.stringify(value ?? null)}`,
      APP,
      body,
      expect,
      value === undefined ? {} : { 'content-type': value },
    );
  const noAuth = { ...APP, auth: 'none' as const };
  const key = (name: string, headers: Record<string, string>, expect = unauthorized): HostileCase =>
    make('headers', name, `credentials: ${name}`, noAuth, body, expect, { ...JSON_TYPE, ...headers });
  const stripeBody = text('{"id":"evt_sig","type":"x"}');
  const sig = (name: string, value: string): HostileCase =>
    make(
      'headers',
      `stripe signature ${name}`,
      `Stripe-Signature ${name}`,
      { ...STRIPE, auth: 'none' },
      stripeBody,
      unauthorized,
      { ...JSON_TYPE, 'stripe-signature': value },
    );
  return [
    type('missing', undefined, badMedia),
    type('empty', '', badMedia),
    type('text plain', 'text/plain', badMedia),
    type('form', 'application/x-www-form-urlencoded', badMedia),
    type('multipart', 'multipart/form-data; boundary=x', badMedia),
    type('NUL suffix', 'application/json\u0000', badMedia),
    type('CRLF injection', 'application/json\r\nx-injected: 1', badMedia),
    type('jsonx', 'application/jsonx', badMedia),
    type('space inside', 'application/ json', badMedia),
    type('bell', '\u0007application/json', badMedia),
    type('upper case', 'APPLICATION/JSON', ok),
    type('vendor json', 'application/vnd.api+json', ok),
    type('padded', ' application/json ', ok),
    type('charset utf-16 declared', 'application/json; charset=utf-16', ok),
    type('2k parameters', `application/json${'; a=b'.repeat(2_000)}`, ok),
    key('no key', {}),
    key('empty key', { 'x-api-key': '' }),
    key('wrong key', { 'x-api-key': 'key_wrong' }),
    key('NUL in key', { 'x-api-key': 'key_\u0000' }),
    key('10k key', { 'x-api-key': 'k'.repeat(10_000) }),
    key('cyrillic key', { 'x-api-key': 'ключ' }),
    key('bearer without key', { authorization: 'Bearer' }),
    key('basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }),
    key('bearer two words', { authorization: 'Bearer a b' }),
    key('bearer CRLF', { authorization: 'Bearer x\r\nx-api-key: y' }),
    sig('missing', ''),
    sig('no timestamp', 'v1=00'),
    sig('timestamp words', 't=abc,v1=00'),
    sig('control characters', 't=1790000000,\u0000v1=\u0007'),
    sig('12k', `t=1790000000,${'v1=00,'.repeat(2_000)}`),
    sig('only commas', ',,,,'),
  ];
}

/** Event names from every corner of Unicode, through a rule into Matomo's fields. */
export function unicodeCases(): HostileCase[] {
  const names: [string, string, HostileCase['expect']][] = [
    ['emoji', '🛒 Checkout', ok],
    ['zwj family', '👨‍👩‍👧‍👦', ok],
    ['rtl override', '\u202Eevil\u202C', ok],
    ['combining acute', 'Cafe\u0301', ok],
    ['zalgo', `Z${'\u0336\u0337\u0338'.repeat(300)}`, ok],
    ['cyrillic homoglyph', 'Сheckout', ok],
    ['cjk', '購入完了', ok],
    ['arabic', 'شراء', ok],
    ['line separator', 'a\u2028b\u2029c', ok],
    ['next line', 'a\u0085b', ok],
    ['escaped NUL', 'a\u0000b', ok],
    ['bell and escape', '\u0007\u001b[31mred', ok],
    ['zero width space only', '\u200b', ok],
    ['ideographic space only', '\u3000', ruleFailed],
    ['no-break space only', '\u00a0', ruleFailed],
    ['lone high surrogate', 'a\ud800b', ok],
    ['lone low surrogate', 'a\udc00b', ok],
    ['reversed surrogates', '\udc00\ud800', ok],
    ['noncharacter ffff', 'a\uffffb', ok],
    ['noncharacter fffe', '\ufffe', ok],
    ['noncharacter fdd0', '\ufdd0', ok],
    ['max code point', '\u{10FFFF}', ok],
    ['bom inside', '\ufeffCategory', ok],
    ['1000 emoji', '😀'.repeat(1000), ok],
    ['tabs and newlines', 'a\tb\nc\rd', ok],
    ['query injection', 'x&idsite=999&cid=ffffffffffffffff&token_auth=stolen', ok],
    ['percent sequences', '%00%0d%0a%ZZ', ok],
    ['html', '<script>alert(1)</script>', ok],
    ['mixed direction', 'abc\u05d0\u05d1\u05d2def', ok],
  ];
  const cases = names.map(([name, value, expect]) =>
    make(
      'unicode-names',
      name,
      `event category, action and name: ${name}`,
      HOSTILE,
      json(hostileEvent({ category: value, action: value, name: value })),
      expect,
    ),
  );
  cases.push(
    make(
      'unicode-names',
      'bom before body',
      'a UTF-8 byte order mark before the JSON',
      APP,
      text(`\ufeff${JSON.stringify(appEvent())}`),
      ok,
    ),
    make(
      'unicode-names',
      'unicode url and title',
      'a page view with IDN URL and emoji title',
      APP,
      json(appEvent({ properties: { url: 'https://例え.テスト/パス?q=😀', title: '🛒\u202E' } })),
      ok,
    ),
  );
  return cases;
}

/** Paths, methods and query strings that lead nowhere. */
export function routingCases(): HostileCase[] {
  const body = text(JSON.stringify(appEvent()));
  const at = (name: string, target: Target, expect: HostileCase['expect']): HostileCase =>
    make('routing', name, `${target.method ?? 'POST'} ${target.path}`, target, body, expect);
  return [
    at('get events', { path: '/events', method: 'GET', query: { source: 'app' }, auth: 'app' }, notAllowed),
    at('put stripe', { path: '/webhooks/stripe', method: 'PUT', auth: 'none' }, notAllowed),
    at('delete health', { path: '/health', method: 'DELETE', auth: 'none' }, notAllowed),
    at('made-up method', { path: '/events', method: 'FOO', auth: 'none' }, notAllowed),
    at('trailing slash', { path: '/events/', query: { source: 'app' }, auth: 'app' }, ok),
    at('webhooks root', { path: '/webhooks/', auth: 'none' }, notFound('no-route')),
    at('webhook extra segment', { path: '/webhooks/stripe/extra', auth: 'none' }, notFound('no-route')),
    at(
      'encoded traversal',
      { path: '/webhooks/..%2F..%2Fetc%2Fpasswd', auth: 'none' },
      notFound('unknown-source'),
    ),
    at('encoded NUL', { path: '/webhooks/%00', auth: 'none' }, notFound('unknown-source')),
    at('broken percent', { path: '/webhooks/%E0%A4%A', auth: 'none' }, notFound('unknown-source')),
    at('double slash', { path: '//events', auth: 'none' }, notFound('no-route')),
    at('upper case path', { path: '/EVENTS', auth: 'none' }, notFound('no-route')),
    at('empty source', { path: '/events', query: { source: '' }, auth: 'app' }, notFound('unknown-source')),
    at(
      'webhook source as event',
      { path: '/events', query: { source: 'stripe' }, auth: 'app' },
      notFound('unknown-source'),
    ),
    at('event source as webhook', { path: '/webhooks/app', auth: 'none' }, notFound('unknown-source')),
    at('10k path', { path: `/webhooks/${'a'.repeat(10_000)}`, auth: 'none' }, notFound('unknown-source')),
    at('emoji source', { path: '/webhooks/%F0%9F%9B%92', auth: 'none' }, notFound('unknown-source')),
  ];
}
