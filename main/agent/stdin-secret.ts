import { CliError } from './exit-codes';

/**
 * Reads a secret piped on standard input (`--client-secret-stdin`, `--password-stdin`): an
 * argument would sit in the shell history and the process list. One trailing newline (from echo
 * or a file) is not part of the secret; other whitespace may be. The raw chunks are zeroed.
 */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`${what[0]!.toUpperCase()}${what.slice(1)} (end with Enter): `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  chunks.forEach((b) => b.fill(0));
  if (!secret) throw new CliError(`Standard input was empty: no ${what} was given.`);
  return secret;
}
