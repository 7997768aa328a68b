#!/usr/bin/env bats
# The Gradescope zip's run_autograder (scripts/gradescope-run), on a fake
# /autograder whose scripts/grade is a stand-in: what it does with grade's
# exit status (3: no sandbox here) and with results.json.  The zip itself,
# setup.sh included, is tried in a fresh Debian root by scripts/gradescope-proof
# (it downloads packages: not part of make test).

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

# A fake /autograder: source/run_autograder, and a source/scripts/grade that
# notes its arguments in calls.  STUB: its body, run after the note.
fake_autograder() { # fake_autograder STUB
	AUTOGRADER=$BATS_TEST_TMPDIR/autograder
	export AUTOGRADER
	mkdir -p "$AUTOGRADER/source/scripts" "$AUTOGRADER/submission"
	cp "$TOP/scripts/gradescope-run" "$AUTOGRADER/run_autograder"
	{
		cat <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$AUTOGRADER/calls"
out=; prev=; for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
STUB
		echo "$1"
	} >"$AUTOGRADER/source/scripts/grade"
	chmod +x "$AUTOGRADER/source/scripts/grade"
}

# results.json as Gradescope reads it: FIELD=VALUE of the top level, in order.
results_fields() {
	python3 - "$AUTOGRADER/results/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for key in ("score", "execution_time"):
    print(f"{key}={r[key]}")
print(f"tests={len(r['tests'])}")
print(f"output={r.get('output', '(none)')!r}")
EOF
}

# graded_unsafe_with_output TEXT: run_autograder with a grade that finds no
# sandbox (exit 3), then under --unsafe writes results whose output is
# TEXT; it must succeed, and results_fields is run on what it left.
graded_unsafe_with_output() {
	fake_autograder "if [[ \" \$* \" = *' --unsafe '* ]]; then
	echo '{\"score\": 0, \"execution_time\": 1, \"tests\": [], \"output\": \"$1\"}' >\"\$out\"; exit 1
fi; exit 3"
	run "$AUTOGRADER/run_autograder"
	assert_success
	run results_fields
}

RESULTS='{"score": 3, "execution_time": 7, "tests": [{"name": "mmap-anon: t", "score": 3, "max_score": 4, "status": "failed", "output": "why"}]}'

@test "run_autograder: grade finds no sandbox (exit 3): graded again with --unsafe, and results.json says so" {
	fake_autograder "if [[ \" \$* \" = *' --unsafe '* ]]; then echo '$RESULTS' >\"\$out\"; exit 1; fi
echo 'grade: the sandbox is unavailable here (bubblewrap: no user namespaces)' >&2; exit 3"
	run "$AUTOGRADER/run_autograder" mmap-anon
	assert_success
	assert_line "run_autograder: grade's sandbox cannot run here: grading again with --unsafe"
	run cat "$AUTOGRADER/calls"
	assert_output "--submission $AUTOGRADER/submission --jobs 2 --format gradescope --out $AUTOGRADER/results/results.json mmap-anon
--submission $AUTOGRADER/submission --jobs 2 --format gradescope --out $AUTOGRADER/results/results.json --unsafe mmap-anon"
	run results_fields
	assert_success
	assert_output "score=3
execution_time=7
tests=1
output='Graded without the sandbox: bubblewrap cannot run in this container (no user namespaces), so the programs ran with grade --unsafe.'"
}

@test "run_autograder: grade's own word on the sandbox is kept, and any other output follows the note" {
	graded_unsafe_with_output 'Ran without the SANDBOX.'
	assert_line "output='Ran without the SANDBOX.'"

	graded_unsafe_with_output 'mmap-anon: not submitted'
	assert_line "output='Graded without the sandbox: bubblewrap cannot run in this container (no user namespaces), so the programs ran with grade --unsafe.\n\nmmap-anon: not submitted'"
}

@test "run_autograder: with the sandbox, one run, results.json as grade wrote it, exit 0 short of full marks" {
	fake_autograder "echo '$RESULTS' >\"\$out\"; exit 1"
	run "$AUTOGRADER/run_autograder"
	assert_success
	refute_output --partial unsafe
	run cat "$AUTOGRADER/calls"
	assert_output "--submission $AUTOGRADER/submission --jobs 2 --format gradescope --out $AUTOGRADER/results/results.json"
	run results_fields
	assert_line "score=3"
	assert_line "output='(none)'"
}

@test "run_autograder: grade writes no results: exit 1, and an old results.json is not left standing" {
	fake_autograder "echo 'grade: tests/mmap-anon.bats:3: no points' >&2; exit 2"
	mkdir -p "$AUTOGRADER/results"
	echo "$RESULTS" >"$AUTOGRADER/results/results.json"
	run --separate-stderr "$AUTOGRADER/run_autograder"
	assert_failure 1
	assert_equal "$stderr" "grade: tests/mmap-anon.bats:3: no points
run_autograder: scripts/grade wrote no results (exit status 2)"
	[ ! -e "$AUTOGRADER/results/results.json" ] || fail "results.json still there: $(cat "$AUTOGRADER/results/results.json")"

	# --unsafe run, but its results cannot be read: they must not stand
	# without the note.
	fake_autograder "if [[ \" \$* \" = *' --unsafe '* ]]; then echo 'not json' >\"\$out\"; exit 1; fi; exit 3"
	run --separate-stderr "$AUTOGRADER/run_autograder"
	assert_failure 1
	assert_line --index 0 "run_autograder: grade's sandbox cannot run here: grading again with --unsafe"
	[ ! -e "$AUTOGRADER/results/results.json" ] || fail "results.json without the note: $(cat "$AUTOGRADER/results/results.json")"
}

@test "run_autograder -h: usage on stdout, exit 0; an unknown option: exit 2" {
	run "$TOP/scripts/gradescope-run" -h
	assert_success
	assert_line --index 0 --partial "usage: run_autograder [LAB ...]"
	run "$TOP/scripts/gradescope-setup" -h
	assert_success
	assert_line --index 0 --partial "usage: setup.sh"
	run --separate-stderr "$TOP/scripts/gradescope-run" --bogus
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "run_autograder: unknown option --bogus"
}
