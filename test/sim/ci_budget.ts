/**
 * The seed block CI runs (sim.test.ts) and the teeth tests must catch their bugs within.
 * SIM_SEEDS / SIM_SEED_START override it, e.g. for a longer soak on an idle machine.
 */
/** Short seeds: a fault phase of 300 ticks (3 virtual seconds at 10 ms per tick). */
export const CI_FAULT_TICKS = 300;
export const CI_SEEDS = Number(process.env['SIM_SEEDS'] ?? 4000);
export const CI_SEED_START = Number(process.env['SIM_SEED_START'] ?? 1_000_000);
