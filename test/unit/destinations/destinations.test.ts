import { describe, expect, it } from 'vitest';
import {
  DestinationsFileError,
  DestinationTokenMissingError,
  destinationLookup,
  parseDestinationsFile,
  resolveDestinations,
  tokenSecretNames,
  urlProblems,
} from '../../../src/destinations/index.ts';
import { formatProblem } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';

const FILE = `destinations:
  default: { url: https://matomo.acme.test/, token: MATOMO_TOKEN, sites: { shop: 1 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, sites: { shop: 4 } }
environments:
  staging:
    default: { url: https://staging.matomo.acme.test, sites: { shop: 11 } }
`;

function problemsOf(text: string): string[] {
  try {
    parseDestinationsFile('destinations.yaml', text);
    return [];
  } catch (e) {
    if (!(e instanceof DestinationsFileError)) throw e;
    return e.problems.map(formatProblem);
  }
}

describe('destinations.yaml', () => {
  it('reports every problem with file:line:col, like the rule files', () => {
    const text = `destinations:
  eu: { token: eu_token, sites: { Shop: 1 } }
  us: { url: ftp://us.acme.test, tokn: X }
`;
    expect(problemsOf(text)).toEqual([
      'destinations.yaml:2:16 destinations.eu.token: expected a secret NAME like MATOMO_EU_TOKEN (never the value)',
      'destinations.yaml:2:35 destinations.eu.sites.Shop: expected a lowercase name of letters, digits, _ and -',
      'destinations.yaml:3:14 destinations.us.url: expected the http(s):// base URL of Matomo (bulks go to <url>/matomo.php)',
      'destinations.yaml:3:34 destinations.us.tokn: unknown key "tokn"',
    ]);
  });

  it('needs a url for every destination but default, and environments to change declared ones', () => {
    const text = `destinations:
  eu: { sites: { shop: 4 } }
environments:
  staging:
    us: { url: https://us.acme.test }
    eu: { sites: { blog: 3 } }
`;
    expect(problemsOf(text)).toEqual([
      'destinations.yaml:2:7 destinations.eu: missing required key "url" (only default may take MATOMO_URL)',
      'destinations.yaml:5:5 environments.staging.us: unknown destination "us" (declared: eu)',
      'destinations.yaml:6:20 environments.staging.eu.sites.blog: site "blog" is not declared under destinations.eu.sites; every environment maps the same names',
    ]);
  });

  it('applies an environment: its URL and site ids win, the rest is inherited', () => {
    const file = parseDestinationsFile('destinations.yaml', FILE);
    const staging = resolveDestinations(file, 'staging');
    expect(staging.get('default')).toMatchObject({
      url: 'https://staging.matomo.acme.test',
      token: 'MATOMO_TOKEN',
    });
    expect(staging.catalog.siteId('default', 'shop')).toEqual({ id: 11 });
    expect(staging.catalog.siteId('eu', 'shop')).toEqual({ id: 4 });
    const declared = resolveDestinations(file, undefined);
    expect(declared.get('default')?.url).toBe('https://matomo.acme.test');
    expect(declared.catalog.siteId('default', 'shop')).toEqual({ id: 1 });
    expect(() => resolveDestinations(file, 'prod')).toThrow(
      /unknown environment "prod" \(declared: staging\)/,
    );
  });

  it('keeps default implicit (MATOMO_URL, optional MATOMO_TOKEN) without a file', async () => {
    const none = resolveDestinations(undefined, undefined);
    expect(none.list.map((d) => d.name)).toEqual(['default']);
    expect(urlProblems(none, undefined)).toEqual([
      'MATOMO_URL: required (destination default has no url in a destinations.yaml)',
    ]);
    const lookup = destinationLookup(none, {
      matomoUrl: 'http://127.0.0.1:9',
      secrets: new EnvSecretSource({}),
    });
    expect(await lookup('default')).toEqual({ url: 'http://127.0.0.1:9', token: undefined });
    expect(await lookup('eu')).toBeUndefined();
    expect(() => resolveDestinations(undefined, 'staging')).toThrow(/needs a destinations.yaml/);
  });

  it('resolves a destination with its token, and refuses to send while a declared token is unset', async () => {
    const destinations = resolveDestinations(parseDestinationsFile('destinations.yaml', FILE), undefined);
    expect(tokenSecretNames(destinations)).toEqual(['MATOMO_EU_TOKEN', 'MATOMO_TOKEN']);
    expect(urlProblems(destinations, undefined)).toEqual([]);
    const euOnly = resolveDestinations(
      parseDestinationsFile(
        'destinations.yaml',
        'destinations:\n  eu: { url: https://eu.matomo.acme.test }\n',
      ),
      undefined,
    );
    // The implicit default of a file without one needs no MATOMO_URL; a declared one does.
    expect(urlProblems(euOnly, undefined)).toEqual([]);
    const declaredDefault = resolveDestinations(
      parseDestinationsFile('destinations.yaml', 'destinations:\n  default: { sites: { shop: 1 } }\n'),
      undefined,
    );
    expect(urlProblems(declaredDefault, undefined)).toEqual([
      'MATOMO_URL: required (destination default has no url in destinations.yaml)',
    ]);
    const secrets = new EnvSecretSource({ MATOMO_TOKEN: 't1' });
    const lookup = destinationLookup(destinations, { matomoUrl: undefined, secrets });
    expect(await lookup('default')).toEqual({ url: 'https://matomo.acme.test', token: 't1' });
    await expect(lookup('eu')).rejects.toThrow(DestinationTokenMissingError);
    await expect(lookup('eu')).rejects.toThrow(/secret MATOMO_EU_TOKEN is not set/);
  });
});
