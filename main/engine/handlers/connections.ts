import { ConnectionInfo } from '../../../shared/dto';
import type { connectionsMethods } from '../../../shared/contract/connections';
import { ApiError, type ApiErrorCode } from '../../../shared/rpc';
import { ConnectionError, ConnectionService, type ConnectionView } from '../connections';
import type { Engine } from '../engine';
import type { Handlers } from '../rpc-dispatch';
import { SecretStoreError } from '../secrets';

const CODE: Record<ConnectionError['code'], ApiErrorCode> = {
  not_found: 'not_found',
  conflict: 'conflict',
  in_use: 'conflict',
  invalid: 'invalid_params',
  secrets: 'secrets',
};

/** Failures a person can act on become typed API errors; anything else stays 'internal'. */
function toApiError(err: unknown): unknown {
  if (err instanceof ConnectionError) return new ApiError(CODE[err.code], err.message);
  if (err instanceof SecretStoreError) return new ApiError('secrets', err.message);
  return err;
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

/**
 * Parsing through the DTO drops every field the contract does not promise (options included);
 * the one option a person sees, the Altruistiq user e-mail, is lifted out first.
 */
export const connectionInfo = (c: ConnectionView): ConnectionInfo =>
  ConnectionInfo.parse({ ...c, userEmail: typeof c.options?.userEmail === 'string' ? c.options.userEmail : null });
const info = connectionInfo;

/** Add (tested before saving), test, rotate and remove platform connections. */
export function connectionsHandlers(engine: Engine, service?: ConnectionService): Pick<Handlers, keyof typeof connectionsMethods> {
  const connections =
    service ??
    new ConnectionService({
      store: engine.store,
      secrets: () => engine.secrets(),
      clock: engine.clock,
      logger: engine.logger,
      onStatus: (e) => engine.events.emit('connection.status', e),
    });
  return {
    'connections.add': (p) =>
      guarded(async () => {
        const r = await connections.add({
          name: p.name,
          kind: p.kind,
          baseUrl: p.baseUrl,
          authUrl: p.authUrl,
          clientId: p.clientId,
          clientSecret: p.clientSecret,
          scopes: p.scopes,
          userEmail: p.userEmail,
          sandbox: p.sandbox,
        });
        return r.saved ? { saved: true as const, connection: info(r.connection), test: r.test } : { saved: false as const, connection: null, test: r.test };
      }),
    'connections.test': ({ id }) =>
      guarded(async () => {
        const r = await connections.test(id);
        return { connection: info(r.connection), test: r.test };
      }),
    'connections.rotate': ({ id, clientSecret }) =>
      guarded(async () => {
        const r = await connections.rotate(id, clientSecret);
        return { rotated: r.rotated, connection: info(r.connection), test: r.test };
      }),
    'connections.remove': ({ id, force }) => guarded(() => connections.remove(id, { force })),
  };
}
