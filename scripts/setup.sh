#!/usr/bin/env bash
# Set up dirfa in this checkout: Debian packages (when missing) and a Python virtual environment in .venv.
# Usage: scripts/setup.sh [--test]   (--test also installs the test tools and the recorded test speech)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# espeak-ng spells words missing from the pronouncing dictionary; pocketsphinx-testdata holds real
# recorded English speech with transcripts that the tests and benchmarks use.
packages=()
command -v espeak-ng >/dev/null 2>&1 || packages+=(espeak-ng)
if [ "$with_tests" = 1 ] && [ ! -d /usr/share/pocketsphinx/test/data/librivox ]; then
    packages+=(pocketsphinx-testdata)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "setup: installing ${packages[*]} with apt-get" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        echo "setup: please install ${packages[*]} with your system's package manager" >&2
    fi
fi

# mediapipe 0.10.21 (the last release that bundles the Face Mesh model) has wheels for Python 3.9 to 3.12.
python=""
for candidate in python3.12 python3.11 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(not ((3, 9) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "setup: dirfa needs Python 3.9 to 3.12 (mediapipe 0.10.21 has no wheels for other versions)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
extras=""
[ "$with_tests" = 1 ] && extras="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --editable ".${extras}"
