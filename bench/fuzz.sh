#!/bin/sh
# The long fuzz run (`make fuzz`): the property tests of tests/ with the
# "long" hypothesis profile, 10,000 examples per property and no deadline,
# with hypothesis statistics so the count each property ran is visible.
# Several minutes; not part of `make test`.
set -e
cd "$(dirname "$0")/.."
HYPOTHESIS_PROFILE=long exec .venv/bin/pytest -q --hypothesis-show-statistics -p no:randomly \
    tests/test_fuzz_input.py tests/test_properties.py "$@"
