#!/usr/bin/env bash
# Install humanoid_twin with every extra and test dependency, then lint, type-check and run the suite.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e '.[all,test]'
# ROS 2 traffic stays on this machine (tests also pick their own ROS_DOMAIN_ID).
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
echo "== ruff"; python -m ruff check .
echo "== mypy"; python -m mypy
echo "== pytest"; python -m pytest "$@"
