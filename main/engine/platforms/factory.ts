/**
 * One way to build an adapter for any saved connection, so callers (connection tests, sync and
 * export runners) never branch on the platform kind themselves.
 */
import type { Logger } from 'pino';
import type { HttpOptions } from './http';
import { createAltruistiqAdapter } from './altruistiq';
import { createEsgApiAdapter } from './esg-api';
import { createPactAdapter } from './pact';
import type { ConnectionConfig, PlatformAdapter } from './types';

/** Non-secret, platform-specific settings stored with the connection. */
export interface AdapterPlatformOptions {
  /** Altruistiq: the user uploads are attributed to (the spec's `userEmail`). */
  userEmail?: string;
}

export interface CreateAdapterOptions {
  http?: Partial<Omit<HttpOptions, 'baseUrl' | 'tokenProvider'>>;
  logger?: Logger;
  platform?: AdapterPlatformOptions;
}

/** Every adapter holds a connection pool; whoever creates one closes it. */
export type ClosableAdapter = PlatformAdapter & { close(): Promise<void> };

export function createAdapter(config: ConnectionConfig, opts: CreateAdapterOptions = {}): ClosableAdapter {
  switch (config.kind) {
    case 'esg-api':
      return createEsgApiAdapter(config, { http: opts.http, logger: opts.logger });
    case 'altruistiq':
      return createAltruistiqAdapter(config, { http: opts.http, logger: opts.logger, userEmail: opts.platform?.userEmail });
    case 'pact':
      return createPactAdapter(config, { http: opts.http, logger: opts.logger });
    default: {
      const kind: never = config.kind;
      throw new Error(`There is no adapter for the platform kind "${String(kind)}".`);
    }
  }
}

/** Whether the platform has its token endpoint somewhere other than the API's base URL by nature. */
export function platformNeedsAuthUrl(kind: ConnectionConfig['kind']): boolean {
  // Altruistiq and PACT hosts commonly issue tokens from a separate auth host; esg-api derives it.
  return kind === 'altruistiq' || kind === 'pact';
}
