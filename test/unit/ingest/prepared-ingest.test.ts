import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IngestConfig } from '../../../functions/ingest/compose.ts';
import { parseIngestEnv } from '../../../functions/ingest/config.ts';
import { loadYamlIngestConfig } from '../../../functions/ingest/env.ts';
import { loadPreparedIngestConfig } from '../../../functions/ingest/prepared-config.ts';
import { writePreparedIngest } from '../../../lib/prepared-ingest.ts';
import { checkAndPrepareRuleSet, RuleSetSynthError } from '../../../lib/rule-set-check.ts';
import { loadDestinationsSync } from '../../../src/destinations/index.ts';
import { DEFAULT_LIMITS, type IngestRequest, ingest, MemoryQueue } from '../../../src/ingest/index.ts';
import { compilePreparedIngest } from '../../../src/ingest/prepared.ts';
import {
  type CompiledSource,
  EXAMPLE_RECEIVED_AT,
  formatProblem,
  loadRuleSet,
  RuleSetError,
  runExamples,
} from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { parseTrackerConfig } from '../../../src/sources/matomo-tracker/index.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';
import { secrets } from './harness.ts';

const DESTINATIONS = `destinations:
  default: { url: https://matomo.acme.test, sites: { shop: 1, blog: 2 } }
  eu: { url: https://eu.matomo.acme.test, token: MATOMO_EU_TOKEN, visitors: own, sites: { shop: 4 } }
environments:
  staging:
    default: { sites: { shop: 11 } }
    eu: { sites: { shop: 14 } }
`;

const FAN_OUT = `source: shop
auth: { api-key: { secrets: [TAGLANE_API_KEY] } }
site: shop
visitor: { key: '{% customer %}' }
rules:
  - name: order
    destination: [default, eu]
    track:
      - order: { id: '{% id %}', revenue: '{% total %}' }
      - event: { category: Shop, action: Paid }
        destination: default
        site: [shop, blog]
`;

const TRACKER = `sites:
  1: { destination: eu, anonymiseIp: 2, deny: [uid] }
  4: { consent: drop }
trustedProxies: [10.0.0.0/8]
`;

const fanOut = tempDirPerFile('taglane-prepared-', {
  'destinations.yaml': DESTINATIONS,
  'rules/shop.yaml': FAN_OUT,
  'tracker.yaml': TRACKER,
});

/** What the YAML loader of ingest run from source gives for these files. */
function fromYaml(vars: Record<string, string>): Promise<IngestConfig> {
  return loadYamlIngestConfig(parseIngestEnv({ TAGLANE_QUEUE_URL: 'http://127.0.0.1:9/q', ...vars }));
}

/** What the deployed ingest gives: prepared as the stack prepares it, loaded as lambda.ts loads it. */
function fromPrepared(options: {
  rulesDir: string;
  destinations?: string;
  environment?: string;
  tracker?: string;
}): Promise<IngestConfig> {
  const { destinations: file, environment } = options;
  const destinations = loadDestinationsSync({ file, environment });
  const { prepared } = checkAndPrepareRuleSet(options.rulesDir, { targets: destinations.catalog });
  const names = new Set(destinations.list.map((d) => d.name));
  const tracker =
    options.tracker === undefined
      ? undefined
      : parseTrackerConfig(options.tracker, readFileSync(options.tracker, 'utf8'), names);
  const path = writePreparedIngest(
    { rules: prepared, destinations: { file, path: file }, environment, tracker },
    fanOut.path,
  );
  return loadPreparedIngestConfig(path);
}

