#!/usr/bin/env bash
# One entry point for newcomers and CI:
#   bash scripts/dev.sh test   installs what is missing, then runs the whole test suite
#   bash scripts/dev.sh demo   installs what is missing, then runs the demo
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(etcd-server etcd-client redis-server redis-sentinel prometheus prometheus-alertmanager)

install_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "etcd-responder needs these Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start their services; the project runs its own instances on ports of its choosing.
  for service in redis-server redis-sentinel etcd prometheus prometheus-alertmanager; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl stop "$service" || true
    fi
  done
}

# The project runs on the pinned Node.js LTS in .tools/node (scripts/install-node.mjs), whatever Node.js >= 20
# the machine has: npm, the build, the tests, the benchmarks and the demo all run on it.
use_pinned_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "etcd-responder needs Node.js >= 20 and npm to set itself up; install them (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
  fi
  local bin
  bin=$(node scripts/install-node.mjs)
  export PATH="$bin:$PATH"
}

install_node_packages() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
  fi
  node scripts/install-tools.mjs >/dev/null
  npm run --silent build
}

case "${1:-}" in
  test)
    install_debian_packages
    use_pinned_node
    install_node_packages
    npm run --silent audit-gate
    npm run lint
    npm test
    ;;
  demo)
    install_debian_packages
    use_pinned_node
    install_node_packages
    exec npm run --silent demo -- --dir "${DEMO_DIR:-.sandbox-demo}"
    ;;
  setup)
    install_debian_packages
    use_pinned_node
    install_node_packages
    ;;
  *)
    echo "usage: bash scripts/dev.sh test|demo|setup" >&2
    exit 2
    ;;
esac
