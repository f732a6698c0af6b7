#!/usr/bin/env bash
# Run the date-sensitive tests (pytest -m dates, SQLite) with the system clock set to instants that once broke
# the suite: holidays, the two clock changes of Europe/Berlin, a new year that began in Berlin but not yet in UTC,
# a leap day. libfaketime (Debian's faketime package) sets the clock for pytest alone; the clock then runs on
# from the instant. Prints each instant's result and fails if any failed.
#
#   scripts/faketime-suite.sh [PYTEST ARGS...]      e.g. scripts/faketime-suite.sh tests/web -x
#   FAKETIME_INSTANTS="2027-05-08T10:00Z ..." scripts/faketime-suite.sh     other instants (UTC)
# Each instant's pytest output is kept in a folder named at the end when an instant failed.
set -uo pipefail  # not -e: every instant runs, whatever the one before did
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
INSTANTS=${FAKETIME_INSTANTS:-"2026-12-24T09:00Z 2027-03-26T09:00Z 2027-03-28T00:30Z 2027-10-31T00:30Z 2027-12-31T23:30Z 2028-02-29T12:00Z"}

if ! command -v faketime >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "faketime-suite: faketime is not installed and we are not root to install it" >&2
        exit 2
    fi
    echo "faketime-suite: installing libfaketime from Debian's package faketime"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends faketime >/dev/null \
        || { echo "faketime-suite: could not install faketime" >&2; exit 2; }
fi
[ -x "$PYTHON" ] || { echo "faketime-suite: no $PYTHON (make install)" >&2; exit 2; }

log_dir=$(mktemp -d /tmp/roombook-faketime.XXXXXX)
summary=""
failed=0
total_passed=0
total_failed=0
started=$(date +%s)
for instant in $INSTANTS; do
    epoch=$(date -u -d "$instant" +%s) || exit 2
    log="$log_dir/$instant.log"
    begun=$(date +%s)
    # ROOMBOOK_FAKETIME_INSTANT lets the first test check that the clock inside the run really is the instant
    TZ=UTC ROOMBOOK_FAKETIME_INSTANT="$instant" faketime "@$epoch" \
        "$PYTHON" -m pytest -m dates -n 2 -p no:cacheprovider -q "$@" >"$log" 2>&1
    status=$?
    seconds=$(( $(date +%s) - begun ))
    outcome=$(tail -n 1 "$log" | sed 's/^=* *//; s/ *=*$//')
    if [ "$status" -eq 0 ]; then
        result="passed"
    else
        result="FAILED (exit $status)"
        failed=1
        echo "---- $instant: the failures ----"
        grep -E '^(FAILED|ERROR) ' "$log" || tail -n 40 "$log"
    fi
    passed_here=$(printf '%s\n' "$outcome" | grep -oE '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')
    failed_here=$(printf '%s\n' "$outcome" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
    total_passed=$(( total_passed + ${passed_here:-0} ))
    total_failed=$(( total_failed + ${failed_here:-0} + (status != 0 && ${failed_here:-0} == 0 ? 1 : 0) ))
    line=$(printf '%-19s %-16s %4ss  %s' "$instant" "$result" "$seconds" "$outcome")
    echo "$line"
    summary="$summary$line
"
done
echo "---- faketime-suite: $(( $(date +%s) - started ))s for all instants ----"
printf '%s' "$summary"
if [ "$failed" -ne 0 ]; then
    echo "faketime-suite: pytest's output of each instant is in $log_dir"
else
    rm -rf "$log_dir"
fi
# the closing line a CI reader counts: every instant's tests together
echo "faketime: $total_passed passed, $total_failed failed"
exit $failed
