import { routeAnswers } from '../../domain/field-mapping';
import { LIMITS } from '../../domain/limits';
import type { FieldDefinition } from '../../domain/types';
import { PermanentJobError } from '../../shared/errors';
import { calcomMapper } from './calcom.mapper';
import { calendlyMapper } from './calendly.mapper';
import { chatbotMapper } from './chatbot.mapper';
import type { MappedActivity, ProviderMapper } from './mapper';
import { oncehubMapper } from './oncehub.mapper';
import { routingFormMapper } from './routing-form.mapper';
import { schedulingMapper } from './scheduling.mapper';
import { typeformMapper } from './typeform.mapper';

export type { MappedActivity, ProviderMapper } from './mapper';

/** Every webhook provider, by the name used in POST /v1/webhooks/:provider. */
const MAPPERS: ReadonlyMap<string, ProviderMapper> = new Map(
  // The generic shapes for custom sources (signed with Contactflow-Signature), then the real
  // providers, each with its own payload and signature scheme (src/services/signatures).
  [schedulingMapper, chatbotMapper, routingFormMapper, oncehubMapper, calendlyMapper, calcomMapper, typeformMapper].map((m) => [m.provider, m] as const),
);

export const PROVIDER_NAMES: readonly string[] = [...MAPPERS.keys()];

export function providerMapper(provider: string): ProviderMapper | null {
  return MAPPERS.get(provider) ?? null;
}

/** Worker side: a job naming a provider this build does not know is permanent (replay after a fix). */
export function mapProviderPayload(provider: string, payload: unknown): MappedActivity {
  const mapper = MAPPERS.get(provider);
  if (!mapper) throw new PermanentJobError('unknown_provider', `no mapper for provider "${provider.slice(0, 64)}"`);
  return mapper.map(payload);
}

type Envelope = Omit<MappedActivity, 'answers'>;
type Values = Record<string, string | number | boolean | null>;

const NO_DEFINITIONS: ReadonlyMap<string, FieldDefinition> = new Map();

/**
 * The mapped activity as the envelope the worker validates: the mapper's answers split between the
 * contact (a contact field of the account claims them) and the activity's details (routeAnswers),
 * then both within their per-activity limits: a form with more answers than a limit keeps the first
 * ones by key (the same ones on every run) and says what it dropped.
 */
export function mapProviderPayloadWithinLimits(
  provider: string,
  payload: unknown,
  definitions: ReadonlyMap<string, FieldDefinition> = NO_DEFINITIONS,
): { envelope: Envelope; warnings: string[] } {
  const { answers, ...mapped } = mapProviderPayload(provider, payload);
  let fields: Values = { ...(mapped.fields ?? {}) };
  let details: Values = { ...(mapped.details ?? {}) };
  if (answers) {
    const routed = routeAnswers(answers, definitions);
    // What the mapper read as a contact fact (its `fields`) wins over an answer claiming the same field.
    fields = { ...routed.fields, ...fields };
    details = { ...routed.details, ...details };
  }
  const warnings: string[] = [];
  const f = withinLimit(fields, LIMITS.fieldsPerActivity);
  const d = withinLimit(details, LIMITS.detailsPerActivity);
  if (f.dropped > 0) warnings.push(`fields_dropped_activity_full:${f.dropped}`);
  if (d.dropped > 0) warnings.push(`details_dropped_activity_full:${d.dropped}`);
  const envelope: Envelope = { ...mapped, fields: f.kept };
  if (Object.keys(d.kept).length > 0 || mapped.details !== undefined) envelope.details = d.kept;
  return { envelope, warnings };
}

function withinLimit(values: Values, limit: number): { kept: Values; dropped: number } {
  const keys = Object.keys(values);
  if (keys.length <= limit) return { kept: values, dropped: 0 };
  const kept = keys.sort().slice(0, limit);
  return { kept: Object.fromEntries(kept.map((k) => [k, values[k] ?? null])), dropped: keys.length - kept.length };
}
