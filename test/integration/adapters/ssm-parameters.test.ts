import { describe, expect, it } from 'vitest';
import { SsmParameterSource, secretNameOfParameter } from '../../../src/adapters/ssm-parameters.ts';
import { EnvSecretSource, FirstOfSecretSources } from '../../../src/secrets/secrets.ts';
import { perTest } from '../../support/lifecycle.ts';
import { startParameterStore } from '../../support/parameter-store.ts';

const store = perTest(
  'parameter store',
  () => startParameterStore(),
  (s) => s.close(),
);
const names = Array.from({ length: 12 }, (_, i) => `/Taglane/SECRET_${i}`);

describe('the Parameter Store secret source', () => {
  it('reads every parameter decrypted, 10 names per call, and a missing one is not set', async () => {
    const s = store.current;
    for (const name of names.slice(0, 11))
      s.parameters.set(name, { value: `v-${name}`, type: 'SecureString' });
    const source = new SsmParameterSource({ client: s.client(), parameterNames: names });
    expect(await source.get('SECRET_10')).toBe('v-/Taglane/SECRET_10');
    expect(await source.get('SECRET_11')).toBeUndefined();
    expect(await source.get('OTHER')).toBeUndefined();
    expect(
      s.calls.map((c) => [c.operation, (c.input.Names as string[]).length, c.input.WithDecryption]),
    ).toEqual([
      ['GetParameters', 10, true],
      ['GetParameters', 2, true],
    ]);
  });

  it('keeps the values for the cache time, then reads them again', async () => {
    const s = store.current;
    s.parameters.set('/Taglane/MATOMO_TOKEN', { value: 'old', type: 'SecureString' });
    let now = 0;
    const source = new SsmParameterSource({
      client: s.client(),
      parameterNames: ['/Taglane/MATOMO_TOKEN'],
      ttlMs: 1000,
      now: () => now,
    });
    expect(await source.get('MATOMO_TOKEN')).toBe('old');
    s.parameters.set('/Taglane/MATOMO_TOKEN', { value: 'new', type: 'SecureString' });
    now = 999;
    expect(await source.get('MATOMO_TOKEN')).toBe('old');
    now = 1000;
    expect(await source.get('MATOMO_TOKEN')).toBe('new');
    expect(s.calls).toHaveLength(2);
  });

  it('creates a missing key once as a SecureString; a second creator gets the first value', async () => {
    const s = store.current;
    const parameterNames = ['/Taglane/TAGLANE_VISITOR_HMAC_KEY'];
    const first = new SsmParameterSource({ client: s.client(), parameterNames });
    const second = new SsmParameterSource({ client: s.client(), parameterNames });
    // Both find no key before either creates it, as two cold starts at once would.
    expect(await first.get('TAGLANE_VISITOR_HMAC_KEY')).toBeUndefined();
    expect(await second.get('TAGLANE_VISITOR_HMAC_KEY')).toBeUndefined();
    expect(await first.getOrCreate('TAGLANE_VISITOR_HMAC_KEY', () => 'key-a')).toBe('key-a');
    expect(await second.getOrCreate('TAGLANE_VISITOR_HMAC_KEY', () => 'key-b')).toBe('key-a');
    expect(s.parameters.get('/Taglane/TAGLANE_VISITOR_HMAC_KEY')).toEqual({
      value: 'key-a',
      type: 'SecureString',
    });
    const puts = s.calls.filter((c) => c.operation === 'PutParameter').map((c) => c.input);
    expect(puts).toEqual([
      expect.objectContaining({ Type: 'SecureString', Overwrite: false, Value: 'key-a' }),
      expect.objectContaining({ Type: 'SecureString', Overwrite: false, Value: 'key-b' }),
    ]);
  });

  it('never creates an existing key, and refuses a name that is not one of its parameters', async () => {
    const s = store.current;
    s.parameters.set('/Taglane/TAGLANE_VISITOR_HMAC_KEY', { value: 'kept', type: 'SecureString' });
    const source = new SsmParameterSource({
      client: s.client(),
      parameterNames: ['/Taglane/TAGLANE_VISITOR_HMAC_KEY'],
    });
    expect(await source.getOrCreate('TAGLANE_VISITOR_HMAC_KEY', () => 'fresh')).toBe('kept');
    await expect(source.getOrCreate('MATOMO_TOKEN', () => 'x')).rejects.toThrow(/not one of the parameters/);
    expect(s.calls.some((c) => c.operation === 'PutParameter')).toBe(false);
  });
});

describe('secret sources together', () => {
  it('name a secret by the last segment of its parameter', () => {
    expect(secretNameOfParameter('/TaglaneStaging/MATOMO_EU_TOKEN')).toBe('MATOMO_EU_TOKEN');
  });

  it('answer from the first source that has the name', async () => {
    const sources = new FirstOfSecretSources([
      new EnvSecretSource({ A: 'first', B: '' }),
      new EnvSecretSource({ A: 'second', B: 'second-b' }),
    ]);
    expect(await sources.get('A')).toBe('first');
    expect(await sources.get('B')).toBe('second-b');
    expect(await sources.get('C')).toBeUndefined();
  });
});
