import { describe, expect, it } from 'vitest';
import { parseDestinationsFile, resolveDestinations } from '../../../src/destinations/index.ts';
import { compileRuleSet, requestId } from '../../../src/rules/index.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { CTX, compileOne, HEADER } from './helpers.ts';

const EU_CATALOG = resolveDestinations(
  parseDestinationsFile('destinations.yaml', 'destinations:\n  eu: { url: https://eu.matomo.acme.test }\n'),
  undefined,
).catalog;

const FILE = `${HEADER}time: '{% at %}'
visitor: { key: '{% customer %}', browserId: '{% pk %}' }
rules:
  - name: paid
    when: '{% type = "paid" %}'
    track:
      - goal: { id: 1, revenue: '{% amount %}' }
      - event: { category: Billing, action: Paid }
  - name: any billing
    when: '{% $contains(type, "paid") %}'
    track:
      - event: { category: Billing, action: '{% type %}' }
  - name: signup
    when: '{% type = "signup" %}'
    track:
      - pageview: { user: '{% user %}' }
`;

describe('CompiledSource.map', () => {
  const source = compileOne(FILE);

  it('fans out: every matching rule produces its requests, in rule and track order', async () => {
    const result = await source.map({ type: 'paid', amount: 9, at: 1714564800, customer: 'cus_1' }, CTX);
    expect(result.matched).toEqual(['paid', 'any billing']);
    expect(result.requests.map((r) => [r.rule, r.index, r.params.idgoal ?? r.params.e_a])).toEqual([
      ['paid', 0, '1'],
      ['paid', 1, 'Paid'],
      ['any billing', 2, 'paid'],
    ]);
  });

  it('produces valid queued requests carrying site, time, visitor and receipt', async () => {
    const result = await source.map(
      { type: 'paid', amount: 9, at: '2024-05-01T10:00:00Z', customer: 'cus_1', pk: '0123456789abcdef' },
      CTX,
    );
    for (const request of result.requests) {
      expect(QueuedRequestSchema.parse(request)).toEqual(request);
      expect(request).toMatchObject({
        source: 'app',
        eventId: 'evt_1',
        destination: 'default',
        time: 1714557600,
        receivedAt: CTX.receivedAt,
        visitor: { key: 'cus_1', browserId: '0123456789abcdef' },
      });
      expect(request.params.cdt).toBe('1714557600');
      expect(request.params.cid).toBeUndefined();
      expect(request.params.token_auth).toBeUndefined();
    }
  });

  it('reports an event that matches no rule as ignored, with no requests', async () => {
    expect(await source.map({ type: 'refund' }, CTX)).toEqual({ matched: [], requests: [] });
  });

  it('gives deterministic request ids from source, event id, rule and index', async () => {
    const event = { type: 'paid', amount: 1, customer: 'c' };
    const first = await source.map(event, CTX);
    const again = await source.map(event, { ...CTX, receivedAt: CTX.receivedAt + 5000 });
    expect(again.requests.map((r) => r.id)).toEqual(first.requests.map((r) => r.id));
    expect(first.requests[1]?.id).toBe(requestId('app', 'evt_1', 'paid', 1));
    expect(new Set(first.requests.map((r) => r.id)).size).toBe(3);
    const other = await source.map(event, { ...CTX, eventId: 'evt_2' });
    expect(other.requests[0]?.id).not.toBe(first.requests[0]?.id);
  });

  it('computes request ids as the first 32 hex of sha256 over the newline-joined parts', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update('app\nevt_1\npaid\n0').digest('hex').slice(0, 32);
    expect(requestId('app', 'evt_1', 'paid', 0)).toBe(expected);
    // Rule names and event ids are hashed as UTF-8, whatever digest call computes them.
    const accented = createHash('sha256').update('app\névt_1\ncommande payée\n2').digest('hex').slice(0, 32);
    expect(requestId('app', 'évt_1', 'commande payée', 2)).toBe(accented);
  });

  it('defaults the time to when the event was received', async () => {
    const [request] = (await source.map({ type: 'signup' }, CTX)).requests;
    expect(request?.time).toBe(Math.floor(CTX.receivedAt / 1000));
  });

  it('defaults the visitor key to the uid, else to source:eventId', async () => {
    const withUser = (await source.map({ type: 'signup', user: 'u_9' }, CTX)).requests[0];
    expect(withUser?.visitor).toEqual({ key: 'u_9' });
    const anonymous = (await source.map({ type: 'signup' }, CTX)).requests[0];
    expect(anonymous?.visitor).toEqual({ key: 'app:evt_1' });
  });

  it('uses the destination of the file', async () => {
    const text = `${HEADER}destination: eu\nrules:\n  - { name: r, track: [ping: {}] }\n`;
    const [s] = compileRuleSet([{ path: 'rules/app.yaml', text }], { targets: EU_CATALOG }).sources.values();
    expect((await s?.map({}, CTX))?.requests[0]?.destination).toBe('eu');
  });
});

describe('CompiledSource.eventId', () => {
  it("reads the event's id field by default, numbers as text", async () => {
    const s = compileOne(`${HEADER}rules: []\n`);
    expect(await s.eventId({ id: 'evt_9' })).toBe('evt_9');
    expect(await s.eventId({ id: 42 })).toBe('42');
    expect(await s.eventId({})).toBeUndefined();
    expect(await s.eventId('not an object')).toBeUndefined();
  });

  it('uses the id expression of the file', async () => {
    const s = compileOne(`${HEADER}id: '{% delivery & "-" & $string(n) %}'\nrules: []\n`);
    expect(await s.eventId({ delivery: 'd', n: 3 })).toBe('d-3');
  });

  it('rejects an id that is neither text nor number', async () => {
    const s = compileOne(`${HEADER}rules: []\n`);
    await expect(s.eventId({ id: { nested: true } })).rejects.toMatchObject({ field: 'id' });
  });

  it('exposes the normalised auth with defaults', () => {
    const s = compileOne(
      `source: h\nauth: { hmac: { secret: HMAC_SECRET, header: X-Sig } }\nsite: 2\nrules: []\n`,
    );
    expect(s.auth).toEqual({
      scheme: 'hmac',
      secrets: ['HMAC_SECRET'],
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
      signed: '{body}',
      tolerance: 300,
    });
    expect(compileOne(`source: s\nauth: { stripe: { secret: S } }\nsite: 1\nrules: []\n`).auth).toEqual({
      scheme: 'stripe',
      secret: 'S',
      tolerance: 300,
    });
  });
});
