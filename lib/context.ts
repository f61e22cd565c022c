import type { Node } from 'constructs';
import { CONFIG_KEYS, parseTaglaneConfig, type TaglaneConfig } from './config.ts';

/**
 * Context keys that look like Taglane settings (plain camelCase) but are not one: passed on
 * so the strict schema reports the typo. CDK's own keys (`@aws-cdk/...`, `aws:cdk:...`,
 * `acknowledged-issue-numbers`) never match.
 */
const SETTING_LIKE = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Reads Taglane's settings from CDK context (cdk.json `context`, `cdk.context.json`, `-c`)
 * and validates them; throws `TaglaneConfigError` with every problem at once.
 *
 * @example
 * // npx cdk synth -c matomoUrl=https://matomo.example.com -c queueMode=fifo
 * const config = configFromContext(app.node);
 */
export function configFromContext(node: Node): TaglaneConfig {
  const all: Record<string, unknown> = node.getAllContext();
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (CONFIG_KEYS.includes(key) || SETTING_LIKE.test(key)) raw[key] = value;
  }
  return parseTaglaneConfig(raw);
}
