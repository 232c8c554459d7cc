#!/usr/bin/env bash
# Installs what building and testing codex-helper needs, and nothing else.
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact command to run is printed and the script stops.
#
#   scripts/setup.sh          what `npm start` needs (build the CLI)
#   scripts/setup.sh test     what `npm test` needs as well
set -euo pipefail

mode=${1:-build}
say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages per purpose. The core uses rustls, so no OpenSSL headers.
apt_build=(build-essential pkg-config curl ca-certificates)
apt_test=()

wanted=("${apt_build[@]}")
if [ "$mode" = test ]; then wanted+=(${apt_test[@]+"${apt_test[@]}"}); fi
need_apt=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    say "missing system packages: ${need_apt[*]}"
    say "install them with:  sudo apt-get install -y ${need_apt[*]}"
    exit 1
  fi
fi

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  say "Rust is not installed. Install it with:"
  say "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"
  say "then open a new shell (or run: source \"\$HOME/.cargo/env\") and try again."
  exit 1
fi

if [ "$mode" = test ] && ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest (one time, a few minutes)"
  cargo install cargo-nextest --locked --quiet || say "cargo-nextest failed to install; falling back to cargo test"
fi
exit 0
