/**
 * A small declarative schema language for edgepipe's YAML files. Each field states its type, description,
 * default, example, allowed values and ranges; from one definition come the validator (validate.ts), the JSON
 * Schema for editors (json-schema.ts), the reference docs (docs.ts) and, at the type level, the validated
 * TypeScript type (`Infer`), which test/config checks against src/config/types.ts.
 *
 * Field names are the YAML (snake_case) names; validated objects use camelCase (`top_k` -> `topK`). Defaults and
 * examples are written in YAML form and go through the same validation as values from a file.
 */

/** required: must be given. defaulted: absent means the default. optional: absent stays absent. */
export type Presence = 'required' | 'defaulted' | 'optional';

interface FieldDoc<P extends Presence> {
  readonly presence: P;
  /** What the field means, with units and ranges in words; shown in docs and editors. */
  readonly description: string;
  /** The default in YAML form; validated like a value from a file. */
  readonly default?: unknown;
  /** A default that depends on a sibling field's (validated) value: `{ field: 'policy', values: { queue: 8 } }`. */
  readonly defaultBy?: { readonly field: string; readonly values: Readonly<Record<string, unknown>> };
  /** A typical value in YAML form, for the docs. */
  readonly example?: unknown;
}

export interface StringSchema<P extends Presence = Presence> extends FieldDoc<P> {
  readonly type: 'string';
  /** What to say is expected when the value is wrong; default `a string` (`a path` for paths). */
  readonly expected?: string;
  readonly pattern?: RegExp;
  /** A file or folder: relative values resolve against the YAML file's folder. */
  readonly path?: boolean;
  /** Proposes a fixed value for one that fails the pattern (`Front Door` -> `front-door`). */
  readonly fix?: (text: string) => string | undefined;
  /** Plural noun for lists of these (`delegate names`); default `strings` or `paths`. */
  readonly plural?: string;
  /** Values editors offer for completion; others are allowed. */
  readonly examples?: readonly string[];
}

export interface NumberSchema<P extends Presence = Presence, K extends string = string> extends FieldDoc<P> {
  readonly type: 'number';
  readonly integer: boolean;
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed (e.g. std > 0). */
  readonly exclusiveMin?: boolean;
  /** Words accepted besides numbers (`auto`). */
  readonly keywords: readonly K[];
}

export interface BooleanSchema<P extends Presence = Presence> extends FieldDoc<P> {
  readonly type: 'boolean';
}

export interface EnumSchema<P extends Presence = Presence, V extends string | number = string | number> extends FieldDoc<P> {
  readonly type: 'enum';
  readonly values: readonly V[];
  /** What each value does, for the docs. */
  readonly meanings?: Readonly<Partial<Record<V, string>>>;
  /** Words people use for a value, offered as suggestions (never accepted): `stretch` -> `fill`. */
  readonly synonyms?: Readonly<Record<string, V>>;
}

export interface ListSchema<P extends Presence = Presence, I extends Schema = Schema, L extends number | undefined = number | undefined>
  extends FieldDoc<P> {
  readonly type: 'list';
  readonly items: I;
  /** What to say is expected when the value is not a list; default `a list of <items>`. */
  readonly expected?: string;
  /** Exactly this many items (a tuple such as an RGB colour). */
  readonly length?: L;
  readonly minItems?: number;
  readonly maxItems?: number;
  /** The same value may not appear twice. */
  readonly unique?: boolean;
  /** Adjusts the validated list (e.g. appends `cpu` to a delegate chain); described in `description`. */
  readonly normalise?: (items: readonly unknown[]) => unknown[];
}

/** Cross-field rules of an object; `report` names the YAML field (or none for the object itself). */
export interface ObjectCheck<T> {
  run(value: T, report: (field: string | undefined, message: string) => void): void;
}

export type Fields = Readonly<Record<string, Schema>>;

export interface ObjectSchema<P extends Presence = Presence, F extends Fields = Fields> extends FieldDoc<P> {
  readonly type: 'object';
  /** Heading in the docs, e.g. `Preprocess`. */
  readonly title: string;
  readonly fields: F;
  /** Typed by the `object` builder; `never` here keeps the recursive schema types finite. */
  readonly checks: readonly ObjectCheck<never>[];
  /**
   * A field the map may be written as alone (`[car, truck]` for `{ classes: [car, truck] }`): a value that is not
   * a map is checked as that field, at the same path, and becomes a map of only it (defaults and checks left out).
   */
  readonly shorthand?: string;
}

/** Maps discriminated by `kind`: each variant lists its other fields. */
type Variants = Readonly<Record<string, ObjectSchema>>;

export interface UnionSchema<P extends Presence = Presence, V extends Variants = Variants> extends FieldDoc<P> {
  readonly type: 'union';
  readonly title: string;
  readonly variants: V;
}

export type Schema = StringSchema | NumberSchema | BooleanSchema | EnumSchema | ListSchema | ObjectSchema | UnionSchema;

// ---- type-level: the validated TypeScript type of a schema ----

