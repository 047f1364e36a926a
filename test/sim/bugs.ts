/**
 * Deliberate bugs by name, for the teeth tests and `--bug`: three in the core (its test switches)
 * and five in the simulator's own host loops (each bug runs the loop it belongs to). Each one
 * breaks exactly one safety rule.
 */
import { raftTestBugs, resetRaftTestBugs, type RaftTestBug } from '../../src/raft/testing_bugs.js';
import type { DriverBugs } from './options.js';

const CORE_BUGS: readonly RaftTestBug[] = ['doubleVote', 'commitPreviousTermByCounting', 'readIndexWithoutHeartbeat'];
const DRIVER_BUGS: readonly (keyof DriverBugs)[] = ['hardStateAfterSend', 'applyUncommitted', 'earlySendAll', 'earlyApplyUndurable', 'earlyApplyOverwritten'];

export const BUG_NAMES: readonly string[] = [...CORE_BUGS, ...DRIVER_BUGS];

/**
 * Switches the named core bugs on (all others off) in this thread and returns the driver bugs to
 * pass to runSeed.
 */
export function applyBugs(names: readonly string[]): { driverBugs?: DriverBugs } {
  resetRaftTestBugs();
  const driverBugs: DriverBugs = {};
  for (const name of names) {
    if ((CORE_BUGS as readonly string[]).includes(name)) raftTestBugs[name as RaftTestBug] = true;
    else if ((DRIVER_BUGS as readonly string[]).includes(name)) driverBugs[name as keyof DriverBugs] = true;
    else throw new Error(`unknown bug ${name}`);
  }
  return Object.keys(driverBugs).length > 0 ? { driverBugs } : {};
}
