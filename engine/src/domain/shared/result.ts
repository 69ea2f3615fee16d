/**
 * Expected failures are values: a stable code, a human message and, where it applies,
 * the JSON-pointer-like path of the offending field (e.g. "/templates/1/start").
 * Only the HTTP layer maps codes to status codes and problem+json.
 */
export interface DomainError {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
  readonly details?: unknown;
}

export type Result<T, E extends DomainError = DomainError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = (code: string, message: string, path?: string, details?: unknown): Result<never> => ({
  ok: false,
  error: { code, message, ...(path !== undefined ? { path } : {}), ...(details !== undefined ? { details } : {}) },
});
