export {
  ConnectionService,
  toConfig,
  type AddResult,
  type ConnectionServiceDeps,
  type ConnectionStatusEvent,
  type ConnectionView,
  type NewConnection,
  type RemoveResult,
  type RotateResult,
  type TestResult,
} from './service';
export { ConnectionError, type ConnectionErrorCode } from './errors';
export { failureOutcome, successOutcome, headlineFor, type TestOutcome, type TestFailureCode } from './outcome';
export { slugify, uniqueId } from './ids';