/** Everything a compiled source says about one event, or the error it throws. */
async function outcome(source: CompiledSource, event: unknown): Promise<unknown> {
  try {
    const eventId = await source.eventId(event);
    const challenge = await source.challenge(event);
    const ctx = { eventId: eventId ?? 'no-id', receivedAt: EXAMPLE_RECEIVED_AT };
    return { eventId, challenge, mapped: await source.map(event, ctx) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Calls `ingest()` with each request on both configurations; returns both answers and queues. */
async function answers(configs: readonly IngestConfig[], requests: readonly Partial<IngestRequest>[]) {
  return Promise.all(
    configs.map(async (config) => {
      const queue = new MemoryQueue();
      const deps = {
        rules: config.rules,
        ...(config.tracker === undefined ? {} : { tracker: config.tracker }),
        queue,
        secrets: new EnvSecretSource(secrets),
        clock: () => EXAMPLE_RECEIVED_AT,
        limits: DEFAULT_LIMITS,
      };
      const out: unknown[] = [];
      for (const request of requests) {
        const response = await ingest(
          {
            method: 'POST',
            path: '/events',
            query: {},
            headers: {},
            body: Buffer.alloc(0),
            requestId: 'r1',
            ...request,
          },
          deps,
        );
        out.push({ response, queued: queue.messages.splice(0) });
      }
      return out;
    }),
  );
}

describe('the ingest configuration prepared at synth', () => {
  it('maps every shipped example payload exactly as the YAML rule set does', async () => {
    const [yaml, prepared] = await Promise.all([
      fromYaml({ TAGLANE_RULES_DIR: 'rules' }),
      fromPrepared({ rulesDir: 'rules' }),
    ]);
    expect([...prepared.rules.sources.keys()]).toEqual([...yaml.rules.sources.keys()]);
    let compared = 0;
    for (const name of readdirSync(join('rules', 'examples'))) {
      const [a, b] = [yaml.rules.sources.get(name), prepared.rules.sources.get(name)];
      if (a === undefined || b === undefined) throw new Error(`no source ${name} for rules/examples/${name}`);
      expect(b.auth).toEqual(a.auth);
      for (const file of readdirSync(join('rules', 'examples', name)).filter((f) => f.endsWith('.json'))) {
        const event: unknown = JSON.parse(readFileSync(join('rules', 'examples', name, file), 'utf8'));
        expect(await outcome(b, event), `${name}/${file}`).toEqual(await outcome(a, event));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('answers the app and Segment example requests through ingest() as the YAML rule set does', async () => {
    const [yaml, prepared] = await Promise.all([
      fromYaml({ TAGLANE_RULES_DIR: 'rules' }),
      fromPrepared({ rulesDir: 'rules' }),
    ]);
    const read = (source: string) =>
      readdirSync(join('rules', 'examples', source))
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFileSync(join('rules', 'examples', source, f)));
    const basic = `Basic ${Buffer.from(`${secrets.SEGMENT_WRITE_KEY}:`).toString('base64')}`;
    const requests: Partial<IngestRequest>[] = [
      ...read('app').map((body) => ({
        path: '/events',
        query: { source: 'app' },
        headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
        body,
      })),
      ...read('segment').map((body) => ({
        path: `/v1/${(JSON.parse(body.toString()) as { type: string }).type}`,
        headers: { 'content-type': 'application/json', authorization: basic },
        body,
      })),
    ];
    const [fromFiles, fromJson] = await answers([yaml, prepared], requests);
    expect(fromJson).toEqual(fromFiles);
    const queued = (fromJson as { queued: unknown[] }[]).reduce((n, a) => n + a.queued.length, 0);
    expect(queued).toBeGreaterThan(15);
  });

  it('passes every rule example with the results the YAML rule set has', async () => {
    const [yaml, prepared] = await Promise.all([
      fromYaml({ TAGLANE_RULES_DIR: 'rules' }),
      fromPrepared({ rulesDir: 'rules' }),
    ]);
    const strip = (r: {
      source: string;
      rule: string;
      index: number;
      given: string;
      ok: boolean;
      diff: readonly string[];
    }) => [r.source, r.rule, r.index, r.given, r.ok, r.diff];
    const want = (await runExamples(yaml.rules)).map(strip);
    expect(want.length).toBeGreaterThan(10);
    expect((await runExamples(prepared.rules)).map(strip)).toEqual(want);
  });

  it('fans out to the destinations, sites and visitor scopes of the selected environment', async () => {
    const dir = fanOut.path;
    for (const environment of [undefined, 'staging']) {
      const files = { rulesDir: join(dir, 'rules'), destinations: join(dir, 'destinations.yaml') };
      const [yaml, prepared] = await Promise.all([
        fromYaml({
          TAGLANE_RULES_DIR: files.rulesDir,
          TAGLANE_DESTINATIONS_FILE: files.destinations,
          ...(environment === undefined ? {} : { TAGLANE_ENV: environment }),
        }),
        fromPrepared({ ...files, ...(environment === undefined ? {} : { environment }) }),
      ]);
      const order = { id: 'o1', total: 30, customer: 'c-9' };
      const [fromFiles, fromJson] = await answers(
        [yaml, prepared],
        [
          {
            path: '/events',
            query: { source: 'shop' },
            headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
            body: Buffer.from(JSON.stringify(order)),
          },
        ],
      );
      expect(fromJson).toEqual(fromFiles);
      const [{ queued }] = fromJson as [
        { queued: { destination: string; params: { idsite: string }; visitor: { key: string } }[] },
      ];
      expect(queued.map((r) => `${r.destination}:${r.params.idsite}:${r.visitor.key}`)).toEqual(
        environment === undefined
          ? ['default:1:c-9', 'eu:4:eu:c-9', 'default:1:c-9', 'default:2:c-9']
          : ['default:11:c-9', 'eu:14:eu:c-9', 'default:11:c-9', 'default:2:c-9'],
      );
    }
  });

  it('serves the browser tracker with the tracker file and destinations it was prepared from', async () => {
    const dir = fanOut.path;
    const files = {
      rulesDir: join(dir, 'rules'),
      destinations: join(dir, 'destinations.yaml'),
      tracker: join(dir, 'tracker.yaml'),
    };
    const [yaml, prepared] = await Promise.all([
      fromYaml({
        TAGLANE_RULES_DIR: files.rulesDir,
        TAGLANE_DESTINATIONS_FILE: files.destinations,
        TAGLANE_TRACKER_FILE: files.tracker,
      }),
      fromPrepared(files),
    ]);
    const hit = (idsite: string, extra: Record<string, string> = {}): Partial<IngestRequest> => ({
      method: 'GET',
      path: '/matomo.php',
      query: {
        idsite,
        rec: '1',
        action_name: 'Home',
        url: 'https://shop.test/',
        _id: '0123456789abcdef',
        uid: 'u1',
        ...extra,
      },
      headers: { 'user-agent': 'Mozilla/5.0', 'x-forwarded-for': '203.0.113.9' },
      sourceIp: '10.1.2.3',
    });
    const [fromFiles, fromJson] = await answers(
      [yaml, prepared],
      [hit('1'), hit('4'), hit('4', { consent: '1' }), hit('9')],
    );
    expect(fromJson).toEqual(fromFiles);
    const statuses = (
      fromJson as {
        response: { status: number };
        queued: { destination: string; params: Record<string, string> }[];
      }[]
    ).map((a) => [
      a.response.status,
      a.queued.map((r) => `${r.destination} cip=${r.params.cip} uid=${r.params.uid}`),
    ]);
    expect(statuses[0]).toEqual([200, ['eu cip=203.0.0.0 uid=undefined']]);
    expect(statuses[1]?.[1]).toEqual([]);
    expect(statuses[3]?.[0]).toBeGreaterThanOrEqual(400);
  });

  it('is refused at synth with exactly the problems the YAML loader reports, naming lines', async () => {
    const dir = join(fanOut.path, 'rules');
    const destinations = join(fanOut.path, 'destinations.yaml');
    const broken = join(fanOut.path, 'broken');
    await mkdir(broken, { recursive: true });
    // An unknown key, an unknown site name and a JSONata syntax error, in one file.
    await writeFile(
      join(broken, 'shop.yaml'),
      FAN_OUT.replace('site: shop', 'site: nowhere')
        .replace('revenue:', 'revenu:')
        .replace("'{% id %}'", "'{% id + %}'"),
    );
    const catalog = loadDestinationsSync({ file: destinations }).catalog;
    const yamlProblems = await loadRuleSet(broken, { targets: catalog }).then(
      () => [],
      (e: unknown) => (e instanceof RuleSetError ? e.problems.map(formatProblem) : [String(e)]),
    );
    expect(yamlProblems.length).toBeGreaterThanOrEqual(2);
    expect(() => checkAndPrepareRuleSet(broken, { targets: catalog })).toThrow(RuleSetSynthError);
    try {
      checkAndPrepareRuleSet(broken, { targets: catalog });
    } catch (e) {
      expect((e as RuleSetSynthError).lines).toEqual(yamlProblems);
    }
    // The valid directory next to it prepares fine: the refusal is the file's, not the setup's.
    expect(checkAndPrepareRuleSet(dir, { targets: catalog }).prepared.files).toHaveLength(1);
  });

  it('compiles a source when it is first used, and refuses one edited by hand since synth then', async () => {
    const destinations = loadDestinationsSync({});
    const { prepared } = checkAndPrepareRuleSet('rules', { targets: destinations.catalog });
    const edited = JSON.parse(JSON.stringify(prepared)) as typeof prepared;
    const app = edited.files.find((f) => f.file.source === 'app');
    if (app === undefined) throw new Error('no app source in rules/');
    (app.file as { site: unknown }).site = '{% site + %}';
    const path = writePreparedIngest(
      {
        rules: edited,
        destinations: { file: undefined, path: undefined },
        environment: undefined,
        tracker: undefined,
      },
      fanOut.path,
    );
    // Loading does not compile: the other sources still work, the edited one fails on first use.
    const loaded = await loadPreparedIngestConfig(path);
    const ctx = { eventId: 'e1', receivedAt: EXAMPLE_RECEIVED_AT };
    await expect(loaded.rules.sources.get('app')?.map({}, ctx)).rejects.toThrow(RuleSetError);
    await expect(loaded.rules.sources.get('app')?.map({}, ctx)).rejects.toThrow(/rules\/app\.yaml:1:1 site:/);
    const github = readFileSync(join('rules', 'examples', 'github', 'star-created.json'), 'utf8');
    expect((await loaded.rules.sources.get('github')?.map(JSON.parse(github), ctx))?.requests.length).toBe(1);
  });

  it('refuses a value that is not a prepared configuration', () => {
    expect(() => compilePreparedIngest({ version: 2 })).toThrow(RuleSetError);
    expect(() => compilePreparedIngest({ version: 2 })).toThrow(/not a prepared ingest configuration/);
  });
});
