// The identity engine's public surface: pure functions over the shapes in ./types.
export * from './types';
export { defaultIdentityPolicy, type IdentityPolicyOverrides } from './identity-policy';
export { normalizeEmail, type NormalizedEmail } from './email';
export { normalizePhone, type NormalizedPhone } from './phone';
export { normalizeIdentifiers, type RawIdentifiers } from './normalize-identifiers';
export { decideResolution, type ResolvedIdentifiers } from './resolution';
export { insertRecent, insertRecentPageView } from './recent-list';
export { mergeFields, type MergedFields } from './field-merge';
export { applyActivity, contactStateOf, isUsableVisitorId, newContactState, sameContactState, withIdentifiers } from './contact-merge';
export { DEFAULT_FIELD_DEFINITIONS } from './default-fields';
export { LIMITS } from './limits';
export { mapSourceFields, routeAnswers, sourceNameKey, type MappedFields, type RoutedAnswers } from './field-mapping';
export { createSuppressionHasher, MIN_SUPPRESSION_KEY_LENGTH, type SuppressionHash, type SuppressionHasher, type SuppressionKind } from './suppression';
export * from './status-definitions';
export * from './field-definitions';
export { countryOfTimeZone } from './time-zone-country';
