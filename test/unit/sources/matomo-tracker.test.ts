import { describe, expect, it } from 'vitest';
import {
  anonymiseAddress,
  clientAddress,
  matomoLanguage,
  parseTrackerConfig,
  parseWire,
  RateLimiter,
  TrackerConfigError,
} from '../../../src/sources/matomo-tracker/index.ts';

function problemsOf(text: string, destinations?: ReadonlySet<string>): string[] {
  try {
    parseTrackerConfig('tracker.yaml', text, destinations);
  } catch (error) {
    if (error instanceof TrackerConfigError)
      return error.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    throw error;
  }
  return [];
}

describe('tracker file', () => {
  it('fills defaults for a minimal site', () => {
    const config = parseTrackerConfig('tracker.yaml', 'sites:\n  1: {}\n');
    expect(config.sites.get('1')).toEqual({
      destination: 'default',
      consent: 'off',
      anonymiseIp: 2,
      deny: [],
    });
    expect(config.rateLimit).toEqual({ requests: 300, seconds: 60 });
    expect(config.maxBodyBytes).toBe(65_536);
  });

  it('names every problem at its line and column', () => {
    const text = [
      'sites:',
      '  1:',
      '    consent: maybe',
      '    anonymiseIp: 9',
      '  abc: {}',
      'trustedProxies: [10.0.0.0/99, nope]',
      'colour: blue',
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems).toContainEqual(expect.stringMatching(/^3:14 .*"off"/));
    expect(problems).toContainEqual(expect.stringMatching(/^4:18 /));
    expect(problems).toContainEqual('5:3 site keys are Matomo idsite numbers');
    expect(problems).toContainEqual('6:18 expected an IP address or CIDR range');
    expect(problems).toContainEqual('6:31 expected an IP address or CIDR range');
    expect(problems).toContainEqual('7:1 unknown key "colour"');
  });

  it('serves /matomo.php and the first-party path the file names', () => {
    expect(parseTrackerConfig('tracker.yaml', 'sites:\n  1: {}\n').paths).toEqual(['/matomo.php']);
    const config = parseTrackerConfig('tracker.yaml', 'path: /t/collect\nsites:\n  1: {}\n');
    expect(config.paths).toEqual(['/matomo.php', '/t/collect']);
  });

  it.each([
    ['t/collect', 'expected an absolute path'],
    ['/t/collect/', 'expected an absolute path'],
    ['/t/{x}', 'expected an absolute path'],
    ['/t?x=1', 'expected an absolute path'],
    ['/t/../events', 'no . or .. segments'],
    ['/events', 'taken by another route'],
    ['/webhooks/stripe', 'taken by another route'],
    ['/v1/track', 'taken by another route'],
    ['/matomo.php', 'taken by another route'],
  ])('refuses the path %s at its line and column', (path, message) => {
    const problems = problemsOf(`sites:\n  1: {}\npath: ${JSON.stringify(path)}\n`);
    expect(problems).toEqual([expect.stringContaining(message)]);
    expect(problems[0]).toMatch(/^3:7 /);
  });

  it('refuses allow and deny together, and destinations that are not declared', () => {
    expect(problemsOf('sites:\n  1: { allow: [url], deny: [ua] }\n')).toEqual([
      '2:6 give allow or deny, not both',
    ]);
    expect(problemsOf('sites:\n  1:\n    destination: eu\n', new Set(['default']))).toEqual([
      '3:18 unknown destination "eu" (declared: default)',
    ]);
  });
});

describe('client address', () => {
  it('believes X-Forwarded-For only from trusted proxies, right to left', () => {
    expect(clientAddress('198.51.100.1', '1.1.1.1', [])).toBe('198.51.100.1');
    expect(clientAddress('198.51.100.1', '1.1.1.1', ['10.0.0.0/8'])).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '6.6.6.6, 1.1.1.1, 10.9.9.9', ['10.0.0.0/8'])).toBe('1.1.1.1');
    expect(clientAddress('10.0.0.2', 'garbage', ['10.0.0.0/8'])).toBe('10.0.0.2');
    expect(clientAddress('2001:db8::1', '2a00::5', ['2001:db8::/32'])).toBe('2a00::5');
  });

  it("masks bytes as Matomo's IP anonymisation does", () => {
    expect(anonymiseAddress('203.0.113.77', 0)).toBe('203.0.113.77');
    expect(anonymiseAddress('203.0.113.77', 1)).toBe('203.0.113.0');
    expect(anonymiseAddress('203.0.113.77', 2)).toBe('203.0.0.0');
    expect(anonymiseAddress('203.0.113.77', 4)).toBe('0.0.0.0');
    expect(anonymiseAddress('2001:db8:1:2:3:4:5:6', 1)).toBe('2001:db8:1:2:0:0:0:0');
    expect(anonymiseAddress('2001:db8::6', 2)).toBe('2001:db8:0:0:0:0:0:0');
    expect(anonymiseAddress('::ffff:203.0.113.77', 1)).toBe('0:0:0:0:0:0:0:0');
    expect(anonymiseAddress('not an address', 1)).toBe('0.0.0.0');
  });

  it("normalises Accept-Language as Matomo's getBrowserLanguage does, so its country guess works", () => {
    expect(matomoLanguage('de-CH,de;q=0.9')).toBe('de-ch,de');
    expect(matomoLanguage('pt_BR, en-US;q=0.8 (comment)')).toBe('pt-br,en-us');
    expect(matomoLanguage('en_CA.UTF-8')).toBe('en-ca');
    expect(matomoLanguage('C')).toBe('');
  });
});

describe('wire forms and the rate limiter', () => {
  it('reads query, form body over query, and bulk JSON', () => {
    expect(parseWire({ idsite: '1', a: 'q' }, Buffer.alloc(0), 10)).toEqual({
      requests: [{ idsite: '1', a: 'q' }],
      bulk: false,
    });
    expect(parseWire({ a: 'q' }, Buffer.from('a=b&idsite=2'), 10).requests).toEqual([
      { a: 'b', idsite: '2' },
    ]);
    const bulk = parseWire({}, Buffer.from('{"requests":["?idsite=1&x=%20y","idsite=2"]}'), 10);
    expect(bulk).toEqual({ requests: [{ idsite: '1', x: ' y' }, { idsite: '2' }], bulk: true });
  });

  it("takes a bulk's objects of parameters as Matomo does, and refuses nested values by path", () => {
    const body = Buffer.from('{"requests":[{"idsite":1,"rec":true,"action_name":"Home"},"?idsite=1"]}');
    expect(parseWire({}, body, 10).requests).toEqual([
      { idsite: '1', rec: '1', action_name: 'Home' },
      { idsite: '1' },
    ]);
    const nested = Buffer.from('{"requests":[{"idsite":1,"ec_items":[["SKU",1]]}]}');
    expect(() => parseWire({}, nested, 10)).toThrow(
      expect.objectContaining({
        status: 400,
        issues: [expect.objectContaining({ path: '$.requests[0].ec_items' })],
      }),
    );
  });

  it('counts per client and window, and tells how long to wait', () => {
    const limiter = new RateLimiter({ requests: 3, seconds: 10 });
    expect(limiter.take('a', 2, 0)).toBe(0);
    expect(limiter.take('a', 2, 1000)).toBe(9);
    expect(limiter.take('a', 1, 1000)).toBe(0);
    expect(limiter.take('b', 3, 1000)).toBe(0);
    expect(limiter.take('a', 1, 10_000)).toBe(0);
  });
});
