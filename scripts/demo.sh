#!/usr/bin/env bash
# Set up dirfa and render the demo: examples/portrait.jpg speaking examples/speech.wav -> demo.mp4
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/dirfa animate examples/portrait.jpg examples/speech.wav --transcript examples/speech.txt -o demo.mp4
echo "wrote $(pwd)/demo.mp4" >&2
echo "next: .venv/bin/dirfa serve, then open http://127.0.0.1:8000/ (videos and live talk in the browser)" >&2
