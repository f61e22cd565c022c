import type { Template } from 'aws-cdk-lib/assertions';

/** One IAM policy statement as CloudFormation holds it. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** A resource of the template, by logical id. */
export type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every resource of `type`, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The only resource of `type` whose properties contain `match` (by JSON substring). */
export function logicalIdOf(template: Template, type: string, match: string): string {
  const ids = Object.entries(resourcesOf(template, type))
    .filter(([, r]) => JSON.stringify(r).includes(match))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} matching ${match}, found ${ids.join(', ')}`);
  return ids[0] as string;
}

/** The dead-letter queue: the only queue without a redrive policy of its own. */
export function deadLetterQueueOf(template: Template): string {
  const ids = Object.entries(resourcesOf(template, 'AWS::SQS::Queue'))
    .filter(([, r]) => r.Properties?.RedrivePolicy === undefined)
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one queue without a redrive policy, found ${ids.join(', ')}`);
  return ids[0] as string;
}

/** The statements of every inline policy, or of those attached to the role `roleId`. */
export function policyStatements(template: Template, roleId?: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => roleId === undefined || JSON.stringify(p.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .flatMap(
      (p) => (p.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? [],
    );
}

/** The statements of the inline policies attached to the role `roleId`. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  return policyStatements(template, roleId);
}

/** Actions of a statement as an array. */
export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** Logical ids a CloudFormation value refers to through `Ref` or `Fn::GetAtt`. */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string') out.push(inner);
    else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') out.push(inner[0]);
    else out.push(...referencedIds(inner));
  }
  return out;
}

/** A Taglane function of the template by its Powertools service name (`ingest`, `batcher`). */
export function functionOf(template: Template, service: 'ingest' | 'batcher') {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', `"POWERTOOLS_SERVICE_NAME":"${service}"`);
  const props = resourcesOf(template, 'AWS::Lambda::Function')[id]?.Properties ?? {};
  /** Logical id of the function's execution role. */
  const role = referencedIds(props.Role)[0] ?? '';
  return { id, props, role };
}

/** The SSM parameter names (`/Taglane/MATOMO_TOKEN`) in an IAM resource or a template value. */
export function parameterNamesIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/:parameter(\/[^"]*)/g)].map((m) => m[1] ?? '').sort();
}
