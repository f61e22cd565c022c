import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from './context.ts';
import { TaglaneStack } from './taglane-stack.ts';

/** Options of {@link buildTaglaneApp}. */
export interface BuildTaglaneAppOptions {
  /** Repository root (handlers, lock file, relative rules dir). @default the directory above `lib/` */
  readonly projectRoot?: string;
}

/**
 * Adds the Taglane stack to `app`, configured from the app's context, with cdk-nag's
 * AwsSolutions checks registered so any unacknowledged finding fails synthesis.
 * Shared by `bin/app.ts` and the tests, so both synthesise exactly the same thing.
 *
 * @throws TaglaneConfigError or RuleSetSynthError with every problem listed.
 */
export function buildTaglaneApp(app: App, options: BuildTaglaneAppOptions = {}): TaglaneStack {
  const config = configFromContext(app.node);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return new TaglaneStack(app, config.stackName, {
    config,
    ...(options.projectRoot ? { projectRoot: options.projectRoot } : {}),
  });
}
