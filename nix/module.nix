# NixOS module `services.blixard`: one Blixard node on this host, as a hardened systemd service,
# and the host pieces its VMs need (microvm.nix's host tooling sets up the same): the tun and
# vhost_net modules, the kvm group, the `microvm` user its runners' bin/tap-up gives taps to, and
# a bridge for the VMs' taps.
#
# `blixard` is the flake this file comes from; `nixpkgs` and `microvm` are its inputs, the
# defaults microvm-nix guests are built against (pinned by the flake's lock).
{ blixard, nixpkgs, microvm }:
{ config, lib, pkgs, ... }:

let
  cfg = config.services.blixard;
  inherit (lib) mkOption types;

  port = lib.toInt (lib.last (lib.splitString ":" cfg.listen));

  nodeArgs =
    [ "--id" cfg.nodeId "--listen" cfg.listen "--data-dir" cfg.dataDir "--cluster-id" cfg.clusterId "--backend" cfg.backend "--read-mode" cfg.readMode ]
    ++ lib.concatLists (lib.mapAttrsToList (id: url: [ "--peer" "${id}=${url}" ]) cfg.peers)
    ++ lib.optionals cfg.join [ "--join" ]
    ++ lib.optionals (cfg.advertise != null) [ "--advertise" cfg.advertise ]
    ++ lib.optionals (cfg.capacity.vcpus != null) [ "--vcpus" (toString cfg.capacity.vcpus) ]
    ++ lib.optionals (cfg.capacity.memoryMib != null) [ "--memory-mib" (toString cfg.capacity.memoryMib) ]
    ++ lib.optionals (cfg.capacity.diskGib != null) [ "--disk-gib" (toString cfg.capacity.diskGib) ]
    ++ lib.concatMap (feature: [ "--feature" feature ]) cfg.features
    ++ lib.optionals (cfg.metricsPort != null) [ "--metrics-port" (toString cfg.metricsPort) ]
    ++ lib.optionals (cfg.backend == "microvm-nix") [
      "--nixpkgs-flake" cfg.microvm.nixpkgsFlake
      "--microvm-flake" cfg.microvm.microvmFlake
      "--nix-command" "${config.nix.package}/bin/nix"
      "--nix-build-timeout-s" (toString cfg.microvm.buildTimeoutS)
    ]
    ++ cfg.extraArgs;

  usesVms = cfg.backend != "process";
