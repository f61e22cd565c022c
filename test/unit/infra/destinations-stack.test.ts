import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationsSynthError } from '../../../lib/destinations.ts';
import { RuleSetSynthError } from '../../../lib/rule-set-check.ts';
import { HEALTH_EVENT, invokeBundle } from './bundle-run.ts';
import { type Synthesised, synthTaglane } from './synth.ts';
import { functionOf, parameterNamesIn, referencedIds, statementsOfRole } from './template-queries.ts';

// Two destinations with a token each, a staging environment, and rules that fan out to both.
const DESTINATIONS = `destinations:
  default: { url: https://matomo.acme.test, token: MATOMO_TOKEN, sites: { shop: 1 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, sites: { shop: 4 } }
environments:
  staging:
    default: { url: https://staging.matomo.acme.test, sites: { shop: 11 } }
    eu: { url: https://matomo.example.org, sites: { shop: 14 } }
`;

const RULES = `source: shop
auth: { api-key: { secrets: [SHOP_API_KEY] } }
site: shop
destination: [default, eu]
rules:
  - name: order
    track:
      - order: { id: '{% id %}', revenue: '{% total %}' }
`;

let dir: string;
let s: Synthesised;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'taglane-destinations-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'destinations.yaml'), DESTINATIONS);
  writeFileSync(join(dir, 'rules', 'shop.yaml'), RULES);
  // No matomoUrl: destinations.yaml gives every destination its own.
  s = synthTaglane({ rulesDir: join(dir, 'rules'), destinationsFile: join(dir, 'destinations.yaml') });
}, 120_000);
afterAll(() => {
  s?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function readableParameters(service: 'ingest' | 'batcher'): string[] {
  const role = referencedIds(functionOf(s.template, service).props.Role)[0] ?? '';
  return statementsOfRole(s.template, role)
    .filter((st) => JSON.stringify(st.Action).includes('ssm:GetParameters'))
    .flatMap((st) => parameterNamesIn(st.Resource))
    .sort();
}

describe('a stack with destinations.yaml', () => {
  it('reads one parameter per destination token, the batcher only, each by its own ARN', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const tokens = ['/Taglane/MATOMO_EU_TOKEN', '/Taglane/MATOMO_TOKEN'];
    expect(readableParameters('batcher')).toEqual([...tokens, '/Taglane/TAGLANE_VISITOR_HMAC_KEY']);
    expect(readableParameters('ingest').filter((p) => p.includes('TOKEN'))).toEqual([]);
    const batcher = functionOf(s.template, 'batcher').props.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(String(batcher.Variables.TAGLANE_SECRET_PARAMETERS).split(',').sort()).toEqual([
      ...tokens,
      '/Taglane/TAGLANE_VISITOR_HMAC_KEY',
    ]);
  });

  it('ships the file to the batcher, prepared to ingest, and sets no MATOMO_URL nobody takes', () => {
    const env = functionOf(s.template, 'batcher').props.Environment as { Variables: Record<string, unknown> };
    expect(env.Variables.TAGLANE_DESTINATIONS_FILE).toBe('/var/task/destinations.yaml');
    expect(env.Variables).not.toHaveProperty('TAGLANE_ENV');
    const ingest = functionOf(s.template, 'ingest').props.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(ingest.Variables).not.toHaveProperty('TAGLANE_DESTINATIONS_FILE');
    const prepared = JSON.parse(readFileSync(s.stack.preparedIngestFile, 'utf8')) as {
      destinations: { file?: { destinations: [string, unknown][] } };
    };
    expect(prepared.destinations.file?.destinations.map(([name]) => name)).toEqual(['default', 'eu']);
    const batcher = functionOf(s.template, 'batcher').props.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(batcher.Variables).not.toHaveProperty('MATOMO_URL');
  });

  it('lists every token parameter in the SecretParameterPrefix output', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Description?: string }>;
    expect(outputs.SecretParameterPrefix?.Description).toContain(
      'batcher /Taglane/MATOMO_EU_TOKEN, /Taglane/MATOMO_TOKEN, /Taglane/TAGLANE_VISITOR_HMAC_KEY',
    );
  });
});

