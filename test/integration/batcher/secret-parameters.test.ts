import { afterEach, describe, expect, it, vi } from 'vitest';
import { batcherDepsFromEnv } from '../../../functions/batcher/handler.ts';
import { perTest } from '../../support/lifecycle.ts';
import { startParameterStore } from '../../support/parameter-store.ts';

// The batcher builds its SSM client itself, as on Lambda; the SDK's service endpoint
// variable points it at the stand-in.
const store = perTest(
  'parameter store',
  () => startParameterStore(),
  (s) => s.close(),
);
afterEach(() => vi.unstubAllEnvs());

const env = (parameters: string) => ({
  MATOMO_URL: 'https://matomo.acme.test',
  TAGLANE_TABLE_NAME: 'taglane',
  TAGLANE_DLQ_URL: 'http://127.0.0.1:9/queue/dlq',
  TAGLANE_SECRET_PARAMETERS: parameters,
});

function pointSdkAtStore(): void {
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', store.current.endpoint);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
}

describe('the batcher reading its secrets from Parameter Store', () => {
  it('creates the visitor key on its first cold start and reuses it on the next', async () => {
    pointSdkAtStore();
    const parameters = '/Taglane/MATOMO_TOKEN,/Taglane/TAGLANE_VISITOR_HMAC_KEY';
    const first = await batcherDepsFromEnv(env(parameters));
    expect(first.config.visitorHmacKey).toMatch(/^[0-9a-f]{64}$/);
    expect(store.current.parameters.get('/Taglane/TAGLANE_VISITOR_HMAC_KEY')).toEqual({
      value: first.config.visitorHmacKey,
      type: 'SecureString',
    });
    const second = await batcherDepsFromEnv(env(parameters));
    expect(second.config.visitorHmacKey).toBe(first.config.visitorHmacKey);
  });

  it('keeps a visitor key that is already stored (an upgrade that copied the old one)', async () => {
    pointSdkAtStore();
    store.current.parameters.set('/Taglane/TAGLANE_VISITOR_HMAC_KEY', {
      value: 'copied-key',
      type: 'SecureString',
    });
    const deps = await batcherDepsFromEnv(env('/Taglane/TAGLANE_VISITOR_HMAC_KEY'));
    expect(deps.config.visitorHmacKey).toBe('copied-key');
    expect(store.current.calls.map((c) => c.operation)).toEqual(['GetParameters']);
  });

  it('creates no key when the visitor key is not among its parameters, and says it is required', async () => {
    pointSdkAtStore();
    const error = await batcherDepsFromEnv(env('/Taglane/MATOMO_TOKEN')).catch((e: unknown) => e);
    expect(String(error)).toContain('TAGLANE_VISITOR_HMAC_KEY: secret is required');
    expect(store.current.calls.map((c) => c.operation)).toEqual(['GetParameters']);
  });
});
