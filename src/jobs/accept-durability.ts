import type { RedisConnection } from './redis-connection';

/**
 * What a 202 promises about the job it answers for.
 *  - `written`: the job is in Redis memory and in its AOF buffer. With `appendfsync everysec` an OS
 *    crash or a failover can lose about the last second of accepted activities.
 *  - `fsynced`: the 202 waits until the AOF holding the job is on the primary's disk. With Redis
 *    running `appendfsync always` it already is when Redis replies; otherwise, on Redis 7.2 and
 *    later, WAITAOF waits for the next fsync. WAITAOF blocks the producer connection until then
 *    (up to a second with everysec), so under load prefer `appendfsync always`.
 */
export type AcceptDurability = 'written' | 'fsynced';

/** Runs after a store and before the 202; throws when the job is not known to be durable. */
export type DurabilityWait = () => Promise<void>;

export class DurabilityUnavailableError extends Error {}

type Connection = Pick<RedisConnection, 'info' | 'call'>;

/**
 * Checks at start that Redis can keep the promise, and returns what each store must then wait for
 * (null: nothing). A Redis that cannot is a configuration error: the process refuses to start.
 */
export async function prepareDurability(connection: Connection, mode: AcceptDurability, timeoutMs: number): Promise<DurabilityWait | null> {
  if (mode === 'written') return null;
  const persistence = await connection.info('persistence');
  if (!/^aof_enabled:1\b/m.test(persistence)) {
    throw new DurabilityUnavailableError('ACCEPT_DURABILITY=fsynced needs Redis with appendonly yes');
  }
  // appendfsync always: Redis fsyncs before it replies, so there is nothing to wait for.
  const fsync = (await connection.call('CONFIG', 'GET', 'appendfsync').catch(() => null)) as string[] | null;
  if (fsync?.[1] === 'always') return null;
  const version = /^redis_version:(\d+)\.(\d+)/m.exec(await connection.info('server'));
  const [major, minor] = version ? [Number(version[1]), Number(version[2])] : [0, 0];
  if (major > 7 || (major === 7 && minor >= 2)) return waitAof(connection, timeoutMs);
  throw new DurabilityUnavailableError(
    `ACCEPT_DURABILITY=fsynced needs Redis 7.2 or later (WAITAOF), or appendfsync always; this Redis is ${major}.${minor}` +
      (fsync ? ` with appendfsync ${fsync[1]}` : ' and does not answer CONFIG GET'),
  );
}

/** WAITAOF 1 0: this connection's writes are fsynced to the primary's AOF, or the wait fails. */
function waitAof(connection: Connection, timeoutMs: number): DurabilityWait {
  return async () => {
    const [local] = (await connection.call('WAITAOF', '1', '0', String(timeoutMs))) as [number, number];
    if (local < 1) throw new DurabilityUnavailableError(`the AOF was not fsynced within ${timeoutMs} ms`);
  };
}