in
{
  options.services.blixard = {
    enable = lib.mkEnableOption "a Blixard node (microVMs across a cluster of hosts)";

    package = mkOption {
      type = types.package;
      default = blixard.packages.${pkgs.stdenv.hostPlatform.system}.blixard;
      defaultText = lib.literalExpression "blixard.packages.\${system}.blixard";
      description = "The blixard CLI.";
    };

    nodeId = mkOption {
      type = types.strMatching "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
      example = "n1";
      description = "This node's id, also its host id in the cluster.";
    };

    listen = mkOption {
      # host:port; `blixard node` checks the host part itself.
      type = types.strMatching "[^[:space:]]+:[0-9]{1,5}";
      default = "0.0.0.0:7001";
      description = "host:port the node listens on for peers and clients.";
    };

    advertise = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "ws://10.0.0.11:7001";
      description = "The URL other nodes reach this one at; needed when `listen` is a wildcard address.";
    };

    peers = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = { n2 = "ws://10.0.0.12:7001"; n3 = "ws://10.0.0.13:7001"; };
      description = "The other nodes, id to ws:// URL: the bootstrap voters, unless `join`.";
    };

    join = mkOption {
      type = types.bool;
      default = false;
      description = "Start with an empty configuration and wait to be added (`blixard cluster add-node`).";
    };

    clusterId = mkOption {
      type = types.str;
      default = "blixard";
      description = "Nodes only talk to nodes with the same cluster id.";
    };

    dataDir = mkOption {
      type = types.path;
      default = "/var/lib/blixard";
      description = "The node's durable state; VMs' state directories live under `vms/`.";
    };

    backend = mkOption {
      type = types.enum [ "microvm-nix" "qemu-direct" "process" ];
      default = "microvm-nix";
      description = "How this host launches VMs.";
    };

    capacity = {
      vcpus = mkOption { type = types.nullOr types.ints.positive; default = null; description = "vCPUs this host offers (null: the node's default)."; };
      memoryMib = mkOption { type = types.nullOr types.ints.positive; default = null; description = "Memory this host offers, in MiB."; };
      diskGib = mkOption { type = types.nullOr types.ints.unsigned; default = null; description = "Disk this host offers, in GiB."; };
    };

    features = mkOption {
      type = types.listOf (types.strMatching "[a-z0-9][a-z0-9-]{0,63}");
      default = [ ];
      example = [ "kvm" ];
      description = "Host features VMs can require.";
    };

    readMode = mkOption {
      type = types.enum [ "read-index" "lease" ];
      default = "read-index";
      description = "Linearizable read path; the same on every node.";
    };

    metricsPort = mkOption {
      type = types.nullOr types.port;
      default = null;
      description = "Serve /metrics and /status on 127.0.0.1 at this port.";
    };

    microvm = {
      nixpkgsFlake = mkOption {
        type = types.str;
        default = "path:${nixpkgs}";
        defaultText = lib.literalExpression ''"path:''${nixpkgs}" (Blixard's own locked nixpkgs)'';
        description = "The nixpkgs guests from spec modules are built with; the same on every host, so they build the same guest.";
      };
      microvmFlake = mkOption {
        type = types.str;
        default = "path:${microvm}";
        defaultText = lib.literalExpression ''"path:''${microvm}" (Blixard's own locked microvm.nix)'';
        description = "The microvm.nix guests are built with.";
      };
      buildTimeoutS = mkOption {
        type = types.ints.between 1 86400;
        default = 1800;
        description = "A runner build still running after this long fails the VM's start.";
      };
    };

    bridge = {
      name = mkOption {
        type = types.nullOr (types.strMatching "[A-Za-z0-9_.-]{1,15}");
        default = "blixard0";
        description = "A host bridge for the VMs' taps (null: none is declared here).";
      };
      ipv4 = mkOption {
        type = types.nullOr (types.submodule {
          options = {
            address = mkOption { type = types.str; example = "10.20.0.1"; description = "The host's address on the bridge (the VMs' gateway)."; };
            prefixLength = mkOption { type = types.ints.between 1 32; default = 24; description = "Prefix length of the VMs' network."; };
          };
        });
        default = null;
        description = "The host's IPv4 address on the bridge.";
      };
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open the listen port in the firewall.";
    };

    user = mkOption {
      type = types.str;
      default = "blixard";
      description = "The service's user (created when left at blixard).";
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "More `blixard node` arguments.";
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = !((lib.hasPrefix "0.0.0.0:" cfg.listen || lib.hasPrefix "[::]:" cfg.listen) && cfg.advertise == null && (cfg.peers != { } || cfg.join));
        message = "services.blixard: a node of a cluster that listens on a wildcard address needs `advertise` (the URL its peers reach it at).";
      }
    ];

    users.users = lib.mkMerge [
      (lib.mkIf (cfg.user == "blixard") {
        blixard = { isSystemUser = true; group = "blixard"; extraGroups = [ "kvm" ]; home = cfg.dataDir; };
      })
      # microvm.nix runners' bin/tap-up makes each tap with `user microvm` (nixos-modules/microvm/interfaces.nix).
      (lib.mkIf (cfg.backend == "microvm-nix") {
        microvm = { isSystemUser = lib.mkDefault true; group = lib.mkDefault "kvm"; };
      })
    ];
    users.groups = lib.mkIf (cfg.user == "blixard") { blixard = { }; };

    boot.kernelModules = lib.mkIf usesVms [ "tun" "vhost_net" "bridge" ];

    networking.bridges = lib.mkIf (usesVms && cfg.bridge.name != null) { ${cfg.bridge.name}.interfaces = [ ]; };
    networking.interfaces = lib.mkIf (usesVms && cfg.bridge.name != null && cfg.bridge.ipv4 != null) {
      ${cfg.bridge.name}.ipv4.addresses = [ { inherit (cfg.bridge.ipv4) address prefixLength; } ];
    };

    networking.firewall.allowedTCPPorts = lib.mkIf cfg.openFirewall [ port ];

    systemd.services.blixard = {
      description = "Blixard node ${cfg.nodeId}";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" "nix-daemon.socket" ];
      # nix builds runners; ip joins taps to bridges; the runners' own scripts carry their store paths.
      path = [ config.nix.package pkgs.iproute2 pkgs.coreutils ] ++ lib.optionals (cfg.backend == "qemu-direct") [ pkgs.qemu_kvm ];
      environment = {
        HOME = cfg.dataDir;
        XDG_CACHE_HOME = "/var/cache/blixard";
      };
      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} node ${lib.escapeShellArgs nodeArgs}";
        User = cfg.user;
        Group = lib.mkIf (cfg.user == "blixard") "blixard";
        SupplementaryGroups = [ "kvm" ];
        StateDirectory = lib.mkIf (cfg.dataDir == "/var/lib/blixard") "blixard";
        StateDirectoryMode = "0750";
        CacheDirectory = "blixard";
        ReadWritePaths = [ cfg.dataDir ];
        UMask = "0027";

        # The node stops its VMs on SIGTERM (microvm-shutdown, then signals); the rest is killed after.
        KillMode = "mixed";
        TimeoutStopSec = 90;
        Restart = "on-failure";
        RestartSec = 5;
        LimitNOFILE = 1048576;
        LimitMEMLOCK = "infinity";

        # Taps and bridges need CAP_NET_ADMIN, and nothing else.
        AmbientCapabilities = lib.optionals usesVms [ "CAP_NET_ADMIN" ];
        CapabilityBoundingSet = lib.optionals usesVms [ "CAP_NET_ADMIN" ];
        NoNewPrivileges = true;
        DevicePolicy = "closed";
        DeviceAllow = lib.optionals usesVms [ "/dev/kvm rw" "/dev/net/tun rw" "/dev/vhost-net rw" "/dev/vhost-vsock rw" ];
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        LockPersonality = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        RemoveIPC = true;
        SystemCallArchitectures = "native";
        # AF_NETLINK: ip; AF_VSOCK: cloud-hypervisor's notify socket. Namespaces stay allowed: crosvm sandboxes itself in them.
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" "AF_VSOCK" ];
        # Node's JIT and QEMU's TCG write executable code, so MemoryDenyWriteExecute stays off.
      };
    };
  };
}
