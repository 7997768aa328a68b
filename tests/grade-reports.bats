#!/usr/bin/env bats
# The graders' formats (Gradescope, JUnit, Autolab, JSON, TAP), the
# students' handout, and a whole class into one CSV.  Scoring itself is in
# grade.bats.  Each checks the grader's own work, so grades a few quick
# tests of a lab (cut_down), except the handout's, whose stubs must fail
# every test of their labs at once.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load grade_helper

setup() { grade_setup; }

@test "grade: the gradescope report has what Gradescope reads" {
	submit msgtype-filter typed-recv.c 's/rcv rcv_ret=/rcv ret=/'
	cut_down msgtype-filter '^typed-(send: TYPE:TEXT|recv: -t 0 |recv: -t N )'
	run grade --submission "$SUB" --format gradescope --out "$BATS_TEST_TMPDIR/results.json" msgtype-filter
	assert_failure 1
	run python3 - "$BATS_TEST_TMPDIR/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r["score"], (int, float)) and isinstance(r["execution_time"], (int, float))
assert r["tests"], "no tests"
for number, t in enumerate(r["tests"], 1):
    assert t["name"].startswith("msgtype-filter: "), t["name"]
    assert t["number"] == str(number)
    assert t["status"] in ("passed", "failed")
    assert 0 <= t["score"] <= t["max_score"]
    assert (t["status"] == "failed") == ("output" in t)
assert r["score"] == sum(t["score"] for t in r["tests"])
failed = [t for t in r["tests"] if t["status"] == "failed"]
assert failed and all(t["output"] for t in failed)
print(len(r["tests"]), len(failed))
EOF
	assert_success
	[[ $output =~ ^[0-9]+\ [1-9][0-9]*$ ]] || fail "$output"
}

@test "grade: the junit report parses, one testsuite per lab, failures with messages" {
	submit msgqueue-chat chat.c 's/^int main(/int main(int broken /'
	submit_lab msgtype-filter
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	run grade --submission "$SUB" --format junit --out "$BATS_TEST_TMPDIR/junit.xml" msgqueue-chat msgtype-filter
	assert_failure 1
	run python3 - "$BATS_TEST_TMPDIR/junit.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites"
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert sorted(suites) == ["msgqueue-chat", "msgtype-filter"], sorted(suites)
for name, suite in suites.items():
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failures)
    for case in cases:
        assert case.get("name").startswith(name + ": ") and case.get("classname") == name
    for case in failures:
        assert case.find("failure").get("message")
print(suites["msgqueue-chat"].get("failures") == suites["msgqueue-chat"].get("tests"),
      suites["msgtype-filter"].get("failures"))
EOF
	assert_success
	assert_output "True 0"
}

@test "grade: autolab's scores line comes last; json and tap for scripts" {
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	run --separate-stderr grade --format autolab msgtype-filter
	assert_success
	local max
	max=$(max_points msgtype-filter)
	assert_equal "${lines[-1]}" "{\"scores\": {\"msgtype-filter\": $max}}"
	grade --format json --out "$BATS_TEST_TMPDIR/r.json" msgtype-filter
	run python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["score"], r["max_score"])' "$BATS_TEST_TMPDIR/r.json"
	assert_output "$max $max"
	# The saved json renders as tap without running anything again.
	run grade --from-json "$BATS_TEST_TMPDIR/r.json" --format tap
	assert_success
	assert_line -n 0 "1..$max"
	assert_line --regexp '^ok 1 msgtype-filter: .* # points 1/1$'
}

