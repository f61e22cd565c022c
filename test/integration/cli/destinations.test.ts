import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTaglane as taglane } from '../../support/taglane-binary.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';

const DESTINATIONS = `destinations:
  default: { url: https://matomo.acme.test, sites: { shop: 3 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, sites: { shop: 8 } }
environments:
  staging: { default: { sites: { shop: 13 } }, eu: { sites: { shop: 18 } } }
`;

const rules = (destination: string) => `source: shop
auth: { api-key: { secrets: [SHOP_API_KEY] } }
site: shop
destination: ${destination}
rules:
  - name: order
    track:
      - order: { id: '{% id %}', revenue: '{% total %}' }
`;

describe('taglane binary with destinations.yaml', () => {
  const dir = tempDirPerFile('taglane-cli-dest-', {
    'destinations.yaml': DESTINATIONS,
    'good/shop.yaml': rules('[default, eu]'),
    'bad/shop.yaml': rules('[default, us]'),
    'order.json': JSON.stringify({ id: 'o-1', total: 42 }),
  });

  it('validate refuses an undeclared destination with file:line:col and exits 1', async () => {
    const run = await taglane(
      'validate',
      join(dir.path, 'bad'),
      '--destinations',
      join(dir.path, 'destinations.yaml'),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${join(dir.path, 'bad', 'shop.yaml')}:4:24 destination[1]: unknown destination "us" (declared in ${join(dir.path, 'destinations.yaml')}: default, eu)\n1 problem found\n`,
    );
  });

  it('preview --env staging takes staging site ids from the same rule file', async () => {
    const run = await taglane(
      'preview',
      'shop',
      join(dir.path, 'order.json'),
      '--rules',
      join(dir.path, 'good'),
      '--destinations',
      join(dir.path, 'destinations.yaml'),
      '--env',
      'staging',
      '--json',
    );
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { idsite: string }[]).map((p) => p.idsite)).toEqual(['13', '18']);
  });
});
