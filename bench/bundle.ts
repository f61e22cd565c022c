import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { preparedIngestHooks, writePreparedIngest } from '../lib/prepared-ingest.ts';
import { checkAndPrepareRuleSet } from '../lib/rule-set-check.ts';
import { TaglaneFunction } from '../lib/taglane-function.ts';

/** A handler bundled the way `cdk deploy` ships it. */
export interface Bundle {
  /** Directory Lambda would unzip to /var/task. */
  readonly dir: string;
  /** The handler module, `index.mjs`. */
  readonly file: string;
  /** Size of `index.mjs` in KB (source map and rule files not counted). */
  readonly kb: number;
}

/**
 * Bundles `entry` through the stack's own {@link TaglaneFunction} in a throwaway CDK app, so the
 * esbuild options are the deployed ones, not a copy that could drift. NodejsFunction bundles
 * while it is constructed; the output is the app's only asset directory. With `rulesDir`, the
 * rule set is prepared and shipped next to the bundle (`ingest.prepared.json`) by the hooks the
 * stack's ingest function uses.
 */
export async function bundleLikeTheStack(entry: string, outdir: string, rulesDir?: string): Promise<Bundle> {
  const root = resolve('.');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench');
  new TaglaneFunction(stack, 'Fn', {
    entry: resolve(entry),
    projectRoot: root,
    serviceName: 'bench',
    timeoutSeconds: 10,
    memoryMb: 512,
    logRetention: RetentionDays.ONE_WEEK,
    environment: {},
    ...(rulesDir === undefined
      ? {}
      : {
          commandHooks: preparedIngestHooks(
            writePreparedIngest(
              {
                rules: checkAndPrepareRuleSet(rulesDir).prepared,
                destinations: { file: undefined, path: undefined },
                environment: undefined,
                tracker: undefined,
              },
              outdir,
            ),
          ),
        }),
  });
  const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
  const [asset] = assets;
  if (asset === undefined || assets.length !== 1)
    throw new Error(`expected one asset in ${outdir}: ${assets.join(', ')}`);
  const dir = join(outdir, asset);
  const file = join(dir, 'index.mjs');
  return { dir, file, kb: (await stat(file)).size / 1024 };
}
