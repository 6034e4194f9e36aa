import type { BlixardNode } from "../node/blixard-node";
import type { NodeService } from "../node/node-service";
import type { HostConfig, SupervisorConfig } from "./controller-config";
import { HostAgent } from "./host-agent";
import { LeaderSupervisor } from "./leader-supervisor";
import { VmController } from "./vm-controller";

/** The services every Blixard host runs: its agent, its VM controller, and the leader's supervisor (active only while leading). */
export interface HostServices {
  readonly agent: HostAgent;
  readonly controller: VmController;
  readonly supervisor: LeaderSupervisor;
}

export function hostServices(host: HostConfig, supervisor: SupervisorConfig, expose?: (services: HostServices) => void) {
  return (node: BlixardNode): NodeService[] => {
    const agent = new HostAgent(node.runtime, node, host);
    const controller = new VmController(node.runtime, node, agent, host);
    const leader = new LeaderSupervisor(node.runtime, node, supervisor);
    expose?.({ agent, controller, supervisor: leader });
    return [
      {
        tick: () => {
          agent.tick();
          leader.tick();
          controller.tick();
        },
        applied: (outcome, entry) => {
          agent.applied(outcome, entry);
          leader.applied(outcome, entry);
          controller.applied(outcome, entry);
        },
        roleChanged: (role) => leader.roleChanged(role),
        stop: () => controller.stopAll(),
      },
    ];
  };
}
