import { z } from 'zod';
import { refuseIllFormedStrings } from './activity-envelope.schema';

/**
 * The page view accepted by POST /v1/page-views. Like the activity envelope, the intake checks it
 * for a fast 400 and the worker parses it again from the raw payload in the job (a replay after a
 * schema fix repairs what an older rule accepted).
 */
export const pageViewSchema = z
  .object({
    /** The anonymous visitor id (first-party cookie) the view was made under. */
    visitorId: z.string().min(1).max(200),
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
    title: z.string().max(1000).nullish(),
    // document.referrer is "" for direct visits: any string up to the URL limit, not validated as a URL.
    referrer: z.string().max(2048).nullish(),
    viewedAt: z.iso.datetime({ offset: true }),
  })
  .strict()
  .superRefine(refuseIllFormedStrings);

export type PageViewEnvelope = z.infer<typeof pageViewSchema>;
