export {
  HttpClient,
  defaultHttpOptions,
  headerValue,
  redactedPath,
  summariseIssues,
  type BodyFactory,
  type Expect,
  type HttpOptions,
  type HttpResponse,
  type QueryValue,
  type RequestOptions,
  type TokenProvider,
} from './client';
export {
  ClientCredentialsTokenManager,
  TokenResponse,
  basicCredentials,
  discoveryDocUrl,
  type ClientAuthMethod,
  type TokenInfo,
  type TokenManagerOptions,
} from './token-manager';
export { abortableSleep, backoffDelay, retryDelay, type BackoffOptions } from './backoff';
export { findLink, parseLinkHeader, type LinkValue } from './link-header';
export {
  PlatformError,
  isPlatformError,
  fromHttpResponse,
  fromNetworkError,
  parseRetryAfter,
  readErrorBody,
  badResponse,
  type PlatformErrorCode,
  type ProblemDetails,
} from '../errors';
export type { RequestLogEntry } from '../types';
export { createRequestRecorder, DEFAULT_MAX_STORED_REQUESTS, type RequestRecorder, type RequestRecorderOptions } from './request-log';
