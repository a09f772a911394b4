import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { z } from 'zod';
import { methods, type EventName, type MethodName, type Params, type Result } from '../../shared/api';
import { CallResponse } from '../../shared/rpc';
import { createEngineApi } from '../engine/api';
import { APP_VERSION } from '../engine/version';
import { logDirOf } from '../engine/paths';
import { Engine } from '../engine/engine';
import { createDispatcher } from '../engine/rpc-dispatch';
import { allowEnvFromEnvironment } from '../engine/secrets';
import { acquireAgentLock, folderIdentity, sameProcessAlive } from './agent-lock';
import { AGENT_PROOF, agentProof } from './control-server';
import { CliError, EXIT } from './exit-codes';

/** How long a running agent may take to say it is alive. */
const AGENT_ANSWER_MS = 10_000;

function describeNoAnswer(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${AGENT_ANSWER_MS / 1000} s (it may be hung or stopped)`;
  if (code === 'ECONNREFUSED') return 'nothing listens at its address (it may have just stopped)';
  return (err as Error).message;
}

/** agent.json as the agent writes it (commands/agent.ts); fields after `version` came later. */
const AgentFile = z.object({
  pid: z.number().int(),
  url: z.string().url(),
  token: z.string().min(1),
  port: z.number().int().optional(),
  /** Absent in the agent.json of agents older than this field. */
  version: z.string().optional(),
  dataDir: z.string().optional(),
  /** processIdentity() of the agent: tells it from a later process given the same pid. */
  identity: z.string().nullable().optional(),
  /** AGENT_PROOF when the agent answers /healthz challenges; absent in older agents. */
  proof: z.string().optional(),
});

export type RunningAgent = z.infer<typeof AgentFile>;

export function runningAgent(dataDir: string): RunningAgent | null {
  const file = join(dataDir, 'agent.json');
  if (!existsSync(file)) return null;
  let info: RunningAgent;
  try {
    const parsed = AgentFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return null;
    info = parsed.data;
  } catch {
    return null;
  }
  // Copied along with the folder (a backup, a test copy): that agent serves the original folder.
  if (info.dataDir !== undefined && info.dataDir !== folderIdentity(dataDir)) return null;
  // Left by a killed agent: its pid may now be any other process's.
  return sameProcessAlive(info.pid, info.identity) ? info : null;
}

function portOf(agent: RunningAgent): string {
  return agent.port !== undefined ? String(agent.port) : new URL(agent.url).port;
}

/**
 * Asks whatever answers at agent.json's address to prove it holds the token, before the token or
 * any secret is sent. Throws a CliError saying what answers instead; network errors propagate
 * (the caller words them as "did not answer").
 */
async function proveAgent(agent: RunningAgent, dataDir: string): Promise<void> {
  const challenge = randomBytes(32).toString('base64url');
  const url = new URL('/healthz', agent.url);
  url.searchParams.set('challenge', challenge);
  // A hung agent accepts the connection and never answers: the call itself may rightly take
  // minutes (a run waited for), so this first question has a time limit.
  const res = await request(url, { headersTimeout: AGENT_ANSWER_MS, bodyTimeout: AGENT_ANSWER_MS });
  // The proof is 64 hex digits: whatever else answers is read no further than that.
  let answer = Buffer.alloc(0);
  for await (const chunk of res.body) {
    answer = Buffer.concat([answer, chunk as Buffer]);
    if (answer.length > 256) break;
  }
  res.body.destroy();
  answer = Buffer.from(answer.toString('utf8').trim());
  const expected = Buffer.from(agentProof(agent.token, challenge));
  if (res.statusCode === 200 && answer.length === expected.length && timingSafeEqual(answer, expected)) return;
  if (agent.proof !== AGENT_PROOF) {
    // Written by an agent from before proofs: it cannot give one, and is not sent the token blind.
    throw new CliError(`The agent running on ${dataDir} (${agent.url}) cannot prove it is this data folder's agent, so nothing was sent to it. ${versionAdvice(agent, dataDir)}`, EXIT.usage);
  }
  const port = portOf(agent);
  throw new CliError(
    `Something other than the agent of ${dataDir} answers on the agent's port ${port} (${agent.url}): it could not prove it is the agent, so nothing was sent to it and nothing was changed. ` +
      `The agent has probably stopped and another program took its port. See what listens there (\`ss -ltnp 'sport = :${port}'\` on Linux, \`lsof -iTCP:${port} -sTCP:LISTEN\` elsewhere); ` +
      `if no ESG Sync Agent runs on ${dataDir}, delete ${join(dataDir, 'agent.json')} and run the command again (it then works without an agent), or start the agent on another port with --port.`,
    EXIT.usage,
  );
}

/** proveAgent for a command that hands out the token (`ui --open`): no answer is worded too. */
export async function proveAgentAnswers(agent: RunningAgent, dataDir: string): Promise<void> {
  try {
    await proveAgent(agent, dataDir);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `The agent running on ${dataDir} (${agent.url}) did not answer: ${describeNoAnswer(err)}, so its address was not opened. Check it with \`esg-sync status\`, or restart it (\`esg-sync agent --data-dir ${dataDir}\`).`,
      EXIT.usage,
    );
  }
}

