import type { DomainError } from '../domain/shared/result.ts';

/** The one place where stable error codes meet HTTP status codes. */
const STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  AUTH_REQUIRED: 401,
  TOKEN_INVALID: 401,
  ROLE_FORBIDDEN: 403,
  SCOPE_FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  AGENDA_HAS_BOOKINGS: 409,
  RELOCATION_IMPOSSIBLE: 409,
  ORG_HAS_ACTIVE_CHILDREN: 409,
  DUPLICATE_CODE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  SLOT_TAKEN: 409,
  DUPLICATE_NRE: 409,
  DUPLICATE_BOOKING: 409,
  HOLD_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
};

export const statusOf = (code: string): number => STATUS[code] ?? (code.endsWith('_NOT_FOUND') ? 404 : 422);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  path?: string;
  errors?: { path: string; message: string }[];
  [k: string]: unknown;
}

export function problemOf(e: DomainError, extra: Record<string, unknown> = {}): Problem {
  const status = statusOf(e.code);
  return {
    type: `https://cupola.dev/problems/${e.code.toLowerCase().replace(/_/g, '-')}`,
    title: e.code,
    status,
    code: e.code,
    detail: e.message,
    ...(e.path !== undefined ? { path: e.path } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
    ...extra,
  };
}

/** Thrown inside route handlers to leave with a problem; the error handler renders it. */
export class ProblemError extends Error {
  constructor(readonly problem: DomainError) {
    super(problem.message);
  }
}

export const fail = (code: string, message: string, path?: string, details?: unknown): never => {
  throw new ProblemError({ code, message, ...(path !== undefined ? { path } : {}), ...(details !== undefined ? { details } : {}) });
};
