{
  description = "Blixard: a microVM orchestrator built deterministic-simulation-first";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
    # The microvm.nix microvm-nix guests are built with (services.blixard's default), pinned by flake.lock.
    microvm = {
      url = "github:astro/microvm.nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, microvm }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in {
      packages = forAll (pkgs: rec {
        blixard = pkgs.callPackage ./nix/package.nix { };
        default = blixard;
      });

      # services.blixard: a Blixard node as a hardened systemd service, plus the host pieces its VMs need.
      nixosModules = rec {
        blixard = import ./nix/module.nix { blixard = self; inherit nixpkgs microvm; };
        default = blixard;
      };

      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_20
            pkgs.pnpm
            pkgs.python3 # node-gyp, for better-sqlite3 and fs-ext
            pkgs.gnumake
            pkgs.gcc
            pkgs.sqlite
            pkgs.qemu # qemu-direct backend and the real-guest tests
            pkgs.pkgsStatic.busybox # the test guest's initramfs
            pkgs.iproute2 # taps, bridges and network-namespace tests
            pkgs.nix # nix-instantiate parses the generated microvm.nix flakes in the tests
          ];
          shellHook = ''
            export npm_config_nodedir=${pkgs.nodejs_20}
            # The real-guest tests boot this kernel (there is no /boot/vmlinuz-* on NixOS).
            export BLIXARD_KERNEL=${pkgs.linuxPackages.kernel}/${pkgs.stdenv.hostPlatform.linux-kernel.target}
          '';
        };
      });
    };
}
