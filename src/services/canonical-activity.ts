import type { CanonicalActivity } from '../domain/types';
import { activityEnvelopeSchema } from '../jobs/activity-envelope.schema';
import { PermanentJobError } from '../shared/errors';
import { formatIssues } from '../shared/zod-issues';

/**
 * Turns the raw payload that travelled in the job into the canonical activity. An invalid payload
 * is permanent: retrying cannot fix it, a code change plus a replay can.
 */
export function toCanonicalActivity(activityId: string, payload: unknown): CanonicalActivity {
  const parsed = activityEnvelopeSchema.safeParse(payload);
  if (!parsed.success) {
    const detail = formatIssues(parsed.error).map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new PermanentJobError('invalid_payload', `activity payload is invalid: ${detail}`);
  }
  const a = parsed.data;
  return {
    id: activityId,
    type: a.type,
    source: a.source ?? 'api',
    occurredAt: new Date(a.occurredAt),
    email: a.email ?? null,
    phone: a.phone ?? null,
    country: a.country ?? null,
    fields: a.fields ?? {},
    details: a.details ?? {},
    visitorId: a.visitorId ?? null,
    externalId: a.externalId ?? null,
    status: a.status ?? null,
  };
}
