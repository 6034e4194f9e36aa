{
  description = "Blixard: a microVM orchestrator built deterministic-simulation-first";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in {
      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_20
            pkgs.pnpm
            pkgs.python3 # node-gyp, for better-sqlite3
            pkgs.gnumake
            pkgs.gcc
            pkgs.sqlite
            pkgs.qemu # qemu-direct backend and its tests
            pkgs.iproute2 # network-namespace test hosts
          ];
          shellHook = ''
            export npm_config_nodedir=${pkgs.nodejs_20}
          '';
        };
      });
    };
}
