// Reads the HTTP status out of @kubernetes/client-node errors, so callers can treat 404/409/429 as outcomes.
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

export const isNotFound = (error: unknown) => statusCodeOf(error) === 404;
export const isConflict = (error: unknown) => statusCodeOf(error) === 409;
export const isTooManyRequests = (error: unknown) => statusCodeOf(error) === 429;

/** A write that may pass when tried again: no answer (network), 429, or a server-side 5xx. */
export function isTransient(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === undefined || code === 429 || code >= 500;
}

/** A short human message from an ApiException (its body is the apiserver's Status, as a string). */
export function apiMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "body" in error) {
    const body = (error as { body?: unknown }).body;
    if (typeof body === "string") {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === "string") return parsed.message;
      } catch {
        return body.slice(0, 300);
      }
    }
  }
  return error instanceof Error ? error.message : String(error);
}
