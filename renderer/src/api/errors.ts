// Turns whatever a call failed with into an ApiError (message + fix) for the error banners.
import { ApiError, type ApiErrorBody } from '../../../shared/api';

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && 'message' in e && 'code' in e && 'fix' in e) {
    const b = e as ApiErrorBody;
    return new ApiError(String(b.message), b.fix ?? null, String(b.code));
  }
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError(message, null, 'CLIENT');
}

export function fromBody(body: ApiErrorBody | undefined | null): ApiError {
  if (!body) return new ApiError('The engine answered with an error it did not describe.', null, 'UNKNOWN');
  return new ApiError(body.message, body.fix ?? null, body.code ?? 'UNKNOWN');
}
