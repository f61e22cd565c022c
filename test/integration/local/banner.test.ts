import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../../../src/local/banner.ts';
import { resolveServeConfig, ServeConfigError } from '../../../src/local/config.ts';
import { missingSecrets, withLocalSecrets } from '../../../src/local/local-secrets.ts';
import { loadRuleSet, type RuleSet } from '../../../src/rules/index.ts';

const flags = {
  host: '127.0.0.1',
  port: '8787',
  rules: 'rules',
  dataDir: '.taglane',
  batchSize: '10',
  batchWindow: '0.5',
  visibilityTimeout: '30',
  maxReceiveCount: '5',
  drainTimeout: '60',
};

const sqs = {
  endpoint: 'http://127.0.0.1:40001',
  queueUrl: 'http://127.0.0.1:40001/123456789012/taglane-requests',
  dlqUrl: 'http://127.0.0.1:40001/123456789012/taglane-dead-letters',
};

let ruleSet: RuleSet;
let dataDir: string;
beforeAll(async () => {
  ruleSet = await loadRuleSet('rules');
  dataDir = await mkdtemp(join(tmpdir(), 'taglane-banner-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('serve configuration', () => {
  it('turns flags into a configuration with milliseconds and no trailing slash', () => {
    const config = resolveServeConfig({ ...flags, matomoUrl: 'https://matomo.example.com/' });
    expect(config).toMatchObject({ port: 8787, batchWindowMs: 500, drainTimeoutMs: 60_000 });
    expect(config.matomoUrl).toBe('https://matomo.example.com');
  });

  it('reports every bad flag at once, by its flag name', () => {
    const attempt = () =>
      resolveServeConfig({ ...flags, port: '99999', batchWindow: 'soon', matomoUrl: 'ftp://x' });
    expect(attempt).toThrow(ServeConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ServeConfigError).problems.map((p) => p.split(':')[0]);
      expect(problems).toEqual(['port', 'matomo-url', 'batch-window']);
    }
  });
});

describe('start-up banner', () => {
  it('prints a session API key it made up, with a curl that uses it', async () => {
    const { env, generated } = await withLocalSecrets({}, ruleSet, dataDir);
    const key = env.TAGLANE_API_KEY ?? '';
    expect(key).toMatch(/^tl_local_[0-9a-f]{24}$/);
    const text = formatBanner({
      url: 'http://127.0.0.1:8787',
      config: resolveServeConfig(flags),
      ruleSet,
      generated,
      missingSecrets: missingSecrets(env, ruleSet),
      sqs,
      replayed: 0,
    });
    expect(text).toContain(`-H "x-api-key: ${key}"`);
    expect(text).toMatch(/stripe +POST \/webhooks\/stripe +stripe \(STRIPE_WEBHOOK_SECRET\)/);
    // Ingest answers 500 `misconfigured` for a source whose secret is missing, not 401.
    expect(text).toContain('! STRIPE_WEBHOOK_SECRET is not set: requests needing it fail with 500');
    expect(text).toContain(
      `taglane redrive --endpoint ${sqs.endpoint} --queue-url ${sqs.queueUrl} --dlq-url ${sqs.dlqUrl}`,
    );
    expect(text).toContain('journaled to .taglane/queue.journal');
    expect(text).toContain('Debugger:  http://127.0.0.1:8787/ (open it in a browser');
  });

  it('never prints a secret the user set: the curl names the variable instead', async () => {
    const userKey = 'user-secret-api-key-123';
    const { env, generated } = await withLocalSecrets(
      { TAGLANE_API_KEY: userKey, STRIPE_WEBHOOK_SECRET: 'whsec_user', MATOMO_TOKEN: 'tok_user' },
      ruleSet,
      dataDir,
    );
    expect(env.TAGLANE_API_KEY).toBe(userKey);
    const text = formatBanner({
      url: 'http://127.0.0.1:8787',
      config: resolveServeConfig({ ...flags, matomoUrl: 'https://matomo.example.com' }),
      ruleSet,
      generated,
      missingSecrets: missingSecrets(env, ruleSet),
      sqs,
      replayed: 0,
    });
    expect(text).toContain('-H "x-api-key: $TAGLANE_API_KEY"');
    for (const secret of [userKey, 'whsec_user', 'tok_user', env.TAGLANE_VISITOR_HMAC_KEY ?? '']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('STRIPE_WEBHOOK_SECRET is not set');
  });

  it('lists each destination with its Matomo when a destinations file is used', async () => {
    const { env, generated } = await withLocalSecrets({}, ruleSet, dataDir);
    const text = formatBanner({
      url: 'http://127.0.0.1:8787',
      config: resolveServeConfig(flags),
      ruleSet,
      generated,
      missingSecrets: missingSecrets(env, ruleSet),
      sqs,
      replayed: 0,
      destinations: {
        file: 'destinations.yaml',
        environment: 'staging',
        list: [
          { name: 'default', url: 'http://127.0.0.1:40002', inspector: true },
          { name: 'eu', url: 'https://eu.matomo.acme.test', inspector: false },
        ],
      },
    });
    expect(text).toContain('Matomo:    destinations from destinations.yaml, environment staging:\n');
    expect(text).toContain('             default  the inspector (http://127.0.0.1:8787/inspect)\n');
    expect(text).toContain('             eu       https://eu.matomo.acme.test/matomo.php\n');
    expect(text).not.toContain('none set (MATOMO_URL)');
  });

  it('keeps the visitor-key secret in the data directory so it is the same on the next start', async () => {
    const first = await withLocalSecrets({}, ruleSet, dataDir);
    const second = await withLocalSecrets({}, ruleSet, dataDir);
    expect(first.env.TAGLANE_VISITOR_HMAC_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(second.env.TAGLANE_VISITOR_HMAC_KEY).toBe(first.env.TAGLANE_VISITOR_HMAC_KEY);
    const own = await withLocalSecrets({ TAGLANE_VISITOR_HMAC_KEY: 'mine' }, ruleSet, dataDir);
    expect(own.env.TAGLANE_VISITOR_HMAC_KEY).toBe('mine');
    expect(own.generated.visitorKeyFromDataDir).toBe(false);
  });

  it('keeps a made-up API key in the data dir for the next start; a set TAGLANE_API_KEY wins', async () => {
    const first = await withLocalSecrets({}, ruleSet, dataDir);
    const again = await withLocalSecrets({}, ruleSet, dataDir);
    expect(again.env.TAGLANE_API_KEY).toMatch(/^tl_local_[0-9a-f]{24}$/);
    expect(again.env.TAGLANE_API_KEY).toBe(first.env.TAGLANE_API_KEY);
    expect((await readFile(join(dataDir, 'api-key.TAGLANE_API_KEY'), 'utf8')).trim()).toBe(
      first.env.TAGLANE_API_KEY,
    );
    const own = await withLocalSecrets({ TAGLANE_API_KEY: 'explicit-key-1' }, ruleSet, dataDir);
    expect(own.env.TAGLANE_API_KEY).toBe('explicit-key-1');
    expect(own.generated.apiKeys.has('TAGLANE_API_KEY')).toBe(false);
  });
});
