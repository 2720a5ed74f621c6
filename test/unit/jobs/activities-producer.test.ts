import { createActivitiesProducer, type ActivitiesQueue, type ActivityJobData } from '../../../src/jobs/activities.queue';

/**
 * The producer against a stand-in for BullMQ and ioredis that records each Redis call: single
 * activities of one event-loop turn share one round trip, and a job Redis refuses fails alone.
 */
function fakeQueue({ poisoned = new Set<string>() } = {}) {
  const stored = new Set<string>();
  const calls: string[] = [];
  const refuse = (ids: string[]) => ids.some((id) => poisoned.has(id));
  const client = {
    pipeline() {
      const keys: string[] = [];
      return {
        exists(key: string) {
          keys.push(key);
        },
        async exec() {
          calls.push(`exists×${keys.length}`);
          return keys.map((k) => [null, stored.has(k) ? 1 : 0]);
        },
      };
    },
  };
  const queue = {
    opts: { connection: client },
    toKey: (id: string) => id,
    async add(_name: string, data: ActivityJobData) {
      calls.push('add');
      if (refuse([data.activityId])) throw new Error('ERR refused');
      stored.add(data.activityId);
    },
    async addBulk(jobs: { data: ActivityJobData }[]) {
      calls.push(`addBulk×${jobs.length}`);
      if (refuse(jobs.map((j) => j.data.activityId))) throw new Error('ERR refused');
      for (const j of jobs) stored.add(j.data.activityId);
    },
  } as unknown as ActivitiesQueue;
  return { queue, calls, stored };
}

const job = (id: string): ActivityJobData => ({ kind: 'activity', account: 'a', activityId: id, receivedAt: new Date().toISOString(), payload: {} });

describe('activities producer', () => {
  it('stores the single activities of one event-loop turn in one round trip, one job each', async () => {
    const { queue, calls, stored } = fakeQueue();
    const producer = createActivitiesProducer(queue);
    const answers = await Promise.all(['act_1', 'act_2', 'act_1', 'act_3'].map((id) => producer.enqueue(job(id))));
    expect(answers.map((a) => a.status)).toEqual(['queued', 'queued', 'duplicate', 'queued']);
    expect(calls).toEqual(['exists×3', 'addBulk×3']);
    expect([...stored].sort()).toEqual(['act_1', 'act_2', 'act_3']);

    // Known ids answer duplicate in a later turn too.
    expect(await producer.enqueue(job('act_2'))).toEqual({ id: 'act_2', status: 'duplicate' });
  });

  it('a job Redis refuses fails alone: its neighbours of the same turn are stored and answered', async () => {
    const { queue, stored } = fakeQueue({ poisoned: new Set(['act_bad']) });
    const producer = createActivitiesProducer(queue);
    const settled = await Promise.allSettled(['act_1', 'act_bad', 'act_2'].map((id) => producer.enqueue(job(id))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([...stored].sort()).toEqual(['act_1', 'act_2']);
  });
});
