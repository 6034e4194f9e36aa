# The `blixard` CLI as a Nix package: the workspace's dependencies fetched from pnpm-lock.yaml into a
# fixed-output store (pnpmDeps), installed offline, the native addons (better-sqlite3, fs-ext) built
# against this Node, the CLI bundled (`pnpm build`, cli/dist), and installed as dist/ plus the
# addons it loads at run time (nix/install-runtime-modules.mjs), behind a `blixard` wrapper.
#
# pnpmDeps.hash pins the fetched dependencies. It cannot be computed without a Nix store and the
# npm registry; when the lock file changes, build once with lib.fakeHash and put the hash Nix
# prints here (README, "flake.nix").
{
  lib,
  stdenv,
  nodejs_20,
  pnpm_9,
  python3,
  makeWrapper,
  pnpmDepsHash ? lib.fakeHash,
}:

stdenv.mkDerivation (finalAttrs: {
  pname = "blixard";
  version = (lib.importJSON ../cli/package.json).version;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../pnpm-lock.yaml
      ../pnpm-workspace.yaml
      ../tsconfig.json
      ../core
      ../runtime-real
      ../runtime-sim
      ../sim-tests/package.json
      ../cli
      ./install-runtime-modules.mjs
    ];
  };

  pnpmDeps = pnpm_9.fetchDeps {
    inherit (finalAttrs) pname version src;
    hash = pnpmDepsHash;
  };

  nativeBuildInputs = [
    nodejs_20
    pnpm_9.configHook
    python3 # node-gyp, for the native addons
    makeWrapper
  ];

  env = {
    # node-gyp builds against this Node's headers instead of downloading them.
    npm_config_nodedir = nodejs_20;
    # package.json names a newer pnpm; this build uses the one given here, offline.
    npm_config_manage_package_manager_versions = "false";
  };

  buildPhase = ''
    runHook preBuild
    # pnpm.configHook installed node_modules offline without running install scripts.
    pnpm rebuild better-sqlite3 fs-ext
    pnpm build
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    mkdir -p $out/lib/blixard $out/bin
    cp -r cli/dist $out/lib/blixard/dist
    rm -f $out/lib/blixard/dist/build-stamp.json
    node nix/install-runtime-modules.mjs cli $out/lib/blixard better-sqlite3 fs-ext
    makeWrapper ${lib.getExe nodejs_20} $out/bin/blixard \
      --add-flags $out/lib/blixard/dist/blixard.js
    runHook postInstall
  '';

  meta = {
    description = "Runs microVMs across a cluster of hosts (Raft, deterministic-simulation-first)";
    mainProgram = "blixard";
    platforms = lib.platforms.linux;
  };
})
