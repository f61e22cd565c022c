/**
 * A string that is exactly one JSONata expression: `{% ... %}`. Apart from the schema, so the
 * compiler tells expressions from literals without loading zod.
 */
export const EXPRESSION_PATTERN = /^\{%[\s\S]*%\}$/;
