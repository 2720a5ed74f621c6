import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { activityIdFor, type ActivitiesProducer, type ActivityJobData } from '../jobs/activities.queue';
import { IDEMPOTENCY_KEY_SHAPE, idempotencyKey as keyOf } from '../jobs/idempotency';
import { AppError, UnavailableError, ValidationError, type ValidationIssue } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';


export interface BatchIntakeDeps {
  producer: ActivitiesProducer;
  maxItems: number;
  /** Backpressure for the whole batch at once; optional in tests. */
  admit?(n: number, account?: string): Promise<void>;
}

/** Same shape as a problem+json body, per item. */
export interface ItemProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors: ValidationIssue[];
}

export type BatchItemResult =
  | { index: number; id: string; status: 'queued' | 'duplicate' }
  | { index: number; status: 'error'; problem: ItemProblem };

export interface BatchResult {
  summary: { queued: number; duplicate: number; error: number };
  results: BatchItemResult[];
}

/** How many items a body holds, before validation: the rate limiter charges per activity. */
export function batchSize(body: unknown): number {
  const items = (body as { activities?: unknown } | null)?.activities;
  return Array.isArray(items) ? items.length : 1;
}

/**
 * POST /v1/activities/batch. Each item is the body POST /v1/activities takes, plus an optional
 * `idempotencyKey` (the per-item Idempotency-Key header). Items are validated one by one; the valid
 * ones go to Redis together (one round trip for the whole batch), the invalid ones get their own
 * problem. Nothing about one item changes the fate of another, except Redis failing as a whole.
 */
export function createBatchIntakeService(deps: BatchIntakeDeps) {
  return {
    async accept(account: string, body: unknown): Promise<BatchResult> {
      const items = (body as { activities?: unknown } | null)?.activities;
      if (body === null || typeof body !== 'object' || !Array.isArray(items)) {
        throw new ValidationError('Send {"activities": [ … ]}', [{ path: 'activities', message: 'expected an array' }]);
      }
      if (items.length > deps.maxItems) {
        throw new AppError('batch_too_large', `A batch holds at most ${deps.maxItems} activities (got ${items.length}); split it`, 413);
      }

      const receivedAt = new Date().toISOString();
      const results: (BatchItemResult | null)[] = [];
      const jobs: { index: number; job: ActivityJobData }[] = [];
      items.forEach((item, index) => {
        const checked = checkItem(item);
        if ('issues' in checked) {
          results.push({ index, status: 'error', problem: itemProblem(checked.issues) });
          return;
        }
        results.push(null);
        const key = keyOf(checked.idempotencyKey !== undefined ? { kind: 'client', key: checked.idempotencyKey } : { kind: 'content', value: checked.payload });
        jobs.push({ index, job: { kind: 'activity', account, activityId: activityIdFor(account, key), receivedAt, payload: checked.payload } });
      });

      if (jobs.length > 0) {
        await deps.admit?.(jobs.length, account);
        let enqueued;
        try {
          enqueued = await deps.producer.enqueueBulk(jobs.map((j) => j.job));
        } catch (err) {
          // Some may be stored, none is known to be: the client retries the whole batch, and the
          // stored ones then answer `duplicate`.
          throw new UnavailableError(`The queue cannot accept activities right now (${(err as Error).message})`);
        }
        enqueued.forEach((r, i) => (results[jobs[i]!.index] = { index: jobs[i]!.index, id: r.id, status: r.status }));
      }

      const done = results as BatchItemResult[];
      const count = (s: BatchItemResult['status']) => done.filter((r) => r.status === s).length;
      return { summary: { queued: count('queued'), duplicate: count('duplicate'), error: count('error') }, results: done };
    },
  };
}

function checkItem(item: unknown): { payload: unknown; idempotencyKey: string | undefined } | { issues: ValidationIssue[] } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { issues: [{ path: '(item)', message: 'expected an activity object' }] };
  }
  // The key is transport, like the Idempotency-Key header: it is not part of the stored payload.
  const { idempotencyKey, ...payload } = item as Record<string, unknown>;
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY_SHAPE.test(idempotencyKey))) {
    return { issues: [{ path: 'idempotencyKey', message: 'must be 1–255 visible ASCII characters' }] };
  }
  const parsed = activityEnvelopeSchema.safeParse(payload);
  if (!parsed.success) return { issues: formatIssues(parsed.error) };
  return { payload, idempotencyKey: idempotencyKey as string | undefined };
}

function itemProblem(errors: ValidationIssue[]): ItemProblem {
  return { type: '/problems/validation_failed', title: 'Bad Request', status: 400, detail: 'The activity is invalid', code: 'validation_failed', errors };
}

export type BatchIntakeService = ReturnType<typeof createBatchIntakeService>;
