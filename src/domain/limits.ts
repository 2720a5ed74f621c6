/**
 * How much one contact and one activity may hold. A contact is one MongoDB document (16 MB at
 * most) that every activity of the person rewrites, so each part that grows with the activities is
 * bounded: with these numbers the largest possible contact stays below 8 MB (docs/storage.md,
 * "Limits", has the arithmetic). The same pure rules apply on both stores.
 */
export const LIMITS = {
  /** Captured fields per contact; a new key beyond it is dropped with a warning, known keys still update. */
  fieldsPerContact: 200,
  /** Fields per activity: the intake refuses more, and a mapped provider payload keeps the first ones (sorted by key). */
  fieldsPerActivity: 100,
  /**
   * Activity-only details per activity (meeting and form facts: start time, event type, answers no
   * contact field claims). They live on the activity record, never on the contact.
   */
  detailsPerActivity: 100,
  /** Characters of a field value. */
  fieldValueLength: 10_000,
  /** Visitor ids per contact; once full, a new one is not added (a warning says so). */
  visitorIdsPerContact: 50,
} as const;