/** `top_k` -> `topK`, `stats_interval_s` -> `statsIntervalS`. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;
type OptionalKeys<F> = { [K in keyof F]: F[K] extends { presence: 'optional' } ? K : never }[keyof F];
type PresentKeys<F> = Exclude<keyof F, OptionalKeys<F>>;

export type InferFields<F> = Simplify<
  { [K in PresentKeys<F> as CamelCase<K & string>]: Infer<F[K]> } & {
    [K in OptionalKeys<F> as CamelCase<K & string>]?: Infer<F[K]>;
  }
>;

export type Infer<S> = S extends StringSchema
  ? string
  : S extends NumberSchema<Presence, infer K>
    ? number | K
    : S extends BooleanSchema
      ? boolean
      : S extends EnumSchema<Presence, infer V>
        ? V
        : S extends ListSchema<Presence, infer I, infer L>
          ? L extends number
            ? Tuple<Infer<I>, L>
            : Infer<I>[]
          : S extends ObjectSchema<Presence, infer F>
            ? InferFields<F>
            : S extends UnionSchema<Presence, infer V>
              ? { [K in keyof V]: V[K] extends ObjectSchema<Presence, infer F> ? Simplify<{ kind: K } & InferFields<F>> : never }[keyof V]
              : never;

// ---- builders ----

type PresenceOf<O> = O extends { required: true }
  ? 'required'
  : O extends { default: unknown }
    ? 'defaulted'
    : O extends { defaultBy: unknown }
      ? 'defaulted'
      : 'optional';

interface DocOptions {
  description: string;
  required?: true;
  default?: unknown;
  defaultBy?: { field: string; values: Record<string, unknown> };
  example?: unknown;
}

function presence(options: DocOptions): Presence {
  if (options.required) return 'required';
  return options.default !== undefined || options.defaultBy !== undefined ? 'defaulted' : 'optional';
}

function doc<O extends DocOptions>(options: O): FieldDoc<PresenceOf<O>> {
  const { required: _required, ...rest } = options;
  return { ...rest, presence: presence(options) as PresenceOf<O> };
}

type StringOptions = DocOptions & Omit<StringSchema, 'type' | keyof FieldDoc<Presence>>;
export function string<const O extends StringOptions>(options: O): StringSchema<PresenceOf<O>> {
  return { ...options, ...doc(options), type: 'string' };
}

type NumberOptions = DocOptions & Omit<NumberSchema, 'type' | 'integer' | 'keywords' | keyof FieldDoc<Presence>>;
/** A number; `min`/`max` inclusive unless `exclusiveMin`. */
export function number<const O extends NumberOptions>(options: O): NumberSchema<PresenceOf<O>, never> {
  return { ...options, ...doc(options), type: 'number', integer: false, keywords: [] };
}

/** A whole number, optionally also accepting some words (`keywords: ['auto']`). */
export function integer<const O extends NumberOptions & { keywords?: readonly string[] }>(
  options: O,
): NumberSchema<PresenceOf<O>, O extends { keywords: readonly (infer K extends string)[] } ? K : never> {
  return { ...options, ...doc(options), type: 'number', integer: true, keywords: options.keywords ?? [] } as unknown as NumberSchema<
    PresenceOf<O>,
    O extends { keywords: readonly (infer K extends string)[] } ? K : never
  >;
}

export function boolean<const O extends DocOptions>(options: O): BooleanSchema<PresenceOf<O>> {
  return { ...options, ...doc(options), type: 'boolean' };
}

type EnumOptions<V extends string | number> = DocOptions & Omit<EnumSchema<Presence, V>, 'type' | 'values' | keyof FieldDoc<Presence>>;
export function oneOf<const V extends string | number, const O extends EnumOptions<V>>(
  values: readonly V[],
  options: O,
): EnumSchema<PresenceOf<O>, V> {
  return { ...options, ...doc(options), type: 'enum', values };
}

type ListOptions = DocOptions & Omit<ListSchema, 'type' | 'items' | keyof FieldDoc<Presence>>;
export function list<I extends Schema, const O extends ListOptions>(
  items: I,
  options: O,
): ListSchema<PresenceOf<O>, I, O extends { length: infer L extends number } ? L : undefined> {
  return { ...options, ...doc(options), type: 'list', items } as ListSchema<
    PresenceOf<O>,
    I,
    O extends { length: infer L extends number } ? L : undefined
  >;
}

export function object<const F extends Fields, const O extends DocOptions & { title: string; shorthand?: keyof F & string }>(
  options: O,
  fields: F,
  checks: readonly ObjectCheck<InferFields<F>>[] = [],
): ObjectSchema<PresenceOf<O>, F> {
  return { ...options, ...doc(options), type: 'object', fields, checks };
}

/** A map whose `kind` picks one of `variants` (each variant: its fields besides `kind`). */
export function union<const V extends Readonly<Record<string, ObjectSchema>>, const O extends DocOptions & { title: string }>(
  options: O,
  variants: V,
): UnionSchema<PresenceOf<O>, V> {
  return { ...options, ...doc(options), type: 'union', variants };
}
