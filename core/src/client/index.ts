export { ClusterClient, defaultClusterClientConfig, type ClientOutcome, type ClientPorts, type ClusterClientConfig } from "./cluster-client";
