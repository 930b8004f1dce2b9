#!/usr/bin/env bash
# Set up the project and run one of its jobs. Idempotent: a second run only does what changed.
#   ./dev.sh demo   set up, then run the simulated gate (kiosk demo)
#   ./dev.sh test   set up, then run the test suite
#   ./dev.sh bench  set up, then run the benchmarks (JSON under bench/results/)
#   ./dev.sh setup  set up only
# Set-up: checks Python >= 3.11, installs missing Debian packages (as root with apt-get; otherwise
# prints the exact apt-get line and stops), creates .venv/ and installs the project into it.
set -euo pipefail
cd "$(dirname "$0")"

# mosquitto: the MQTT broker the sharing tests publish to; chromium + chromium-driver: the browser tests of the screens
DEBIAN_PACKAGES=(libzbar0 mosquitto chromium chromium-driver)
PYTHON="${PYTHON:-python3}"

fail() { echo "dev.sh: $*" >&2; exit 1; }

check_python() {
    command -v "$PYTHON" >/dev/null || fail "no '$PYTHON' on PATH (expected Python 3.11 or newer; on Debian: apt-get install python3)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || fail "$("$PYTHON" --version 2>&1) is too old (expected Python 3.11 or newer)"
}

missing_debian_packages() {
    local pkgs=("${DEBIAN_PACKAGES[@]}")
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || pkgs+=("python3-venv")
    command -v dpkg-query >/dev/null || return 0
    for pkg in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

install_debian_packages() {
    local missing
    missing=$(missing_debian_packages | tr '\n' ' ')
    [ -z "${missing// }" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "dev.sh: installing Debian packages: $missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing
    else
        fail "missing Debian packages; run: sudo apt-get install -y $missing   then run this command again"
    fi
}

install_venv() {
    local stamp=.venv/.installed
    local want
    want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/kiosk ]; then
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[test]"
        echo "$want" > "$stamp"
    fi
}

setup() {
    check_python
    install_debian_packages
    install_venv
}

case "${1:-}" in
    demo)  setup; shift
           # The face models are never committed: use the development copy beside the project when there is one.
           if [ -z "${KIOSK_MODELS_DIR:-}" ] && [ -d ../shared/models ]; then export KIOSK_MODELS_DIR="$(cd ../shared/models && pwd)"; fi
           exec .venv/bin/kiosk demo "$@" ;;
    test)  setup; shift; exec .venv/bin/python -m pytest "$@" ;;
    bench) setup; shift; exec .venv/bin/python -m bench "$@" ;;
    setup) setup ;;
    *) fail "unknown job '${1:-}' (expected one of: demo, test, bench, setup)" ;;
esac
