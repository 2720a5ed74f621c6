import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { activityIdFor, type ActivitiesProducer, type EnqueueResult } from '../jobs/activities.queue';
import { IDEMPOTENCY_KEY_SHAPE, idempotencyKey as keyOf } from '../jobs/idempotency';
import { pageViewSchema } from '../jobs/page-view.schema';
import { UnavailableError, ValidationError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';


export interface IntakeInput {
  account: string;
  body: unknown;
  idempotencyKey: string | undefined;
}

/**
 * The intake's whole job: check the envelope, derive the id, hand the raw payload to Redis.
 * No MongoDB, no normalization: everything that can be fixed by a replay happens in the worker.
 */
export function createIntakeService(producer: ActivitiesProducer, admission: Admission = { admit: async () => {} }) {
  async function enqueue(kind: 'activity' | 'page-view', account: string, activityId: string, body: unknown): Promise<EnqueueResult> {
    await admission.admit(1, account); // backpressure: 503 + Retry-After before anything is enqueued
    try {
      return await producer.enqueue({ kind, account, activityId, receivedAt: new Date().toISOString(), payload: body });
    } catch (err) {
      // Whatever Redis said, the job is not known to be stored: never answer 202.
      throw new UnavailableError(`The queue cannot accept ${kind === 'activity' ? 'activities' : 'page views'} right now (${(err as Error).message})`);
    }
  }

  return {
    async accept({ account, body, idempotencyKey }: IntakeInput): Promise<EnqueueResult> {
      checkIdempotencyKey(idempotencyKey);
      const parsed = activityEnvelopeSchema.safeParse(body);
      if (!parsed.success) throw new ValidationError('The activity is invalid', formatIssues(parsed.error));

      const activityId = activityIdFor(account, keyOf(idempotencyKey !== undefined ? { kind: 'client', key: idempotencyKey } : { kind: 'content', value: body }));
      return enqueue('activity', account, activityId, body);
    },

    /** POST /v1/page-views: same queue, same rules, its own idempotency namespace. */
    async acceptPageView({ account, body, idempotencyKey }: IntakeInput): Promise<EnqueueResult> {
      checkIdempotencyKey(idempotencyKey);
      const parsed = pageViewSchema.safeParse(body);
      if (!parsed.success) throw new ValidationError('The page view is invalid', formatIssues(parsed.error));

      const of = idempotencyKey !== undefined ? { kind: 'client' as const, key: idempotencyKey } : { kind: 'content' as const, value: body };
      return enqueue('page-view', account, activityIdFor(account, keyOf({ kind: 'page-view', of })), body);
    },
  };
}

function checkIdempotencyKey(idempotencyKey: string | undefined): void {
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_SHAPE.test(idempotencyKey)) {
    throw new ValidationError('Idempotency-Key must be 1–255 visible ASCII characters', [
      { path: 'header.Idempotency-Key', message: 'invalid format' },
    ]);
  }
}

export type IntakeService = ReturnType<typeof createIntakeService>;

/** Backpressure (services/backpressure.ts): throws UnavailableError when `n` more jobs are too many. */
export interface Admission {
  admit(n: number, account?: string): Promise<void>;
}
