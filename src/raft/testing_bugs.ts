/**
 * Deliberate faults for the simulator's "teeth" tests (issue 3 point 11): each flag makes the core
 * break one safety rule in exactly one way, so a test can show the simulator's checkers catch it.
 * All false by default; production code never sets them. Tests must restore them (resetRaftTestBugs).
 */
export const raftTestBugs = {
  /** Grant a MsgVote even after voting for someone else in the same term. */
  doubleVote: false,
  /** Commit an entry of an earlier term by counting replicas (ignores Raft §5.4.2 / Figure 8). */
  commitPreviousTermByCounting: false,
  /** Answer a safe ReadIndex at once with the commit index, without the quorum heartbeat round. */
  readIndexWithoutHeartbeat: false,
};

export type RaftTestBug = keyof typeof raftTestBugs;

export function resetRaftTestBugs(): void {
  for (const k of Object.keys(raftTestBugs) as RaftTestBug[]) raftTestBugs[k] = false;
}
