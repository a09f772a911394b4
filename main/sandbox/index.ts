/** The sandbox platform: a local stand-in for the generic ESG platform (docs/esg-api.openapi.yaml). */
export { startSandbox, type RunningSandbox, type SandboxOptions, type SandboxStats, type SandboxSubmission } from './server';
export { parseFaultSpec, FaultSpec, FaultSpecError, noFaults, type FaultSpecInput } from './faults';
export { ALL_SCOPES, DEMO_ACCOUNT, type SandboxAccount, type Scope } from './auth';
export { SEED_METRICS, SEED_ENTITIES, type SeedMetric, type SeedEntity } from './seed';
export { MAX_BATCH_ITEMS } from './submissions';
export { runSandboxCommand, type SandboxCommandOptions } from './cli';
