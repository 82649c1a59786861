/**
 * The one adapter between a front door and the services: validates the input against the method's schema,
 * calls the handler, and turns anything thrown into the shared error shape. IPC and HTTP both go through here,
 * so a payload refused over one is refused over the other with the same message.
 */
import type { z } from 'zod';
import { isMethodName, type MethodName } from '../contract/names.js';
import { inputSchemas } from '../contract/schemas.js';
import type { ApiHandlers } from '../contract/contract.js';
import { ApiError, isApiErrorCode, type ApiErrorCode, type ApiErrorInfo } from '../shared/errors.js';

/** Anything thrown → `{code, message, details?}` (SerError and ApiError keep theirs; others become `internal`). */
export function toApiError(err: unknown): ApiErrorInfo {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err && isApiErrorCode(err.code)) {
    const e = err as { code: ApiErrorCode; message: string; details?: Record<string, unknown> };
    return e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** Readable one-line summary of schema issues ("epochs: Too small: expected number to be >=1"). */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Validates `raw` for `method`; throws ApiError('bad-input') listing every problem. */
export function parseInput<M extends MethodName>(method: M, raw: unknown): z.output<(typeof inputSchemas)[M]> {
  const schema = inputSchemas[method] as z.ZodType;
  const res = schema.safeParse(raw ?? undefined);
  if (!res.success) {
    throw new ApiError({
      code: 'bad-input',
      message: `${method}: ${describeIssues(res.error.issues)}`,
      details: { issues: res.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
    });
  }
  return res.data as z.output<(typeof inputSchemas)[M]>;
}

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorInfo };

export interface Router {
  /** Validates and dispatches; never throws (errors come back as data, ready for IPC or JSON). */
  call(method: string, raw: unknown): Promise<CallResult>;
}

export function createRouter(handlers: ApiHandlers): Router {
  return {
    async call(method, raw) {
      try {
        if (!isMethodName(method)) throw new ApiError({ code: 'not-found', message: `unknown API method '${method}'` });
        const input = parseInput(method, raw);
        const handler = handlers[method] as (input: unknown) => unknown;
        return { ok: true, value: await handler(input) };
      } catch (err) {
        const info = toApiError(err);
        if (info.code === 'internal') console.error(`${method} failed:`, err);
        return { ok: false, error: info };
      }
    },
  };
}
