import { Type, type TSchema } from '@sinclair/typebox';

export const LocalDateS = Type.String({ format: 'date', description: 'local date (Europe/Rome), YYYY-MM-DD' });
export const LocalTimeS = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local wall-clock time HH:MM' });
export const IdS = Type.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9._:-]+$' });
export const AttrsS = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'inheritable attributes set at this level: channels, regimes, bookingHorizonDays, classQuotas, quotaReleaseDays, holdMinutes, cancellationCutoffWorkingDays, reminderDaysBefore. null removes a key on update.',
});
export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};
export const ProblemS = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable error code' }),
    detail: Type.String(),
    path: Type.Optional(Type.String({ description: 'JSON pointer of the offending field' })),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'Problem', additionalProperties: true },
);
export const IdParams = Type.Object({ id: IdS });
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')])) as Record<number, TSchema>;
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), total: Type.Integer() });

/** A string enum that keeps its literal type (and shows as `enum` in OpenAPI). */
export const StringEnum = <const T extends readonly string[]>(values: T, opts: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

/** A schema that also accepts null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
