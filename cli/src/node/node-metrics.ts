import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { NodeObserver, ProposalKind } from "@blixard/core";
import type { AdmissionOutcome, ConnectionClass, NetObserver } from "@blixard/runtime-real";

/*
 * A node's Prometheus counters and histograms, fed by what core observes
 * (NodeObserver), what the transport counts (NetObserver) and the disk's sync
 * timings. Each hook does a counter increment or a histogram observe — a few
 * array writes — so the node's loop pays almost nothing; the text is built
 * only when /metrics is scraped. Gauges that read the node's state live in
 * node-gauges.ts. Label values are bounded: operations and error codes come
 * from the protocol, peers are the cluster's nodes, and every client counts
 * under the one peer label "client".
 */

/** Seconds: 50 µs to 1 s, for fsync and apply (fsync here: p50 0.15 ms, p99 ~2 ms). */
const DISK_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Seconds: 250 µs to 10 s, for client requests (a timeout is 3 s on the node). */
const REQUEST_BUCKETS_S = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: 1 ms to 60 s, for snapshots. */
const SNAPSHOT_SECONDS_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60];
/** Bytes: 1 KiB to 4 GiB by factors of 4. */
const SNAPSHOT_BYTES_BUCKETS = Array.from({ length: 12 }, (_, i) => 1024 * 4 ** i);

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly proposals: Counter<"kind">;
  private readonly applied: Counter;
  private readonly applyDuration: Histogram;
  private readonly elections: Counter<"role">;
  private readonly leaderChanges: Counter;
  private readonly fsyncDuration: Histogram;
  private readonly requestDuration: Histogram<"operation" | "outcome">;
  private readonly snapshotBytes: Histogram<"kind">;
  private readonly snapshotDuration: Histogram<"kind">;
  private readonly framesReceived: Counter<"peer">;
  private readonly bytesReceived: Counter<"peer">;
  private readonly framesSent: Counter<"peer">;
  private readonly bytesSent: Counter<"peer">;
  private readonly framesRejected: Counter<"reason">;
  private readonly connectionsRefused: Counter<"reason">;
  private readonly clientPauses: Counter;
  private lastLeader: string | null = null;

  constructor(nodeId: string, options: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ node: nodeId });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.proposals = new Counter({ name: "blixard_raft_proposals_total", help: "Entries this node appended to its log as leader, by kind (client write, the node's own command, membership change)", labelNames: ["kind"], registers });
    this.applied = new Counter({ name: "blixard_raft_entries_applied_total", help: "Committed log entries applied to the state machine", registers });
    this.applyDuration = new Histogram({ name: "blixard_raft_apply_duration_seconds", help: "Time to apply one batch of committed entries", buckets: DISK_BUCKETS_S, registers });
    this.elections = new Counter({ name: "blixard_raft_elections_total", help: "Elections this node started (pre-candidate: a pre-vote round; candidate: a real election)", labelNames: ["role"], registers });
    this.leaderChanges = new Counter({ name: "blixard_raft_leader_changes_total", help: "Times this node saw a new leader", registers });
    this.fsyncDuration = new Histogram({ name: "blixard_disk_fsync_duration_seconds", help: "Time of each durable commit (SQLite COMMIT with synchronous=FULL: the fsync)", buckets: DISK_BUCKETS_S, registers });
    this.requestDuration = new Histogram({
      name: "blixard_client_request_duration_seconds",
      help: "Client requests this node took, from arrival to answer, by operation and outcome (ok or the error code)",
      labelNames: ["operation", "outcome"],
      buckets: REQUEST_BUCKETS_S,
      registers,
    });
    this.snapshotBytes = new Histogram({ name: "blixard_snapshot_size_bytes", help: "Snapshot sizes, taken here or installed from the leader", labelNames: ["kind"], buckets: SNAPSHOT_BYTES_BUCKETS, registers });
    this.snapshotDuration = new Histogram({ name: "blixard_snapshot_duration_seconds", help: "Time to take (and compact) or to restore a snapshot", labelNames: ["kind"], buckets: SNAPSHOT_SECONDS_BUCKETS, registers });
    this.framesReceived = new Counter({ name: "blixard_net_frames_received_total", help: "Frames received, by peer (every client counts as peer=client)", labelNames: ["peer"], registers });
    this.bytesReceived = new Counter({ name: "blixard_net_received_bytes_total", help: "Bytes received in frames, by peer", labelNames: ["peer"], registers });
    this.framesSent = new Counter({ name: "blixard_net_frames_sent_total", help: "Frames sent, by peer", labelNames: ["peer"], registers });
    this.bytesSent = new Counter({ name: "blixard_net_sent_bytes_total", help: "Bytes sent in frames, by peer", labelNames: ["peer"], registers });
    this.framesRejected = new Counter({ name: "blixard_net_frames_rejected_total", help: "Frames dropped or refused, by reason", labelNames: ["reason"], registers });
    this.connectionsRefused = new Counter({ name: "blixard_net_connections_refused_total", help: "Connections closed or refused by admission, by reason", labelNames: ["reason"], registers });
    this.clientPauses = new Counter({ name: "blixard_net_client_pauses_total", help: "Times a client connection was not read because its queue was full", registers });
  }

  /** What core reports. */
  readonly node: NodeObserver = {
    proposed: (_nodeId, kind: ProposalKind) => this.proposals.inc({ kind }),
    entriesApplied: (_nodeId, count, durationMs) => {
      this.applied.inc(count);
      this.applyDuration.observe(durationMs / 1000);
    },
    roleChanged: (_nodeId, role, _term, leaderId) => {
      if (role === "candidate" || role === "pre-candidate") this.elections.inc({ role });
      if (leaderId !== null && leaderId !== this.lastLeader) this.leaderChanges.inc();
      this.lastLeader = leaderId;
    },
    clientRequestAnswered: (_nodeId, operation, outcome, durationMs) => this.requestDuration.observe({ operation, outcome }, durationMs / 1000),
    snapshotTaken: (_nodeId, _index, bytes, durationMs) => {
      this.snapshotBytes.observe({ kind: "taken" }, bytes);
      this.snapshotDuration.observe({ kind: "taken" }, durationMs / 1000);
    },
    snapshotRestored: (_nodeId, _index, bytes, durationMs) => {
      this.snapshotBytes.observe({ kind: "installed" }, bytes);
      this.snapshotDuration.observe({ kind: "installed" }, durationMs / 1000);
    },
  };

  /** What the transport reports. */
  readonly net: NetObserver = {
    frameReceived: (peerId, connectionClass: ConnectionClass, bytes) => {
      const peer = connectionClass === "client" ? "client" : peerId;
      this.framesReceived.inc({ peer });
      this.bytesReceived.inc({ peer }, bytes);
    },
    frameSent: (peerId, connectionClass: ConnectionClass, bytes) => {
      const peer = connectionClass === "client" ? "client" : peerId;
      this.framesSent.inc({ peer });
      this.bytesSent.inc({ peer }, bytes);
    },
    frameRejected: (reason) => this.framesRejected.inc({ reason }),
    connectionRefused: (outcome: AdmissionOutcome) => this.connectionsRefused.inc({ reason: outcome }),
    flowChanged: (_peerId, paused) => {
      if (paused) this.clientPauses.inc();
    },
  };

  /** The disk's sync timings. */
  readonly onSync = (durationMs: number): void => this.fsyncDuration.observe(durationMs / 1000);
}