function versionAdvice(agent: RunningAgent, dataDir: string): string {
  const versions = agent.version
    ? agent.version === APP_VERSION
      ? `It reports version ${APP_VERSION} like this esg-sync, so it is likely an older build of it`
      : `It is version ${agent.version} and this esg-sync is ${APP_VERSION}`
    : `It is older than this esg-sync (${APP_VERSION})`;
  return `${versions}: restart the agent (stop it, then \`esg-sync agent --data-dir ${dataDir}\` with this installation) and run the command again.`;
}

/** Maps an engine error to the CLI's exit codes (DESIGN.md). */
function toCliError(error: { code: string; message: string; details?: { path: string; message: string }[] }): CliError {
  const detail = error.details?.length ? ` (${error.details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : '';
  // The dispatcher names the API method ("Invalid parameters for connections.add."): a person at
  // the command line typed options, not a method, and the details name the option's field.
  const head = error.code === 'invalid_params' && detail ? 'Some of the values given are not valid.' : error.message;
  return new CliError(head + detail, error.code === 'platform' || error.code === 'unauthorized' ? EXIT.platform : EXIT.usage);
}

/**
 * Calls one engine method the way the UI does. When an agent is running on this data folder
 * the call goes to it (the agent owns the store and the scheduler); otherwise the engine is
 * opened in this process for the one call.
 */
export interface CallEngineOptions {
  /** Engine events while the call runs (run progress for `run --wait`), from the agent or this process. */
  onEvent?: (event: EventName, payload: unknown) => void;
}

/** Listens to a running agent's events over its WebSocket; resolves once subscribed (or gave up). */
async function agentEvents(agent: { url: string; token: string }, onEvent: NonNullable<CallEngineOptions['onEvent']>): Promise<() => void> {
  const ws = new WebSocket(new URL('/api/ws', agent.url).href.replace(/^http/, 'ws'), { headers: { authorization: `Bearer ${agent.token}` } });
  ws.on('message', (data) => {
    try {
      const frame = JSON.parse(data.toString()) as { event?: EventName; payload?: unknown };
      if (frame.event) onEvent(frame.event, frame.payload);
    } catch {
      /* not an event frame */
    }
  });
  // Progress is a nicety: a socket that cannot open leaves the call itself untouched.
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('error', () => resolve());
  });
  return () => ws.close();
}

export async function callEngine<M extends MethodName>(dataDir: string, method: M, params: Params<M>, opts: CallEngineOptions = {}): Promise<Result<M>> {
  const agent = runningAgent(dataDir);
  let response: CallResponse;
  if (agent) {
    let stopEvents: () => void = () => undefined;
    // Params (a client secret or database password among them) go only in this body, over the
    // agent's loopback, token-protected API; the agent does not log params.
    let res;
    try {
      // Before anything carries the token (the event socket included).
      await proveAgent(agent, dataDir);
      if (opts.onEvent) stopEvents = await agentEvents(agent, opts.onEvent);
      res = await request(new URL('/api/call', agent.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
        body: JSON.stringify({ method, params }),
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (err) {
      stopEvents();
      if (err instanceof CliError) throw err;
      // Refused before the request was sent: nothing happened. Dropped after it was sent: the
      // agent may have begun (a run it started is marked interrupted when it starts again).
      const unsent = (err as { code?: string }).code === 'ECONNREFUSED';
      throw new CliError(
        `The agent running on ${dataDir} (${agent.url}) did not answer: ${describeNoAnswer(err)}. ${
          unsent
            ? `Nothing was changed. Wait until it is up, or stop it (its log is in ${logDirOf(dataDir)}), and run the command again.`
            : `It may have begun before it stopped: check \`esg-sync history\` (a run it started is marked interrupted when the agent starts again) and its log in ${logDirOf(dataDir)} before running the command again.`
        }`,
        EXIT.usage,
      );
    }
    stopEvents();
    const body = CallResponse.safeParse(await res.body.json().catch(() => null));
    if (!body.success) throw new CliError(`The agent at ${agent.url} answered ${method} with HTTP ${res.statusCode} and a reply this command does not understand. ${versionAdvice(agent, dataDir)}`, EXIT.usage);
    response = body.data;
    // An agent of another version may answer in another shape: say so, rather than fail on a missing field.
    if (response.ok) {
      const result = methods[method].result.safeParse(response.result);
      if (!result.success) throw new CliError(`The agent running on ${dataDir} answered in a form this command does not understand. ${versionAdvice(agent, dataDir)}`, EXIT.usage);
      response = { ok: true, result: result.data };
    }
  } else {
    const release = acquireAgentLock(dataDir);
    const engine = Engine.open({ dataDir, mode: 'headless', forCommand: method });
    const stopEvents = opts.onEvent ? engine.events.subscribe(opts.onEvent) : () => undefined;
    try {
      await engine.initSecrets({ allowEnv: allowEnvFromEnvironment(), service: process.env.ESG_SYNC_KEYCHAIN_SERVICE });
      response = await createDispatcher(createEngineApi(engine), engine.logger)(method, params);
    } finally {
      stopEvents();
      await engine.stop();
      release();
    }
  }
  if (!response.ok) throw toCliError(response.error);
  return response.result as Result<M>;
}
