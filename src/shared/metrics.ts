import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Job counts of one queue, as BullMQ's getJobCounts answers them. */
export type QueueDepthSource = () => Promise<Record<string, Record<string, number>>>;

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Every metric of the process on its own Registry (never prom-client's global one: tests start
 * several apps in one process, and a global registry would refuse the second set of names).
 * Label values are bounded by construction: routes are Express route patterns, reasons are error
 * codes (the part before ':'), never ids, emails or free text.
 */
export function createMetrics(opts: { queueDepths?: QueueDepthSource; defaultMetrics?: boolean; store?: 'mongodb' | 'memory' } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'contactflow_' });
  if (opts.store) {
    // An alert on store="memory" catches a deployment running on the non-persistent fallback.
    new Gauge({ name: 'contactflow_store_info', help: 'The store this process uses (memory: nothing persists)', labelNames: ['store'] as const, registers: [registry] }).set(
      { store: opts.store },
      1,
    );
  }

  const httpRequests = new Counter({
    name: 'contactflow_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'contactflow_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpSeries = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
  const jobsCompleted = new Counter({
    name: 'contactflow_jobs_completed_total',
    help: 'Jobs that finished successfully',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const jobsFailed = new Counter({
    name: 'contactflow_jobs_failed_total',
    help: 'Jobs that failed for good (permanent error or attempts exhausted), by error code',
    labelNames: ['queue', 'reason'] as const,
    registers: [registry],
  });
  const jobsRetried = new Counter({
    name: 'contactflow_jobs_retried_total',
    help: 'Job attempts that failed and will be retried with backoff, by error code',
    labelNames: ['queue', 'reason'] as const,
    registers: [registry],
  });
  const jobsReplayed = new Counter({
    name: 'contactflow_jobs_replayed_total',
    help: 'Failed jobs and unidentified activities re-enqueued by an operator replay',
    labelNames: ['queue', 'kind'] as const,
    registers: [registry],
  });
  const jobLatency = new Histogram({
    name: 'contactflow_job_latency_seconds',
    help: 'Time from enqueue to completion (replayed jobs count from their first enqueue)',
    labelNames: ['queue'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const activitiesProcessed = new Counter({
    name: 'contactflow_activities_processed_total',
    help: 'Processed activities by outcome (processed|unidentified) and resolution (created|matched|none|replay)',
    labelNames: ['outcome', 'resolution'] as const,
    registers: [registry],
  });
  // Both queue gauges are collected in parallel on a scrape; they share one read of the counts.
  const depthSource = opts.queueDepths;
  type Depths = Record<string, Record<string, number>>;
  let depthRead: Promise<Depths | null> | null = null;
  const readDepths = (): Promise<Depths | null> =>
    (depthRead ??= (depthSource ? depthSource() : Promise.resolve<Depths>({}))
      // Redis down must not turn the scrape into a 500: the other metrics still matter, and
      // contactflow_queue_scrape_up says why the depth series are missing.
      .catch(() => null)
      .finally(() => (depthRead = null)));

  new Gauge({
    name: 'contactflow_queue_scrape_up',
    help: '1 when this scrape could read the queue counts from Redis, else 0',
    registers: [registry],
    async collect() {
      this.set((await readDepths()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'contactflow_queue_jobs',
    help: 'Jobs per queue and state, read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    // Read on scrape rather than tracked by events: the numbers are the queue's, across every
    // process, and cost one round trip per scrape instead of bookkeeping per job.
    async collect() {
      this.reset();
      const byQueue = await readDepths();
      for (const [queue, counts] of Object.entries(byQueue ?? {})) {
        for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });

  return {
    registry,
    observeHttp(method: string, route: string, status: number, seconds: number) {
      // Label sets are few (route patterns × methods × statuses): keep each series' handles instead
      // of letting prom-client hash the label object twice per request.
      const key = `${method} ${route} ${status}`;
      let series = httpSeries.get(key);
      if (!series) {
        const labels = { method, route, status: String(status) };
        httpSeries.set(key, (series = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) }));
      }
      series.count.inc();
      series.duration.observe(seconds);
    },
    jobCompleted(queue: string, enqueuedAt: number | undefined, finishedAt = Date.now()) {
      jobsCompleted.inc({ queue });
      if (enqueuedAt) jobLatency.observe({ queue }, Math.max(0, finishedAt - enqueuedAt) / 1000);
    },
    jobFailed(queue: string, reason: string, final: boolean) {
      (final ? jobsFailed : jobsRetried).inc({ queue, reason: reasonCode(reason) });
    },
    jobsReplayed(queue: string, kind: 'failed' | 'unidentified', n: number) {
      if (n > 0) jobsReplayed.inc({ queue, kind }, n);
    },
    activityProcessed(outcome: string, resolution: string) {
      activitiesProcessed.inc({ outcome, resolution });
    },
    async text(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `unknown_account: account x does not exist` → `unknown_account`; anything odd → `other`. */
export function reasonCode(reason: string): string {
  const code = reason.split(':', 1)[0]!.trim();
  return /^[A-Za-z][\w.-]{0,63}$/.test(code) ? code : 'other';
}
