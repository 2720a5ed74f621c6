import type { ActivitiesQueue } from '../../../src/jobs/activities.queue';
import type { ActivityRecord, ActivityRepository } from '../../../src/repositories';
import { createActivityStatusService } from '../../../src/services/activity-status.service';

const record = (outcome: ActivityRecord['outcome']): ActivityRecord =>
  ({ id: 'act_1', account: 'a', outcome, contactId: outcome === 'processed' ? 'ct_1' : null, warnings: [] }) as unknown as ActivityRecord;

/** The record as successive reads see it, and a job in a given state. */
function service(reads: (ActivityRecord | null)[], state: string | null) {
  let i = 0;
  const activities = { findById: async () => reads[Math.min(i++, reads.length - 1)] ?? null } as unknown as ActivityRepository;
  const queue = {
    getJob: async () => (state ? { data: { account: 'a' }, getState: async () => state, failedReason: 'unknown_account: x' } : undefined),
  } as unknown as ActivitiesQueue;
  return createActivityStatusService(activities, queue);
}

describe('activity status', () => {
  it('a job that completes between the two reads answers with its record, not 404', async () => {
    await expect(service([record('pending'), record('processed')], 'completed').get('a', 'act_1')).resolves.toMatchObject({ status: 'processed', contactId: 'ct_1' });
    await expect(service([null, record('unidentified')], 'completed').get('a', 'act_1')).resolves.toMatchObject({ status: 'unidentified' });
  });

  it('pending is queued, even when its job already left Redis', async () => {
    await expect(service([record('pending')], 'active').get('a', 'act_1')).resolves.toMatchObject({ status: 'queued' });
    await expect(service([record('pending')], null).get('a', 'act_1')).resolves.toMatchObject({ status: 'queued' });
  });

  it('failed jobs say why; unknown ids are 404', async () => {
    await expect(service([null], 'failed').get('a', 'act_1')).resolves.toMatchObject({ status: 'failed', error: 'unknown_account: x' });
    await expect(service([null], null).get('a', 'act_1')).rejects.toMatchObject({ status: 404 });
    await expect(service([null, null], 'completed').get('a', 'act_1')).rejects.toMatchObject({ status: 404 });
  });

  it('a job that fails between its read and its state read still says why (the reason is read again)', async () => {
    let reads = 0;
    const queue = {
      // The first copy was read while the job was active (no reason); the state read says failed.
      getJob: async () => ({ data: { account: 'a' }, getState: async () => 'failed', failedReason: reads++ === 0 ? undefined : 'invalid_provider_payload: x' }),
    } as unknown as ActivitiesQueue;
    const activities = { findById: async () => null } as unknown as ActivityRepository;
    await expect(createActivityStatusService(activities, queue).get('a', 'act_1')).resolves.toMatchObject({ status: 'failed', error: 'invalid_provider_payload: x' });
  });

  it('a job of another account is not found, never forbidden', async () => {
    const activities = { findById: async () => null } as unknown as ActivityRepository;
    const queue = { getJob: async () => ({ data: { account: 'a' }, getState: async () => 'waiting' }) } as unknown as ActivitiesQueue;
    const status = createActivityStatusService(activities, queue);
    await expect(status.get('a', 'act_1')).resolves.toMatchObject({ status: 'queued' });
    await expect(status.get('b', 'act_1')).rejects.toMatchObject({ status: 404 });
  });
});
