import { prepareDurability } from '../../../src/jobs/accept-durability';

/** A stand-in for the producer connection: INFO and CONFIG answers of a given Redis, and the commands sent. */
function redis({ version, aof = true, appendfsync = 'everysec', waitaof = [1, 0] }: { version: string; aof?: boolean; appendfsync?: string | null; waitaof?: [number, number] }) {
  const sent: string[][] = [];
  return {
    sent,
    connection: {
      info: async (section: string) => (section === 'server' ? `# Server\r\nredis_version:${version}\r\n` : `# Persistence\r\naof_enabled:${aof ? 1 : 0}\r\n`),
      call: async (...args: string[]) => {
        sent.push(args);
        if (args[0] === 'CONFIG') {
          if (appendfsync === null) throw new Error("ERR unknown command 'CONFIG'");
          return ['appendfsync', appendfsync];
        }
        if (args[0] === 'WAITAOF') return waitaof;
        throw new Error(`unexpected ${args[0]}`);
      },
    } as never,
  };
}

describe('accept durability', () => {
  it('written: nothing to check or wait for', async () => {
    const { connection, sent } = redis({ version: '6.2.0', aof: false });
    expect(await prepareDurability(connection, 'written', 1000)).toBeNull();
    expect(sent).toEqual([]);
  });

  it('fsynced on Redis 7.2+: every store waits for WAITAOF 1 0, and a wait that times out refuses the 202', async () => {
    const ok = redis({ version: '7.2.4' });
    const wait = await prepareDurability(ok.connection, 'fsynced', 1500);
    await wait!();
    expect(ok.sent).toEqual([['CONFIG', 'GET', 'appendfsync'], ['WAITAOF', '1', '0', '1500']]);

    const late = redis({ version: '7.4.1', waitaof: [0, 0] });
    await expect((await prepareDurability(late.connection, 'fsynced', 1500))!()).rejects.toThrow(/not fsynced within 1500 ms/);
  });

  it('fsynced with appendfsync always: nothing to wait for, on any version; on an older Redis without it, refused at start', async () => {
    expect(await prepareDurability(redis({ version: '7.0.15', appendfsync: 'always' }).connection, 'fsynced', 1000)).toBeNull();
    const recent = redis({ version: '7.4.0', appendfsync: 'always' });
    expect(await prepareDurability(recent.connection, 'fsynced', 1000)).toBeNull();
    expect(recent.sent.some(([c]) => c === 'WAITAOF')).toBe(false);
    await expect(prepareDurability(redis({ version: '7.0.15' }).connection, 'fsynced', 1000)).rejects.toThrow(/Redis 7.2 or later.*appendfsync everysec/);
    await expect(prepareDurability(redis({ version: '6.2.0', appendfsync: null }).connection, 'fsynced', 1000)).rejects.toThrow(/does not answer CONFIG GET/);
    await expect(prepareDurability(redis({ version: '7.2.0', aof: false }).connection, 'fsynced', 1000)).rejects.toThrow(/appendonly yes/);
  });
});
