/**
 * The API's one error class, `{code, message, details?}`: thrown by the router and the server, and rebuilt by
 * the renderer's clients from what crossed IPC or HTTP. Runtime-neutral (no Node, DOM or Electron), so both
 * sides use this same class.
 */
import type { ApiErrorCode, ApiErrorInfo } from '../contract/types.js';

/** An error that already has the API's shape (thrown by the router, by the server, or rebuilt by a client). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    if (info.details) this.details = info.details;
  }
  toJSON(): ApiErrorInfo {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
