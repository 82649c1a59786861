/** The error every client throws: the API's `{code, message, details?}` shape, whatever the transport. */
import type { ApiErrorCode, ApiErrorInfo } from '../../../../electron/api/contract.js';

export class ClientError extends Error implements ApiErrorInfo {
  readonly code: ApiErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ClientError';
    this.code = info.code;
    if (info.details) this.details = info.details;
  }
}

export function isErrorInfo(v: unknown): v is ApiErrorInfo {
  return !!v && typeof v === 'object' && typeof (v as ApiErrorInfo).code === 'string' && typeof (v as ApiErrorInfo).message === 'string';
}
