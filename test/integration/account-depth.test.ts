import { randomBytes } from 'node:crypto';
import { accountDepthKeys, createAccountDepth } from '../../src/jobs/account-depth';
import { createRedisConnection, type RedisConnection } from '../../src/jobs/redis-connection';
import { startTestRedis } from '../support/redis';

type Redis = Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await startTestRedis();
  connection = createRedisConnection(redis.url, 'producer', 'account-depth-test');
  await new Promise((resolve) => (connection.status === 'ready' ? resolve(null) : connection.once('ready', resolve)));
});

afterAll(async () => {
  connection?.disconnect();
  await redis?.cleanup();
});

describe('account depth sweep', () => {
  it('removes ids whose job finished or is gone, keeps waiting ones, and reaches past a long backlog of waiting ids', async () => {
    const prefix = `{d${randomBytes(3).toString('hex')}}:activities`;
    const keys = accountDepthKeys((t) => `${prefix}:${t}`);
    const depth = createAccountDepth(connection, keys);
    const old = Date.now() - 120_000;
    // 1,200 jobs still waiting (oldest), then 300 finished and 300 whose job is gone.
    const add = connection.pipeline();
    for (let i = 0; i < 1800; i++) {
      const id = `act_${i}`;
      add.zadd(keys.depth('acme'), String(old + i), id);
      if (i < 1200) add.hset(keys.job(id), 'data', '{}');
      else if (i < 1500) add.hset(keys.job(id), 'data', '{}', 'finishedOn', '1');
    }
    add.sadd(keys.accounts, 'acme');
    // One too young to judge: its add may still be on its way.
    add.zadd(keys.depth('acme'), String(Date.now()), 'act_new');
    await add.exec();

    let removed = 0;
    for (let pass = 0; pass < 4; pass++) removed += await depth.sweep();
    expect(removed).toBe(600);
    expect(await depth.depth('acme')).toBe(1201);
    expect(await connection.zscore(keys.depth('acme'), 'act_new')).not.toBeNull();

    // Released ids go in one pipeline a few ms later.
    await Promise.all([depth.release('acme', 'act_0'), depth.release('acme', 'act_1')]);
    expect(await depth.depth('acme')).toBe(1199);
  });
});
