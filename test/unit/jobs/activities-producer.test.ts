import { createActivitiesProducer, type ActivitiesQueue, type ActivityJobData, type StoredActivityJob } from '../../../src/jobs/activities.queue';
import { testSealer } from '../../support/sealer';

/**
 * The producer against a stand-in for BullMQ and ioredis that records each Redis call: single
 * activities of one event-loop turn share one round trip, and a job Redis refuses fails alone.
 */
function fakeQueue({ poisoned = new Set<string>() } = {}) {
  const stored = new Set<string>();
  const data: StoredActivityJob[] = [];
  const priorities = new Map<string, number | undefined>();
  const calls: string[] = [];
  const refuse = (ids: string[]) => ids.some((id) => poisoned.has(id));
  const client = {
    defineCommand() {},
    pipeline() {
      const keys: string[] = [];
      return {
        // The existence check is a script whose first key is the job's.
        contactflowAcceptJob(key: string) {
          keys.push(key);
        },
        async exec() {
          calls.push(`check×${keys.length}`);
          return keys.map((k) => [null, stored.has(k) ? 1 : 0]);
        },
      };
    },
  };
  const queue = {
    opts: { connection: client },
    toKey: (id: string) => id,
    async add(_name: string, job: StoredActivityJob, o: { priority?: number }) {
      calls.push('add');
      priorities.set(job.activityId, o.priority);
      if (refuse([job.activityId])) throw new Error('ERR refused');
      stored.add(job.activityId);
      data.push(job);
    },
    async addBulk(jobs: { data: StoredActivityJob; opts: { priority?: number } }[]) {
      calls.push(`addBulk×${jobs.length}`);
      for (const j of jobs) priorities.set(j.data.activityId, j.opts.priority);
      if (refuse(jobs.map((j) => j.data.activityId))) throw new Error('ERR refused');
      for (const j of jobs) stored.add(j.data.activityId);
      data.push(...jobs.map((j) => j.data));
    },
  } as unknown as ActivitiesQueue;
  return { queue, calls, stored, data, priorities };
}

const job = (id: string): ActivityJobData => ({ kind: 'activity', account: 'a', activityId: id, receivedAt: new Date().toISOString(), payload: {} });

describe('activities producer', () => {
  it('stores the single activities of one event-loop turn in one round trip, one job each', async () => {
    const { queue, calls, stored } = fakeQueue();
    const producer = createActivitiesProducer(queue, testSealer());
    const answers = await Promise.all(['act_1', 'act_2', 'act_1', 'act_3'].map((id) => producer.enqueue(job(id))));
    expect(answers.map((a) => a.status)).toEqual(['queued', 'queued', 'duplicate', 'queued']);
    expect(calls).toEqual(['check×3', 'addBulk×3']);
    expect([...stored].sort()).toEqual(['act_1', 'act_2', 'act_3']);

    // Known ids answer duplicate in a later turn too.
    expect(await producer.enqueue(job('act_2'))).toEqual({ id: 'act_2', status: 'duplicate' });
  });

  it('a job Redis refuses fails alone: its neighbours of the same turn are stored and answered', async () => {
    const { queue, stored } = fakeQueue({ poisoned: new Set(['act_bad']) });
    const producer = createActivitiesProducer(queue, testSealer());
    const settled = await Promise.allSettled(['act_1', 'act_bad', 'act_2'].map((id) => producer.enqueue(job(id))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([...stored].sort()).toEqual(['act_1', 'act_2']);
  });

  it('hands Redis the payload sealed: ids and kind in clear, no email or phone, and it opens to what was sent', async () => {
    const { queue, data } = fakeQueue();
    const sealer = testSealer();
    const producer = createActivitiesProducer(queue, sealer);
    const sent: ActivityJobData = { ...job('act_9'), payload: { type: 'form.submitted', email: 'ada@example.com', phone: '+14155550123' } };
    await producer.enqueue(sent);
    expect(data).toHaveLength(1);
    const text = JSON.stringify(data[0]);
    expect(text).not.toMatch(/ada@example\.com|4155550123/);
    expect(data[0]).toMatchObject({ kind: 'activity', account: 'a', activityId: 'act_9' });
    expect(data[0]).not.toHaveProperty('payload');
    expect(sealer.open(data[0])).toEqual(sent);
  });

  it('with a durability wait, answers only after it, and not at all when it fails (the intake then says 503)', async () => {
    const { queue, stored } = fakeQueue();
    let waits = 0;
    const producer = createActivitiesProducer(queue, testSealer(), {
      durable: async () => {
        waits++;
        if (waits > 1) throw new Error('the AOF was not fsynced within 2000 ms');
      },
    });
    // One turn's activities share one wait.
    await Promise.all([producer.enqueue(job('act_d1')), producer.enqueue(job('act_d2'))]);
    expect(waits).toBe(1);
    await expect(producer.enqueueBulk([job('act_d3')])).rejects.toThrow(/not fsynced/);
    expect(stored.has('act_d3')).toBe(true); // stored in memory, just not promised: a retry answers duplicate
  });

  it('orders each account\'s new jobs behind its backlog, so accounts are served in turn', async () => {
    const { queue, priorities } = fakeQueue();
    const backlog: Record<string, number> = { noisy: 5000, quiet: 0 };
    const producer = createActivitiesProducer(queue, testSealer(), { backlogOf: (a) => backlog[a] ?? 0 });
    const of = (account: string, id: string): ActivityJobData => ({ ...job(id), account });
    await producer.enqueueBulk([of('noisy', 'act_n1'), of('quiet', 'act_q1'), of('noisy', 'act_n2'), of('quiet', 'act_q2')]);
    // An idle account's jobs share the first place; BullMQ keeps equal priorities in arrival order.
    expect(Object.fromEntries(priorities)).toEqual({ act_n1: 5001, act_q1: 1, act_n2: 5002, act_q2: 1 });

    // The noisy backlog shrinks: its new jobs still come after its older ones, never before them.
    backlog.noisy = 100;
    await producer.enqueue(of('noisy', 'act_n3'));
    expect(priorities.get('act_n3')).toBe(5003);
    // Its backlog empties: it starts again from the front.
    backlog.noisy = 0;
    await producer.enqueue(of('noisy', 'act_n4'));
    expect(priorities.get('act_n4')).toBe(1);
    backlog.noisy = 1e9;
    await producer.enqueue(of('noisy', 'act_n5'));
    expect(priorities.get('act_n5')).toBe(2_097_151); // BullMQ's largest
  });
});
