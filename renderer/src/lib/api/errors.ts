/** The error every client throws: the API's `{code, message, details?}` shape, whatever the transport. */
import type { ApiErrorInfo } from '../../../../electron/contract/contract.js';

/** The same class the router throws (electron/shared/apiError.ts): one error shape on both sides. */
export { ApiError as ClientError } from '../../../../electron/shared/apiError.js';

export function isErrorInfo(v: unknown): v is ApiErrorInfo {
  return !!v && typeof v === 'object' && typeof (v as ApiErrorInfo).code === 'string' && typeof (v as ApiErrorInfo).message === 'string';
}
