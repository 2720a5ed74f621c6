import { LIMITS } from '../../domain/limits';
import { PermanentJobError } from '../../shared/errors';
import { chatbotMapper } from './chatbot.mapper';
import type { MappedActivity, ProviderMapper } from './mapper';
import { routingFormMapper } from './routing-form.mapper';
import { schedulingMapper } from './scheduling.mapper';

export type { MappedActivity, ProviderMapper } from './mapper';

/** Every webhook provider, by the name used in POST /v1/webhooks/:provider. */
const MAPPERS: ReadonlyMap<string, ProviderMapper> = new Map(
  [schedulingMapper, chatbotMapper, routingFormMapper].map((m) => [m.provider, m] as const),
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

/**
 * The mapped activity within the per-activity field limit: a form with more answers than the limit
 * keeps the first ones by key (the same ones on every run) and says what it dropped.
 */
export function mapProviderPayloadWithinLimits(provider: string, payload: unknown): { envelope: MappedActivity; warnings: string[] } {
  const envelope = mapProviderPayload(provider, payload);
  const keys = Object.keys(envelope.fields ?? {});
  if (keys.length <= LIMITS.fieldsPerActivity) return { envelope, warnings: [] };
  const kept = keys.sort().slice(0, LIMITS.fieldsPerActivity);
  const fields = Object.fromEntries(kept.map((k) => [k, envelope.fields![k] ?? null]));
  return { envelope: { ...envelope, fields }, warnings: [`fields_dropped_activity_full:${keys.length - kept.length}`] };
}
