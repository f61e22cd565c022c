import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackerConfigError } from '../../../src/sources/matomo-tracker/index.ts';
import { type Synthesised, synthTaglane } from './synth.ts';
import { functionOf, resourcesOf } from './template-queries.ts';

const context = { matomoUrl: 'https://matomo.acme.test', trackerFile: 'test/fixtures/tracker/tracker.yaml' };
let s: Synthesised;

beforeAll(() => {
  s = synthTaglane(context);
}, 120_000);
afterAll(() => s?.dispose());

describe('the browser tracker route in the stack', () => {
  it("routes GET, POST and OPTIONS /matomo.php and the file's path to ingest, which reads the bundled tracker file", () => {
    const keys = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties?.RouteKey,
    );
    expect(keys).toEqual(
      expect.arrayContaining(['GET /matomo.php', 'POST /matomo.php', 'OPTIONS /matomo.php']),
    );
    expect(keys.filter((k) => String(k).endsWith(' /t/collect')).sort()).toEqual([
      'GET /t/collect',
      'OPTIONS /t/collect',
      'POST /t/collect',
    ]);
    const env = (functionOf(s.template, 'ingest').props.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.TAGLANE_TRACKER_FILE).toBe('/var/task/tracker.yaml');
  });

  it('stops synth on an invalid tracker file, naming the line', () => {
    expect(() => synthTaglane({ ...context, trackerFile: 'test/fixtures/tracker/broken.yaml' })).toThrow(
      TrackerConfigError,
    );
  });
});