@test "handout: lessons become TODO stubs that compile, and grading them scores low, quickly" {
	local out=$BATS_TEST_TMPDIR/handout
	run "$TOP/scripts/handout" --out "$out"
	assert_success
	run grep -rl '/\* lesson: ' "$out/labs"
	assert_failure
	run grep -c 'todo("' "$out/labs/msgqueue-chat/chat.c"
	assert_output 3
	# The stubs compile, without a warning, and say what is missing.
	local lab
	progress "handout: building every lab's stubs with -Werror"
	for lab in "$out"/labs/*/; do
		run make -s -C "$lab" CFLAGS=-Werror
		assert_success
		assert_output ""
	done
	run --separate-stderr "$out/labs/msgtype-filter/typed-send" -k 0x5eed0001 1:x
	assert_failure 1
	assert_equal "$stderr" "typed-send: not written yet: msgget, then send the arguments or the input lines"
	progress "handout: grading the stubs of msgtype-filter and msgqueue-chat, two labs at once" \
		"(every test runs, and must fail at once): 30 s on 2 quiet cores, minutes on a loaded machine"
	run --separate-stderr grade --jobs 2 --submission "$out" msgtype-filter msgqueue-chat
	assert_failure 1
	# Quickly: each stub fails at once, so no test waits for a time limit
	# (a program stopped by timeout, a wait given up, the lab's own limit).
	# Said this way and not in seconds, which depend on the machine's load.
	refute_output --partial "status : 124"
	refute_output --partial "gave up waiting"
	refute_output --partial "(time limit)"
	local got max
	got=$(sed -n 's|^Score: \([0-9]*\)/\([0-9]*\)$|\1|p' <<<"$output")
	max=$(sed -n 's|^Score: \([0-9]*\)/\([0-9]*\)$|\2|p' <<<"$output")
	[ -n "$got" ] && [ "$((got * 3))" -lt "$max" ] || fail "the handout scores $got/$max"
}

@test "handout --check: an unpaired marker is refused" {
	local tree
	tree=$(copy_tree)
	sed -i '0,/\/\* end of lesson \*\//{/\/\* end of lesson \*\//d}' "$tree/labs/msgtype-filter/queue-stat.c"
	run --separate-stderr "$tree/scripts/handout" --check
	assert_failure 1
	[[ $stderr == *"queue-stat.c:"*"'lesson:' without an 'end of lesson' line"* ]] || fail "$stderr"
}

@test "grade-class: one report per submission and one CSV of every student's per-lab score" {
	local class=$BATS_TEST_TMPDIR/class
	mkdir -p "$class/alice" "$class/bob"
	cp "$TOP/labs/msgtype-filter/"*.c "$class/alice/"
	cp "$TOP/labs/msgtype-filter/"*.c "$class/bob/"
	sed 's/rcv rcv_ret=/rcv ret=/' "$TOP/labs/msgtype-filter/typed-recv.c" >"$class/bob/typed-recv.c"
	cut_down msgtype-filter "$QUICK_FILTER_TESTS"
	run timeout 300 "$GRADE_TOP/scripts/grade-class" --jobs 2 --format junit --out "$BATS_TEST_TMPDIR/grades" "$class" msgtype-filter 3>&-
	assert_success
	local max
	max=$(max_points msgtype-filter)
	run cat "$BATS_TEST_TMPDIR/grades/scores.csv"
	assert_line -n 0 "student,msgtype-filter,total,max"
	assert_line -n 1 "alice,$max,$max,$max"
	assert_line -n 2 --regexp "^bob,([0-9]+),\\1,$max$"
	refute_line -n 2 "bob,$max,$max,$max"
	[ -f "$BATS_TEST_TMPDIR/grades/alice.json" ] && [ -f "$BATS_TEST_TMPDIR/grades/bob.junit.xml" ]
}

@test "grade-class: a grading that fails leaves its student without scores, never an earlier run's; an unknown lab is refused at once" {
	local class=$BATS_TEST_TMPDIR/class out=$BATS_TEST_TMPDIR/grades tree
	mkdir -p "$class/alice" "$out"
	# An earlier run's report, at full marks.
	echo '{"score": 9, "max_score": 9, "labs": [{"lab": "msgtype-filter", "score": 9}]}' >"$out/alice.json"
	# A grade that is killed before it writes a report (as the OOM killer would).
	tree=$(copy_tree)
	printf '#!/bin/sh\nkill -KILL $$\n' >"$tree/scripts/grade"
	run --separate-stderr timeout 60 "$tree/scripts/grade-class" --out "$out" "$class" msgtype-filter 3>&-
	assert_failure 1
	[[ $stderr == *"grade-class: alice: grading failed (no report)"* ]] || fail "$stderr"
	assert_equal "$(cat "$out/scores.csv")" $'student,total,max\nalice,,'
	[ ! -e "$out/alice.json" ] || fail "the earlier run's report is still there"
	# A lab name that is not a lab: refused before any grading, nothing written.
	rm -r "$out"
	run --separate-stderr timeout 60 "$TOP/scripts/grade-class" --out "$out" "$class" msgtype-filtre 3>&-
	assert_failure 2
	[[ $stderr == *"no such lab: msgtype-filtre"* ]] || fail "$stderr"
	[ ! -e "$out" ] || fail "grade-class wrote: $(ls -A "$out")"
}

# class_grading_started: the grade-class in BG[class] (under timeout) has
# two grade processes, each in its bats run (a child in a session of its
# own); their pids in grade_pids and bats_pids.
class_grading_started() {
	local class_pid grade_pid bats_pid
	class_pid=$(program_pid class) || return 1
	grade_pids=() bats_pids=()
	for grade_pid in $(pgrep -P "$class_pid"); do
		grade_pids+=("$grade_pid")
		bats_pid=$(bats_run_of "$grade_pid") && bats_pids+=("$bats_pid")
	done
	[ "${#bats_pids[@]}" -eq 2 ]
}

# start_grade_class DIR [ENV-OPTIONS]: grade two students' msgtype-filter
# in the background (BG[class], under timeout), two at once, work trees
# under DIR; then wait until both bats runs have started.  The lab is
# graded whole, so that its runs last while the test looks at them.
start_grade_class() {
	mkdir -p "$BATS_TEST_TMPDIR/class/alice" "$BATS_TEST_TMPDIR/class/bob" "$1"
	cp "$TOP/labs/msgtype-filter/"*.c "$BATS_TEST_TMPDIR/class/alice/"
	cp "$TOP/labs/msgtype-filter/"*.c "$BATS_TEST_TMPDIR/class/bob/"
	TMPDIR=$1 timeout 300 env "${@:2}" "$GRADE_TOP/scripts/grade-class" --jobs 2 \
		--out "$1/grades" "$BATS_TEST_TMPDIR/class" msgtype-filter \
		>"$BATS_TEST_TMPDIR/class.out" 2>"$BATS_TEST_TMPDIR/class.err" 3>&- &
	# shellcheck disable=SC2034 # read by lab_helper: program_pid, wait_for, wait_bg
	BG[class]=$!
	# Two builds first: seconds on a loaded machine; the limit is grade's own
	# (wait_for fails at once if grade-class ends).
	WAIT_TIMEOUT=300 wait_for class "the students' bats runs" class_grading_started
}

@test "grade-class: SIGINT, SIGTERM or SIGHUP reaches the grade processes going on, and grade-class dies of it once they have cleaned up" {
	local sig grade_pids bats_pids pid
	for sig in INT TERM HUP; do
		# A background job of bats has SIGINT ignored: give grade-class the default.
		start_grade_class "$BATS_TEST_TMPDIR/$sig" --default-signal=INT
		# To grade-class alone: timeout would pass it on to its whole process
		# group, the grade processes with it.
		kill -"$sig" "$(program_pid class)"
		wait_bg class
		[ "$status" = $((128 + $(kill -l "$sig"))) ] ||
			fail "SIG$sig: grade-class's status $status; its last words: $(tail -n 5 "$BATS_TEST_TMPDIR/class.err")"
		# The grade processes are gone, and so is everything of their runs:
		# the bats sessions are empty, and only the reports' folder is left.
		for pid in "${grade_pids[@]}" "${bats_pids[@]}"; do
			assert_equal "$(ps -s "$pid" -o pid=,args=; ps -p "$pid" -o pid=,args=)" ""
		done
		assert_equal "$(ls -A "$BATS_TEST_TMPDIR/$sig")" "grades"
	done
}

@test "grade-class: a signal ignored when it starts (nohup) stays ignored, in the grade processes too" {
	local grade_pids bats_pids pid masks=()
	start_grade_class "$BATS_TEST_TMPDIR/work" --ignore-signal=HUP
	for pid in "$(program_pid class)" "${grade_pids[@]}"; do
		masks+=("$(signal_handling "$pid")")
	done
	kill -TERM "$(program_pid class)"
	wait_bg class
	assert_equal "$status" 143
	local expected="hup ignored 1, caught 0; term caught 1"
	assert_equal "${masks[*]}" "$expected $expected $expected"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/work")" "grades"
}
