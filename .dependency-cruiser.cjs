/** Module boundaries (DESIGN.md → house style): the pure core imports no adapter. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'engine/src/domain must not import stores, HTTP, use cases, node built-ins or drivers',
      severity: 'error',
      from: { path: '^engine/src/domain/' },
      to: { path: '^(engine/src/(store|http|usecases|cli)|node_modules/(pg|@electric-sql|fastify|jose))|^node:|^(fs|path|net|http|child_process)$' },
    },
    {
      name: 'store-below-http',
      comment: 'the store layer does not depend on the HTTP layer except for schema types',
      severity: 'error',
      from: { path: '^engine/src/store/' },
      to: { path: '^engine/src/(http/(routes|app|auth)|usecases|cli)' },
    },
    {
      name: 'simulator-plans-are-pure',
      comment: 'the region plan is pure; only seed.ts and reference.ts do I/O',
      severity: 'error',
      from: { path: '^simulator/src/(region-plan|rng|clinic-profiles)' },
      to: { path: '^node:|^(fs|path)$|^engine/src/(store|http|usecases)' },
    },
    {
      name: 'pipeline-transforms-are-pure',
      comment: 'stream transforms and the live-state fold take data and return data: no I/O, drivers or engine adapters',
      severity: 'error',
      from: { path: '^pipelines/src/(transforms/|live/live-state)' },
      to: { path: '^node:(fs|net|http|child_process)|^(fs|net|http|child_process)$|node_modules/(kafkajs|@duckdb|pg|@electric-sql)|^engine/src/(store|http|usecases)|^pipelines/src/(relay|sinks)' },
    },
    {
      name: 'forecast-features-are-pure',
      comment: 'forecasting features are pure: no file system, DuckDB or TensorFlow',
      severity: 'error',
      from: { path: '^forecasting/src/features/' },
      to: { path: '^node:|^(fs|path)$|node_modules/(@duckdb|@tensorflow)|^forecasting/src/(jobs|models)' },
    },
    {
      name: 'dashboards-import-no-engine',
      comment: 'dashboards read marts only',
      severity: 'error',
      from: { path: '^dashboards/src/' },
      to: { path: '^(engine|pipelines)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^(engine|simulator|bench|pipelines|forecasting|dashboards/src)/',
  },
};
