/** The memory guard moved to the shared pacing (src/keyspace/pacing/memory-guard.ts); this path stays for the engine's import until it takes it from there. */
export * from '../keyspace/pacing/memory-guard.js';
