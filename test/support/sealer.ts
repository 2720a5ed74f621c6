import { randomBytes } from 'node:crypto';
import { createJobSealer, type JobSealer } from '../../src/jobs/activities.queue';
import { createPayloadCipher } from '../../src/jobs/payload-cipher';

/** A sealer under a fresh random key, for unit tests that build jobs without an app. */
export function testSealer(): JobSealer {
  return createJobSealer(createPayloadCipher(randomBytes(32)));
}
