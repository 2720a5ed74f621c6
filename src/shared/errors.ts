/**
 * One error base with a stable string `code`: it survives process boundaries (job failure reasons,
 * problem+json `type`) where instanceof does not.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, readonly issues: ValidationIssue[] = []) {
    super('validation_failed', message, 400, { errors: issues });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`, 404);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid API key is required: Authorization: Bearer <key>') {
    super('unauthorized', message, 401);
  }
}

/** Redis could not take the job: the client must retry later; nothing was accepted. */
export class UnavailableError extends AppError {
  constructor(message: string, readonly retryAfterSeconds = 5) {
    super('service_unavailable', message, 503);
  }
}

/** Another writer holds this email (unique per account): resolution must be retried. */
export class DuplicateIdentifierError extends AppError {
  constructor(readonly identifier: 'email' | 'phone' | 'id') {
    super('duplicate_identifier', `another contact already holds this ${identifier}`, 409);
  }
}

/** The contact changed between read and write (optimistic concurrency): retry. */
export class VersionConflictError extends AppError {
  constructor() {
    super('version_conflict', 'the contact changed concurrently', 409);
  }
}

/** A payload that no retry can fix (bad shape, unknown provider). Fails the job at once. */
export class PermanentJobError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 422);
  }
}

/** The store could not answer now (connection lost, failover, timeout): the job retries with backoff. */
export class TransientStoreError extends AppError {
  constructor(message: string, override readonly cause?: unknown) {
    super('store_unavailable', message, 503);
  }
}

/** Too many concurrent writers on one contact within one attempt: worth another attempt later. */
export class ContentionError extends AppError {
  constructor(message: string) {
    super('contention', message, 503);
  }
}
