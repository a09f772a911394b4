import { z } from 'zod';
import { ConnectionInfo, Id } from '../dto';
import { PlatformKind, ServiceAccountInfo } from '../domain';

/**
 * Adding, testing, rotating and removing platform connections. A client secret goes IN through
 * `connections.add` and `connections.rotate` and never comes out: no result carries it.
 */

/**
 * A secret pasted from a key page often carries a trailing space or line break, and no real client
 * secret starts or ends with whitespace: it is trimmed here, at the trust boundary, so every
 * bridge (UI, CLI, WebSocket) tests and stores the same secret.
 */
const Secret = z.string().trim().min(1, 'The client secret is empty.').max(8192);
const HttpUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .refine((s) => /^https?:\/\//i.test(s), 'Use a full address starting with https://');

export const ConnectionTest = z.object({
  ok: z.boolean(),
  at: z.string(),
  /** 'ok', or what failed: dns, tls, connect, timeout, invalid_client, forbidden_scope, server, ... */
  code: z.string(),
  headline: z.string(),
  message: z.string(),
  status: z.number().int().nullable(),
  account: ServiceAccountInfo.nullable(),
});
export type ConnectionTest = z.infer<typeof ConnectionTest>;

export const AddConnectionParams = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: PlatformKind,
    baseUrl: HttpUrl,
    authUrl: HttpUrl.nullable().default(null),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: Secret,
    scopes: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    userEmail: z.email().nullable().default(null),
    /** The built-in sandbox platform (`esg-sync connection add --sandbox`, the first-run tour). */
    sandbox: z.boolean().default(false),
  })
  .strict();

export const connectionsMethods = {
  'connections.add': {
    params: AddConnectionParams,
    result: z.discriminatedUnion('saved', [
      z.object({ saved: z.literal(true), connection: ConnectionInfo, test: ConnectionTest }),
      z.object({ saved: z.literal(false), connection: z.null(), test: ConnectionTest }),
    ]),
  },
  'connections.test': {
    params: z.object({ id: Id }).strict(),
    result: z.object({ connection: ConnectionInfo, test: ConnectionTest }),
  },
  'connections.rotate': {
    params: z.object({ id: Id, clientSecret: Secret }).strict(),
    result: z.object({ rotated: z.boolean(), connection: ConnectionInfo, test: ConnectionTest }),
  },
  'connections.remove': {
    params: z.object({ id: Id, force: z.boolean().default(false) }).strict(),
    result: z.object({
      removed: z.string(),
      jobsRemoved: z.array(z.string()),
      secretRemoved: z.boolean(),
      warning: z.string().nullable(),
    }),
  },
} as const;