describe('bundles with destinations.yaml', () => {
  let bundled: Synthesised;
  beforeAll(() => {
    bundled = synthTaglane(
      { rulesDir: join(dir, 'rules'), destinationsFile: join(dir, 'destinations.yaml') },
      { bundle: true, cfnValidation: false },
    );
  }, 180_000);
  afterAll(() => bundled?.dispose());

  const assetOf = (service: 'ingest' | 'batcher'): string => {
    const code = functionOf(bundled.template, service).props.Code as { S3Key: string };
    return join(bundled.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  };

  it('ship the file in the batcher bundle, prepared in the ingest bundle, and both start on it', async () => {
    expect(readFileSync(join(assetOf('batcher'), 'destinations.yaml'), 'utf8')).toBe(DESTINATIONS);
    expect(readFileSync(join(assetOf('ingest'), 'ingest.prepared.json'), 'utf8')).toBe(
      readFileSync(bundled.stack.preparedIngestFile, 'utf8'),
    );
    const ingest = (await invokeBundle(assetOf('ingest'), HEALTH_EVENT, {
      TAGLANE_PREPARED_FILE: join(assetOf('ingest'), 'ingest.prepared.json'),
      TAGLANE_QUEUE_URL: 'http://127.0.0.1:9/000000000000/queue',
    })) as { statusCode: number };
    expect(ingest.statusCode).toBe(200);
    const batcher = await invokeBundle(
      assetOf('batcher'),
      { Records: [] },
      {
        TAGLANE_DESTINATIONS_FILE: join(assetOf('batcher'), 'destinations.yaml'),
        TAGLANE_TABLE_NAME: 'visitors',
        TAGLANE_DLQ_URL: 'http://127.0.0.1:9/000000000000/dlq',
        TAGLANE_VISITOR_HMAC_KEY: 'k'.repeat(64),
      },
    );
    expect(batcher).toEqual({ batchItemFailures: [] });
  }, 60_000);
});

describe('synth with destinations refuses', () => {
  it("an environment's placeholder URL, naming the file and key", () => {
    const error = capture(() =>
      synthTaglane({
        rulesDir: join(dir, 'rules'),
        destinationsFile: join(dir, 'destinations.yaml'),
        env: 'staging',
      }),
    );
    expect(error).toBeInstanceOf(DestinationsSynthError);
    expect((error as DestinationsSynthError).lines).toEqual([
      `destination eu: https://matomo.example.org from ${join(dir, 'destinations.yaml')} (destinations.eu.url) is a placeholder; set the real URL`,
    ]);
  });

  it('an unknown environment, at the file', () => {
    const error = capture(() =>
      synthTaglane({
        rulesDir: join(dir, 'rules'),
        destinationsFile: join(dir, 'destinations.yaml'),
        env: 'prod',
      }),
    );
    expect(error).toBeInstanceOf(DestinationsSynthError);
    expect((error as Error).message).toContain(
      'environments: unknown environment "prod" (declared: staging)',
    );
  });

  it('rules naming a destination the file does not declare, at file:line:col', () => {
    const other = mkdtempSync(join(tmpdir(), 'taglane-destinations-rules-'));
    try {
      writeFileSync(join(other, 'shop.yaml'), RULES.replace('[default, eu]', '[default, us]'));
      const error = capture(() =>
        synthTaglane({ rulesDir: other, destinationsFile: join(dir, 'destinations.yaml') }),
      );
      expect(error).toBeInstanceOf(RuleSetSynthError);
      expect((error as RuleSetSynthError).lines).toEqual([
        `${join(other, 'shop.yaml')}:4:24 destination[1]: unknown destination "us" (declared in ${join(dir, 'destinations.yaml')}: default, eu)`,
      ]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

function capture(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected synth to fail');
}
