# Shared helpers for scripts/*: one set of flags and env for every cargo call, and the
# installs each step needs when they are missing.
export LEPTOS_OUTPUT_NAME=herald
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# Flags set here would change every crate's hash: keep them in .cargo/config.toml instead.
unset RUSTFLAGS

step() { printf '\n==> %s\n' "$*"; }

# The cargo target folder as cargo itself resolves it (CARGO_TARGET_DIR, relative to the
# current folder when relative, `build.target-dir` in a config file, else ./target), as an
# absolute path. Every script reads and writes build output under it, never `target/`.
target_dir() {
  if command -v cargo >/dev/null 2>&1; then
    cargo metadata --format-version 1 --no-deps |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
  else
    case "${CARGO_TARGET_DIR:-}" in
      "") echo "$PWD/target" ;;
      /*) echo "$CARGO_TARGET_DIR" ;;
      *) echo "$PWD/$CARGO_TARGET_DIR" ;;
    esac
  fi
}

# `--test <name>` for every integration test of workspace package $1 but those named in
# $2.., from cargo metadata. Steps that run one package's tests again (against PostgreSQL)
# select them this way with `--workspace`, so they reuse the build of `cargo test
# --workspace`: `-p <package>` would resolve narrower features and compile it all again.
test_args() {
  cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
package, leave_out = sys.argv[1], set(sys.argv[2:])
meta = json.load(sys.stdin)
names = [t["name"] for p in meta["packages"] if p["name"] == package
         for t in p["targets"] if "test" in t["kind"] and t["name"] not in leave_out]
if not names:
    sys.exit("test_args: no integration tests in package " + package)
print(" ".join("--test " + n for n in sorted(names)))
' "$@"
}

lock_version() { # the version of crate $1 in Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_toolchain() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    step "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want have
  want=$(lock_version wasm-bindgen)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    step "installing wasm-bindgen-cli $want (about 2 minutes)"
    # --locked fails here: its lockfile names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_npm_packages() {
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.stamp ]; then
    step "installing npm packages for end2end/ (Playwright, binaryen, standardwebhooks)"
    (cd end2end && npm ci --no-audit --no-fund && touch node_modules/.stamp)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    step "installing Chromium from Debian (Playwright's own download cannot work here)"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_http() { # url, seconds
  local url=$1 secs=${2:-60} i
  for ((i = 0; i < secs * 10; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}
