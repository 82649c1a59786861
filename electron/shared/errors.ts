/**
 * One error shape crosses every boundary (CLI, IPC, HTTP): a stable code, a message a user can act on,
 * and optional structured details. Engine code throws `SerError`; adapters map it.
 */
export type ErrorCode =
  | 'bad-input'
  | 'not-found'
  | 'unreadable'
  | 'corrupt'
  | 'unsupported'
  | 'io'
  | 'db-newer'
  | 'db-locked'
  | 'backend'
  | 'device'
  | 'cancelled'
  | 'internal';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class SerError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SerError';
    this.code = code;
    if (details) this.details = details;
  }
  toJSON(): ErrorInfo {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into the shared error shape, keeping unexpected errors' messages. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof SerError) return err.toJSON();
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
