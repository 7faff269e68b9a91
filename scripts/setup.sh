#!/usr/bin/env bash
# Set up dirfa in this checkout: Debian packages (when missing) and a Python virtual environment in .venv.
# Usage: scripts/setup.sh [--test]   (--test also installs the test tools and the recorded test speech)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# The voices of `dirfa say` (Debian packages, nothing downloaded at run time): festival with the HTS voice
# cmu_us_slt (the most natural offline English voice) and the male diphone voice kal, flite, and espeak-ng
# (every other language; its library reports phoneme timings, and it spells words the pronouncing
# dictionary lacks). For the tests also: pocketsphinx-testdata (real recorded English speech with
# transcripts), sox (degrades and converts test audio), chromium (the web page in a real browser,
# driven by playwright with executable_path: no browser is ever downloaded), and a private X server with
# its window lister and key sender (xvfb, x11-utils, xdotool: `dirfa live`'s window on a real display), and
# festival's voices in other languages (recorded diphones and units: Russian, Italian, Finnish, Hindi, Marathi,
# Telugu, Catalan), the real-voice "not English" speech of the language check's tests and benchmark.
want=(espeak-ng libespeak-ng1 festival festvox-us-slt-hts festvox-kallpc16k flite)
if [ "$with_tests" = 1 ]; then
    want+=(pocketsphinx-testdata sox chromium xvfb x11-utils xdotool
        festvox-ru festvox-italp16k festvox-itapc16k festvox-hi-nsk festvox-mr-nsk festvox-te-nsk
        festvox-ca-ona-hts festvox-suopuhe-lj festvox-suopuhe-mv)
fi
packages=()
for package in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || packages+=("$package")
done
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
# Everything: the service (`dirfa serve`) and Ray (`dirfa batch`) too; the tests need all of it.
extras="[all]"
[ "$with_tests" = 1 ] && extras="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --editable ".${extras}"
