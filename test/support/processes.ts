import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './wait';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  exited(): Promise<number | null>;
}

/** Runs `src/main.ts` as a real process with the given environment (nothing inherited but PATH/HOME). */
export function spawnService(env: Record<string, string>): ServiceProcess {
  let out = '';
  const child = spawn(tsx, ['src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited: () => exit };
}

export async function waitForLog(p: ServiceProcess, pattern: RegExp, timeoutMs = 60_000) {
  await waitFor(async () => (pattern.test(p.output()) ? true : p.child.exitCode !== null ? Promise.reject(new Error(p.output())) : undefined), {
    timeoutMs,
    what: `log ${pattern}`,
  });
}

/** Puts a database name into a MongoDB connection string (keeping hosts and options). */
export function withDbName(uri: string, db: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${db}`);
}
