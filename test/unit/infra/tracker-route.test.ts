import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrackerConfig, TrackerConfigError } from '../../../src/sources/matomo-tracker/index.ts';
import { type Synthesised, synthTaglane } from './synth.ts';
import { functionOf, resourcesOf } from './template-queries.ts';

const context = { matomoUrl: 'https://matomo.acme.test', trackerFile: 'test/fixtures/tracker/tracker.yaml' };
let s: Synthesised;

beforeAll(() => {
  s = synthTaglane(context);
}, 120_000);
afterAll(() => s?.dispose());

describe('the browser tracker route in the stack', () => {
  it("routes GET, POST and OPTIONS /matomo.php and the file's path to ingest, which gets the tracker file prepared", () => {
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
    expect(env).not.toHaveProperty('TAGLANE_TRACKER_FILE');
    expect(env.TAGLANE_PREPARED_FILE).toBe('/var/task/ingest.prepared.json');
    const prepared = JSON.parse(readFileSync(s.stack.preparedIngestFile, 'utf8')) as {
      tracker?: { sites: [string, unknown][] };
    };
    const fixture = parseTrackerConfig(context.trackerFile, readFileSync(context.trackerFile, 'utf8'));
    expect(prepared.tracker?.sites).toEqual([...fixture.sites]);
    expect(prepared.tracker).toHaveProperty('paths', fixture.paths);
  });

  it('stops synth on an invalid tracker file, naming the line', () => {
    expect(() => synthTaglane({ ...context, trackerFile: 'test/fixtures/tracker/broken.yaml' })).toThrow(
      TrackerConfigError,
    );
  });
});
