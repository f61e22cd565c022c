import { z } from 'zod';
import { EXPRESSION_PATTERN } from './expression-pattern.ts';
import { Destination, Site } from './schema-targets.ts';

export { EXPRESSION_PATTERN } from './expression-pattern.ts';

/** A JSONata expression inside `{% ... %}`, evaluated against the event. */
export const Expression = z
  .string({ error: 'expected a JSONata expression inside {% ... %}' })
  .regex(EXPRESSION_PATTERN, 'expected a JSONata expression inside {% ... %}')
  .meta({ description: 'A JSONata expression inside {% ... %}, evaluated against the event.' });

/** Text: a literal string (numbers are taken as their text) or an expression. */
export const Text = z.union([z.string(), z.number()], {
  error: 'expected a string or a {% ... %} expression',
});

/** A number: a literal number or an expression producing one. */
export const Num = z.union(
  [z.number(), z.string().regex(EXPRESSION_PATTERN, 'expected a number or a {% ... %} expression')],
  { error: 'expected a number or a {% ... %} expression' },
);

/** A Matomo parameter value for the `params` escape hatch. */
export const ParamValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number, boolean or a {% ... %} expression',
});

/** Fields every track type accepts. */
const common = {
  url: Text.optional().meta({ description: 'Page URL -> url.' }),
  title: Text.optional().meta({ description: 'Action or page title -> action_name.' }),
  referrer: Text.optional().meta({ description: 'Referrer URL -> urlref.' }),
  user: Text.optional().meta({ description: 'User id -> uid.' }),
  dimensions: z
    .record(z.string().regex(/^[1-9][0-9]{0,2}$/, 'expected a custom dimension id from 1 to 999'), Text)
    .optional()
    .meta({ description: 'Custom dimensions: { id: value } -> dimension<id>.' }),
  params: z
    .record(z.string(), ParamValue)
    .optional()
    .meta({ description: 'Other documented Matomo tracking parameters, by name.' }),
};

/** Matomo's product categories: one, or a list of up to five. */
const Categories = z.union([
  Text,
  z.array(Text).min(1, 'expected 1 to 5 categories').max(5, 'expected 1 to 5 categories'),
]);

const Item = z.strictObject({
  sku: Text,
  name: Text.optional(),
  category: Categories.optional(),
  price: Num.optional(),
  quantity: Num.optional(),
});

const Items = z.union([Expression, z.array(Item)], {
  error: 'expected a list of items or a {% ... %} expression producing one',
});

/** Every track type and its fields; each key of a `track` item names one of these. */
export const TRACK_TYPES = {
  pageview: z.strictObject({ ...common }),
  event: z.strictObject({
    category: Text,
    action: Text,
    name: Text.optional(),
    value: Num.optional(),
    ...common,
  }),
  goal: z.strictObject({
    id: z.union(
      [
        z
          .number()
          .int('expected an integer goal id')
          .positive('expected a goal id > 0 (0 is ecommerce: use order or cart)'),
        z.string().regex(EXPRESSION_PATTERN, 'expected a goal id or a {% ... %} expression'),
      ],
      { error: 'expected a goal id or a {% ... %} expression' },
    ),
    revenue: Num.optional(),
    ...common,
  }),
  order: z.strictObject({
    id: Text,
    revenue: Num,
    subtotal: Num.optional(),
    tax: Num.optional(),
    shipping: Num.optional(),
    discount: Num.optional(),
    items: Items.optional(),
    ...common,
  }),
  cart: z.strictObject({ revenue: Num, items: Items.optional(), ...common }),
  crash: z.strictObject({
    message: Text,
    stack: Text.optional(),
    category: Text.optional(),
    type: Text.optional(),
    file: Text.optional(),
    line: Num.optional(),
    column: Num.optional(),
    ...common,
  }),
  search: z.strictObject({ keyword: Text, category: Text.optional(), count: Num.optional(), ...common }),
  content: z.strictObject({
    name: Text,
    piece: Text.optional(),
    target: Text.optional(),
    interaction: Text.optional(),
    ...common,
  }),
  outlink: z.strictObject({ link: Text, ...common }),
  download: z.strictObject({ link: Text, ...common }),
  ping: z.strictObject({ ...common }),
  productview: z.strictObject({
    sku: Text,
    name: Text.optional(),
    category: Categories.optional(),
    price: Num.optional(),
    ...common,
  }),
} as const;

/** The name of a track type. */
export type TrackType = keyof typeof TRACK_TYPES;

/** Track type names in declaration order. */
export const TRACK_TYPE_NAMES = Object.keys(TRACK_TYPES) as TrackType[];

/** One `track` list item: exactly one track-type key, and where it goes if not the rule's targets. */
export const Track = z
  .strictObject({ ...TRACK_TYPES, destination: Destination, site: Site })
  .partial()
  .superRefine((track, ctx) => {
    const keys = TRACK_TYPE_NAMES.filter((k) => track[k] !== undefined);
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected one track type: ${TRACK_TYPE_NAMES.join(', ')}` });
    } else if (keys.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one track type per item, got ${keys.join(' and ')}: make each a separate item`,
      });
    }
  })
  .meta({ minProperties: 1 });

/** The parsed shape of one track item (all keys optional; exactly one is set). */
export type TrackInput = z.infer<typeof Track>;
