import type { Entry } from "../raft/log-types";
import type { RaftRole } from "../raft/types";
import { ClusterModule } from "../state/cluster/module";
import { KvModule } from "../state/kv/module";
import type { AnyStateModule } from "../state/queryable";
import type { ApplyOutcome } from "../state/state-machine";

/**
 * A host-side service the node drives: the VM controller, the leader's
 * scheduler and host-health loops. Hooks run inside the node's event handling,
 * so a service never needs a clock or timer of its own.
 */
export interface NodeService {
  start?(): void;
  stop?(): void;
  /** Once per Raft tick. */
  tick?(): void;
  /** After each committed entry is applied on this node (called once the Ready that applied it is done). */
  applied?(outcome: ApplyOutcome, entry: Entry): void;
  /** After the state machine was replaced wholesale by a snapshot. */
  stateReplaced?(): void;
  roleChanged?(role: RaftRole | string, term: number, leaderId: string | null): void;
}

/** The modules every node's state machine runs. */
export function defaultModules(): AnyStateModule[] {
  return [new KvModule(), new ClusterModule()];
}
