import { activityIdFor, type ActivitiesProducer, type EnqueueResult } from '../jobs/activities.queue';
import { idempotencyKey as keyOf } from '../jobs/idempotency';
import { AppError, UnauthorizedError, UnavailableError, ValidationError } from '../shared/errors';
import { jsonShapeProblem, type JsonShapeLimits } from '../shared/json-shape';
import { providerMapper, PROVIDER_NAMES } from './mappers';
import { signatureSchemeFor, type SignatureFailure, type SignatureScheme } from './signatures';
import type { WebhookSecretSource } from './webhook-secrets.service';

const ACCOUNT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Deeper than any provider's payload; a body past it is refused before it is enqueued. */
/**
 * What a provider's body may be: far above any real payload (a long chat transcript is a few
 * hundred messages), and low enough that a hostile one costs little. Strings are bounded by
 * WEBHOOK_BODY_LIMIT.
 */
export const WEBHOOK_SHAPE: JsonShapeLimits = { maxDepth: 32, maxKeyLength: 256, maxEntries: 10_000 };

export interface WebhookIntakeDeps {
  producer: ActivitiesProducer;
  secrets: WebhookSecretSource;
  toleranceSeconds: number;
  /** Backpressure (refuses with 503 while the workers are far behind); optional in tests. */
  admit?(n: number, account?: string): Promise<void>;
  nowSeconds?(): number;
}

export interface WebhookRequest {
  account: string;
  provider: string;
  rawBody: Buffer;
  signature: string | undefined;
}

function failure(scheme: SignatureScheme, reason: SignatureFailure): string {
  switch (reason) {
    case 'missing':
      return `The ${scheme.header} header is required`;
    case 'malformed':
      return `The ${scheme.header} header must look like ${scheme.format}`;
    case 'stale':
      return 'The signature timestamp is outside the tolerance window (check the sender clock; replays are refused)';
    case 'mismatch':
      return 'No signature matches the raw body with an active secret of this account and provider';
  }
}

/**
 * Webhook intake, thin like the activity intake: authenticate the sender by signature, read the
 * provider's event id (the idempotency key), hand the payload to Redis as received. Mapping the
 * payload happens in the worker.
 */
export function createWebhookIntakeService(deps: WebhookIntakeDeps) {
  const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  return {
    providers: PROVIDER_NAMES,

    /** The header that carries `provider`'s signature (its own scheme, else Contactflow-Signature). */
    signatureHeader(provider: string): string {
      return signatureSchemeFor(provider).header;
    },

    /**
     * Throws 404 for an unknown provider and 401 for anything not signed by the account. Each
     * provider's own scheme (src/services/signatures) verifies the raw bytes with any active secret
     * of the account for that provider.
     */
    async authenticate(req: WebhookRequest): Promise<void> {
      if (!providerMapper(req.provider)) {
        throw new AppError('unknown_provider', `No webhook provider "${req.provider.slice(0, 64)}" (known: ${PROVIDER_NAMES.join(', ')})`, 404);
      }
      // An unknown account looks exactly like a wrong secret: ids cannot be probed.
      const secrets = ACCOUNT_ID.test(req.account) ? await deps.secrets.secretsFor(req.account, req.provider) : [];
      const scheme = signatureSchemeFor(req.provider);
      const result = scheme.verify({
        header: req.signature,
        rawBody: req.rawBody,
        secrets,
        nowSeconds: nowSeconds(),
        toleranceSeconds: deps.toleranceSeconds,
      });
      if (!result.ok) throw new UnauthorizedError(failure(scheme, result.reason));
    },

    /** Only after authenticate(): parses the verified bytes and enqueues them. */
    async accept(req: Omit<WebhookRequest, 'signature'>): Promise<EnqueueResult> {
      const payload = parseJson(req.rawBody);
      const mapper = providerMapper(req.provider)!;
      // Without a readable event id the bytes are the key: a redelivery is still a duplicate,
      // and the worker (not the intake) decides whether the payload is usable.
      const eventId = mapper.eventId(payload);
      const key = keyOf({ kind: 'webhook', provider: req.provider, eventId: eventId || null, rawBody: req.rawBody });
      await deps.admit?.(1, req.account);
      try {
        return await deps.producer.enqueue({
          kind: 'webhook',
          provider: req.provider,
          account: req.account,
          activityId: activityIdFor(req.account, key),
          receivedAt: new Date().toISOString(),
          payload,
        });
      } catch (err) {
        throw new UnavailableError(`The queue cannot accept webhooks right now (${(err as Error).message})`);
      }
    },
  };
}

function parseJson(raw: Buffer): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('malformed_json', 'The request body is not valid JSON', 400);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new ValidationError('A webhook body must be a JSON object', [{ path: '(body)', message: 'expected an object' }]);
  }
  const problem = jsonShapeProblem(payload, WEBHOOK_SHAPE);
  if (problem) {
    throw new ValidationError('The webhook body is outside the shape limits (docs/webhooks.md, "Limits")', [
      { path: problem.path.join('.').slice(0, 200) || '(body)', message: problem.message },
    ]);
  }
  return payload;
}

export type WebhookIntakeService = ReturnType<typeof createWebhookIntakeService>;
