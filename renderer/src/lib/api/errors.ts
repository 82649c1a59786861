/** Recognises the API's `{code, message, details?}` shape in what came back over HTTP (the class is electron/shared/errors.ts's ApiError). */
import type { ApiErrorInfo } from '../../../../electron/shared/errors.js';

export function isErrorInfo(v: unknown): v is ApiErrorInfo {
  return !!v && typeof v === 'object' && typeof (v as ApiErrorInfo).code === 'string' && typeof (v as ApiErrorInfo).message === 'string';
}
