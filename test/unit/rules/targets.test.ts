import { describe, expect, it } from 'vitest';
import { parseDestinationsFile, resolveDestinations } from '../../../src/destinations/index.ts';
import {
  type CompiledSource,
  compileRuleSet,
  formatProblem,
  RuleSetError,
} from '../../../src/rules/index.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { CTX } from './helpers.ts';

const DESTINATIONS = `destinations:
  default: { url: https://matomo.acme.test, sites: { shop: 1, blog: 2 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, sites: { shop: 4 } }
environments:
  staging:
    default: { sites: { shop: 11 } }
    eu: { sites: { shop: 14 } }
`;

function compile(rules: string, environment?: string): CompiledSource {
  const destinations = resolveDestinations(
    parseDestinationsFile('destinations.yaml', DESTINATIONS),
    environment,
  );
  const [source] = compileRuleSet([{ path: 'rules/shop.yaml', text: rules }], {
    targets: destinations.catalog,
  }).sources.values();
  if (!source) throw new Error('no source');
  return source;
}

function problems(rules: string): string[] {
  try {
    compile(rules);
    return [];
  } catch (e) {
    if (!(e instanceof RuleSetError)) throw e;
    return e.problems.map(formatProblem);
  }
}

const HEAD = `source: shop
auth: { api-key: { secrets: [SHOP_API_KEY] } }
`;

const FAN_OUT = `${HEAD}site: shop
rules:
  - name: order
    destination: [default, eu]
    track:
      - order: { id: '{% id %}', revenue: '{% total %}' }
      - event: { category: Shop, action: Paid }
        destination: default
        site: [shop, blog]
`;

describe('destination and site per file, rule and track item', () => {
  it('fans one track out to every destination and site, each its own request with its own id', async () => {
    const { requests } = await compile(FAN_OUT).map({ id: 'o1', total: 30 }, CTX);
    expect(requests.map((r) => [r.destination, r.params.idsite, r.params.idgoal ?? r.params.e_c])).toEqual([
      ['default', '1', '0'],
      ['eu', '4', '0'],
      ['default', '1', 'Shop'],
      ['default', '2', 'Shop'],
    ]);
    expect(new Set(requests.map((r) => r.id)).size).toBe(4);
    for (const r of requests) expect(QueuedRequestSchema.safeParse(r).success).toBe(true);
    // Apart from idsite, the copies are the same request.
    expect({ ...requests[1]?.params, idsite: '1' }).toEqual(requests[0]?.params);
  });

  it('takes the site ids of the selected environment, without a rule edit', async () => {
    const { requests } = await compile(FAN_OUT, 'staging').map({ id: 'o1', total: 30 }, CTX);
    expect(requests.map((r) => r.params.idsite)).toEqual(['11', '14', '11', '2']);
  });

  it('keeps numeric sites and expressions on every destination', async () => {
    const rules = `${HEAD}site: 7\ndestination: [default, eu]\nrules:\n  - name: r\n    track:\n      - ping: {}\n      - ping: {}\n        site: '{% site %}'\n`;
    const { requests } = await compile(rules).map({ site: 9 }, CTX);
    expect(requests.map((r) => `${r.destination}:${r.params.idsite}`)).toEqual([
      'default:7',
      'eu:7',
      'default:9',
      'eu:9',
    ]);
  });

  it('reports an expression site that is not a site id with the field it came from', async () => {
    const rules = `${HEAD}site: 1\nrules:\n  - name: r\n    track:\n      - ping: {}\n        site: '{% site %}'\n        destination: eu\n`;
    await expect(compile(rules).map({ site: 'x' }, CTX)).rejects.toThrow(
      /track\[0\]\.site: expected a positive integer site id/,
    );
  });

  it('refuses unknown destinations and site names at their line and column', () => {
    const rules = `${HEAD}site: 1\nrules:\n  - name: r\n    destination: us\n    track:\n      - ping: {}\n      - ping: {}\n        destination: eu\n        site: blog\n`;
    expect(problems(rules)).toEqual([
      'rules/shop.yaml:6:18 rules[0].destination: unknown destination "us" (declared in destinations.yaml: default, eu)',
      'rules/shop.yaml:11:15 rules[0].track[1].site: unknown site "blog" of destination eu (add it under destinations.eu.sites in destinations.yaml)',
    ]);
  });

  it('scopes the visitor key on a destination with visitor ids of its own', async () => {
    const own = DESTINATIONS.replace('token: MATOMO_EU_TOKEN,', 'token: MATOMO_EU_TOKEN, visitors: own,');
    const destinations = resolveDestinations(parseDestinationsFile('destinations.yaml', own), undefined);
    const rules = FAN_OUT.replace('site: shop\n', "site: shop\nvisitor: { key: '{% customer %}' }\n");
    const [source] = compileRuleSet([{ path: 'rules/shop.yaml', text: rules }], {
      targets: destinations.catalog,
    }).sources.values();
    const { requests } = (await source?.map({ id: 'o1', total: 30, customer: 'c-9' }, CTX)) ?? {
      requests: [],
    };
    expect(requests.map((r) => `${r.destination}:${r.visitor.key}`)).toEqual([
      'default:c-9',
      'eu:eu:c-9',
      'default:c-9',
      'default:c-9',
    ]);
  });

  it('refuses a fan-out that reaches the same site of a destination twice', () => {
    const rules = `${HEAD}site: [shop, 1]\nrules:\n  - name: r\n    track:\n      - ping: {}\n`;
    expect(problems(rules)).toEqual([
      'rules/shop.yaml:3:14 site[1]: sends the same track twice to site 1 of default',
    ]);
  });

  it('refuses a destination other than default when no destinations.yaml is given', () => {
    const text = `${HEAD}site: 1\ndestination: eu\nrules: []\n`;
    expect(() => compileRuleSet([{ path: 'rules/shop.yaml', text }])).toThrow(
      /rules\/shop.yaml:4:14 destination: unknown destination "eu": only default \(MATOMO_URL\) exists/,
    );
  });
});
