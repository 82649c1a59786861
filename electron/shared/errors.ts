/**
 * One error shape crosses every boundary (CLI, IPC, HTTP, worker and process messages): a stable code, a message a
 * user can act on, and optional structured details. The codes are listed here once. Engine code throws `SerError`;
 * the API's router and server throw `ApiError` (which also carries the two codes only the HTTP front door uses),
 * and the renderer's clients rebuild an `ApiError` from what crossed IPC or HTTP. Runtime-neutral: no Node, DOM or
 * Electron, so every layer (native adapters, engine, contract, transports, renderer) can import it.
 */

/** Codes the engine (and the native adapters) throw. */
export const ERROR_CODES = [
  'bad-input',
  'not-found',
  'unreadable',
  'corrupt',
  'unsupported',
  'io',
  'db-newer',
  'db-locked',
  'backend',
  'device',
  'cancelled',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The engine's codes plus the two the HTTP front door adds. */
export const API_ERROR_CODES = [...ERROR_CODES, 'unauthorized', 'forbidden'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const API_CODE_SET: ReadonlySet<string> = new Set(API_ERROR_CODES);
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && API_CODE_SET.has(code);
}

/** The plain-data error shape, as it crosses a boundary. */
export interface ErrorInfo<C extends string = ErrorCode> {
  code: C;
  message: string;
  details?: Record<string, unknown>;
}
export type ApiErrorInfo = ErrorInfo<ApiErrorCode>;

/** An Error with a code and optional details that serialises to its `ErrorInfo`. */
abstract class CodedError<C extends string> extends Error {
  readonly code: C;
  readonly details?: Record<string, unknown>;
  constructor(info: ErrorInfo<C>) {
    super(info.message);
    this.code = info.code;
    if (info.details) this.details = info.details;
  }
  toJSON(): ErrorInfo<C> {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** What the engine throws. */
export class SerError extends CodedError<ErrorCode> {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(details ? { code, message, details } : { code, message });
    this.name = 'SerError';
  }
}

/** An error that already has the API's shape (thrown by the router, by the server, or rebuilt by a client). */
export class ApiError extends CodedError<ApiErrorCode> {
  constructor(info: ApiErrorInfo) {
    super(info);
    this.name = 'ApiError';
  }
}

/** Turns anything thrown into the shared error shape, keeping unexpected errors' messages. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof SerError) return err.toJSON();
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
