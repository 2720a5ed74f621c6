/**
 * Layering, checked in `npm run lint`:
 *   api, workers → services → domain / repositories (interfaces) / jobs
 *   domain is pure: it imports nothing of ours but itself and shared helpers, and no I/O library.
 *   only the composition root (src/start.ts, src/infra) picks concrete implementations.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      comment: 'The identity rules must be testable without I/O. crypto: the suppression hashes (HMAC, no I/O).',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: ['^src/domain', '^src/shared/(errors|pii)', 'node_modules/(libphonenumber-js|validator)', '^node:|^(url|punycode|crypto)$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-no-io-libraries',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { path: 'node_modules/(express|bullmq|ioredis|mongoose|mongodb|pino)' },
    },
    {
      name: 'services-not-to-edges',
      comment: 'Services are called by api and workers, never the other way round.',
      severity: 'error',
      from: { path: '^src/services' },
      to: { path: '^src/(api|workers|infra|start)' },
    },
    {
      name: 'repositories-not-to-upper-layers',
      severity: 'error',
      from: { path: '^src/(repositories|models)' },
      to: { path: '^src/(api|workers|services|infra|start)' },
    },
    {
      name: 'api-and-workers-use-interfaces',
      comment: 'Concrete stores are wired in the composition root only.',
      severity: 'error',
      from: { path: '^src/(api|workers|services)' },
      to: { path: '^src/(repositories/(memory|mongo)|models|infra)' },
    },
    {
      name: 'api-not-workers',
      severity: 'error',
      from: { path: '^src/api' },
      to: { path: '^src/workers' },
    },
    {
      name: 'workers-not-api',
      severity: 'error',
      from: { path: '^src/workers' },
      to: { path: '^src/api' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
