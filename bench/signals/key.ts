/** The API key the bench's servers accept (every grant). */
export const BENCH_KEY = 'bench-signals-key-000000000001';
