/**
 * The one contract between the engine and every UI (Electron renderer, browser, CLI via the
 * control server). Each method has a zod schema for its params and its result; each event a
 * schema for its payload. Both bridges are driven by this table, so adding a method to a
 * contract module and implementing it in main/engine/api/ is all it takes to reach it from every UI.
 * Domain modules (shared/contract/*) keep each area's methods next to each other.
 */
import { z } from 'zod';
import { EngineStatus, RunProgress, SourceInfo, RunSummary } from './dto';
import { coreMethods } from './contract/core';
import { jobsMethods } from './contract/jobs';
import { connectionsMethods } from './contract/connections';
import { sourcesMethods } from './contract/sources';
import { mappingsMethods } from './contract/mappings';
import { appMethods } from './contract/app';
import { demoMethods } from './contract/demo';
import { configMethods } from './contract/config';

export * from './dto';

export const methods = {
  ...coreMethods,
  ...jobsMethods,
  ...connectionsMethods,
  ...sourcesMethods,
  ...mappingsMethods,
  ...appMethods,
  ...demoMethods,
  ...configMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

// ---------------------------------------------------------------- events

export const events = {
  'run.started': RunSummary,
  'run.progress': RunProgress,
  'run.finished': RunSummary,
  'source.changed': SourceInfo,
  'connection.status': z.object({ connectionId: z.string(), ok: z.boolean(), message: z.string().nullable() }),
  'engine.changed': EngineStatus,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
