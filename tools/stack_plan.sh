#!/bin/sh
# Stack starts a pytest run would make, without running it: pytest --setup-plan lists
# every fixture set-up; these fixtures each start a whole stack (tests/conftest.py).
# Usage: tools/stack_plan.sh [pytest args...]   (from the repository root)
.venv/bin/pytest --setup-plan -q -p no:cacheprovider "$@" 2>/dev/null \
  | grep -oE "SETUP +[SMCF] (system|production_system|fuzz_system|tight_system|reminders|replicated|mail_replicas|seeded_system)\b(\[[a-z]+\])?" \
  | sed -E 's/ +/ /g' | sort | uniq -c | sort -rn
