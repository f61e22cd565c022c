import { describe, expect, it } from 'vitest';
import { previewCommand } from '../../../src/cli/preview.ts';
import { testCommand } from '../../../src/cli/test-examples.ts';
import { validateCommand } from '../../../src/cli/validate.ts';
import { tempDirMaker } from '../../support/temp-dir.ts';
import { bufferIo } from './buffer-io.ts';
import { MINIMAL_RULES, PURCHASE_EVENT } from './minimal-rules.ts';

const dirWith = tempDirMaker('taglane-cli-dest-');

const DESTINATIONS = `destinations:
  default: { url: https://matomo.acme.test, sites: { shop: 3 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, sites: { shop: 8 } }
environments:
  staging:
    default: { sites: { shop: 13 } }
    eu: { sites: { shop: 18 } }
`;

// The minimal source sent to the named site `shop` on default and eu.
const FAN_OUT_RULES = MINIMAL_RULES.replace('site: 3', 'site: shop\ndestination: [default, eu]');

describe('taglane validate, test and preview with destinations.yaml', () => {
  it('refuses a destination that destinations.yaml does not declare, at file:line:col', async () => {
    const dir = await dirWith({
      'rules/shop.yaml': MINIMAL_RULES.replace('site: 3', 'site: 3\ndestination: us'),
      'destinations.yaml': DESTINATIONS,
    });
    const io = bufferIo();
    expect(await validateCommand(`${dir}/rules`, io, { destinations: `${dir}/destinations.yaml` })).toBe(1);
    expect(io.stderr().trim().split('\n')).toEqual([
      `${dir}/rules/shop.yaml:5:14 destination: unknown destination "us" (declared in ${dir}/destinations.yaml: default, eu)`,
      '1 problem found',
    ]);
  });

  it('reports problems of destinations.yaml itself with file:line:col', async () => {
    const dir = await dirWith({
      'rules/shop.yaml': MINIMAL_RULES,
      'destinations.yaml': 'destinations:\n  eu: { url: https://eu.matomo.acme.test, token: secret-value }\n',
    });
    const io = bufferIo();
    expect(await validateCommand(`${dir}/rules`, io, { destinations: `${dir}/destinations.yaml` })).toBe(1);
    expect(io.stderr()).toContain(
      `${dir}/destinations.yaml:2:50 destinations.eu.token: expected a secret NAME like MATOMO_EU_TOKEN (never the value)`,
    );
  });

  it('accepts the fan-out and shows one request per destination and site', async () => {
    const dir = await dirWith({
      'rules/shop.yaml': FAN_OUT_RULES.replace(
        "idsite: '3' }",
        "idsite: '3' }\n          - { e_c: Shop, idsite: '8' }",
      ),
      'rules/examples/purchase.json': PURCHASE_EVENT,
      'destinations.yaml': DESTINATIONS,
    });
    const flags = { destinations: `${dir}/destinations.yaml` };
    const validated = bufferIo();
    expect(await validateCommand(`${dir}/rules`, validated, flags)).toBe(0);
    const tested = bufferIo();
    expect(await testCommand(`${dir}/rules`, tested, flags)).toBe(0);
    const io = bufferIo();
    const preview = { rules: `${dir}/rules`, json: false, ...flags };
    expect(await previewCommand('shop', `${dir}/rules/examples/purchase.json`, preview, io)).toBe(0);
    expect(io.stdout()).toMatch(
      /#0 rule "purchase" -> default[\s\S]*idsite +3[\s\S]*#1 rule "purchase" -> eu[\s\S]*idsite +8/,
    );
  });

  it('switches site ids with --env, without a rule edit', async () => {
    const dir = await dirWith({
      'rules/shop.yaml': FAN_OUT_RULES,
      'rules/examples/purchase.json': PURCHASE_EVENT,
      'destinations.yaml': DESTINATIONS,
    });
    const sites = async (env?: string): Promise<string[]> => {
      const io = bufferIo();
      const options = { rules: `${dir}/rules`, json: true, destinations: `${dir}/destinations.yaml` };
      const code = await previewCommand(
        'shop',
        `${dir}/rules/examples/purchase.json`,
        env ? { ...options, env } : options,
        io,
      );
      expect(code).toBe(0);
      return (JSON.parse(io.stdout()) as { idsite: string }[]).map((p) => p.idsite);
    };
    expect(await sites()).toEqual(['3', '8']);
    expect(await sites('staging')).toEqual(['13', '18']);
    const io = bufferIo();
    expect(
      await validateCommand(`${dir}/rules`, io, { destinations: `${dir}/destinations.yaml`, env: 'prod' }),
    ).toBe(1);
    expect(io.stderr()).toContain('unknown environment "prod" (declared: staging)');
  });
});
