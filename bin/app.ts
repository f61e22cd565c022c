import { App } from 'aws-cdk-lib';
import { buildTaglaneApp } from '../lib/app.ts';
import { TaglaneConfigError } from '../lib/config.ts';
import { DestinationsSynthError } from '../lib/destinations.ts';
import { RuleSetSynthError } from '../lib/rule-set-check.ts';

// The CDK app (`app` in cdk.json). Settings come from cdk.json context or `-c name=value`.
const app = new App();
try {
  buildTaglaneApp(app);
  app.synth();
} catch (error) {
  // Configuration, rule and destination problems are the user's to fix: print them plainly, no stack trace.
  if (
    error instanceof TaglaneConfigError ||
    error instanceof RuleSetSynthError ||
    error instanceof DestinationsSynthError
  ) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
