#!/usr/bin/env bats
# scripts/grade, grade-class and handout: grading a submission as an
# instructor does.  Each test grades one or two small labs, for speed; the
# tests always come from this tree.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup() {
	SUB=$BATS_TEST_TMPDIR/submission
	mkdir -p "$SUB"
}

# grade ARGS...: scripts/grade with a time limit; fd 3 closed for bats.
grade() { timeout 300 "$TOP/scripts/grade" "$@" 3>&-; }

# A lab's reference source, copied into the submission, perhaps changed.
submit() { # submit LAB FILE [SED-SCRIPT]
	mkdir -p "$SUB/labs/$1"
	sed -e "${3:-}" "$TOP/labs/$1/$2" >"$SUB/labs/$1/$2"
}

max_points() { grep -c 'test_tags=points:' "$TOP/tests/$1.bats"; }

@test "grade: the reference scores full marks, and exits 0" {
	run --separate-stderr grade msgtype-filter
	assert_success
	local max
	max=$(max_points msgtype-filter)
	assert_line "msgtype-filter: $max/$max"
	assert_line "Score: $max/$max"
	refute_line --partial ": FAIL"
	# Every test's name begins with its lab.
	run grep -c '^msgtype-filter: .*: OK$' <<<"$output"
	assert_output "$max"
}

@test "grade: a lab that does not compile scores 0, with the compiler's errors; the others are graded" {
	submit msgqueue-chat chat.c 's/^int main(/int main(int broken /'
	run --separate-stderr grade --submission "$SUB" msgqueue-chat msgtype-filter
	assert_failure 1
	local chat filter
	chat=$(max_points msgqueue-chat)
	filter=$(max_points msgtype-filter)
	assert_line "msgqueue-chat: 0/$chat"
	assert_line "msgtype-filter: $filter/$filter"
	assert_line "Score: $filter/$((chat + filter))"
	assert_line --partial "    msgqueue-chat does not compile; the compiler's first errors:"
	assert_line --regexp '^    .*chat\.c:[0-9]+:[0-9]+: error: '
}

@test "grade: loose .c files are matched to their lab; a failing test shows its reason" {
	# A typed-recv that prints 'ret' for 'rcv_ret': every receiving test fails.
	sed 's/rcv rcv_ret=/rcv ret=/' "$TOP/labs/msgtype-filter/typed-recv.c" >"$SUB/typed-recv.c"
	run --separate-stderr grade --submission "$SUB" msgtype-filter
	assert_failure 1
	[[ $stderr == *"msgtype-filter: typed-recv.c"* ]] || fail "the file taken is not named: $stderr"
	assert_line "msgtype-filter: typed-recv: -t 0 takes the first message, whatever its type: FAIL"
	assert_line --regexp '^    .*rcv ret=1, mtype=3, mtext=c'
	assert_line "msgtype-filter: typed-send: TYPE:TEXT arguments, the text may hold colons or be empty: OK"
	refute_line "Score: $(max_points msgtype-filter)/$(max_points msgtype-filter)"
}

@test "grade: the tests come from this tree, never from the submission" {
	submit msgtype-filter typed-recv.c 's/rcv rcv_ret=/rcv ret=/'
	# The submission's own tests, which would pass anything, are ignored.
	mkdir -p "$SUB/tests"
	printf '@test "anything" { true; }\n' >"$SUB/tests/msgtype-filter.bats"
	cp "$TOP/tests/lab_helper.bash" "$SUB/tests/"
	run --separate-stderr grade --submission "$SUB" msgtype-filter
	assert_failure 1
	assert_line --partial "typed-recv: -t 0 takes the first message, whatever its type: FAIL"
}

@test "grade: a program that never ends or forks without end is bounded and scores 0; the other lab is graded" {
	# typed-send forks for ever, typed-recv and queue-stat spin for ever.
	submit msgtype-filter typed-send.c 's/^    lab_init(usage_text);/    for (;;) (void)fork();/'
	submit msgtype-filter typed-recv.c 's/^    lab_init(usage_text);/    for (;;) {}/'
	submit msgtype-filter queue-stat.c 's/^    lab_init(usage_text);/    for (;;) {}/'
	SECONDS=0
	run --separate-stderr grade --lab-timeout 30 --jobs 2 --submission "$SUB" msgtype-filter msgqueue-chat
	assert_failure 1
	[ "$SECONDS" -lt 120 ] || fail "grading took $SECONDS s"
	local chat
	chat=$(max_points msgqueue-chat)
	# The other lab lost nothing (if it did, show what).
	grep -A12 '^msgqueue-chat: .*: FAIL$' <<<"$output" >&2 || true
	assert_line "msgqueue-chat: $chat/$chat"
	assert_line --regexp "^msgtype-filter: 0/$(max_points msgtype-filter)$"
	# Nothing of it is left running (as root, programs run as graders' users).
	run bash -c "ps -eo user:32= | grep -c '^ipc-lab-grader'"
	assert_output 0
}

@test "grade: the gradescope report has what Gradescope reads" {
	submit msgtype-filter typed-recv.c 's/rcv rcv_ret=/rcv ret=/'
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

@test "grade: a test without points, or two tests with one name, is refused" {
	local tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$TOP/scripts" "$TOP/tests" "$TOP/labs" "$TOP/common" "$tree/"
	# The first test of the file loses its points.
	sed -i '0,/^# bats test_tags=points:1$/{/^# bats test_tags=points:1$/d}' "$tree/tests/msgtype-filter.bats"
	run --separate-stderr "$tree/scripts/grade" msgtype-filter
	assert_failure 2
	[[ $stderr == *"has no '# bats test_tags=points:N' line above it"* ]] || fail "$stderr"
	cp "$TOP/tests/msgtype-filter.bats" "$tree/tests/"
	printf '\n# bats test_tags=points:1\n@test "queue-stat -r: prints, then removes the queue" { true; }\n' \
		>>"$tree/tests/msgtype-filter.bats"
	run --separate-stderr "$tree/scripts/grade" msgtype-filter
	assert_failure 2
	[[ $stderr == *"two tests named 'queue-stat -r: prints, then removes the queue'"* ]] || fail "$stderr"
}

@test "grade: usage errors exit 2" {
	run --separate-stderr grade --format nope
	assert_failure 2
	run --separate-stderr grade no-such-lab
	assert_failure 2
	run --separate-stderr grade --submission "$BATS_TEST_TMPDIR/missing"
	assert_failure 2
	run --separate-stderr grade -h
	assert_success
	assert_line --partial "usage: scripts/grade"
}

@test "handout: lessons become TODO stubs that compile, and grading them scores low, quickly" {
	local out=$BATS_TEST_TMPDIR/handout
	run "$TOP/scripts/handout" --out "$out"
	assert_success
	run grep -rl '/\* lesson: ' "$out/labs"
	assert_failure
	run grep -c 'todo("' "$out/labs/msgqueue-chat/chat.c"
	assert_output 3
	# The stubs compile, and say what is missing.
	make -s -C "$out/labs/msgtype-filter" >/dev/null 2>&1
	run --separate-stderr "$out/labs/msgtype-filter/typed-send" -k 0x5eed0001 1:x
	assert_failure 1
	assert_equal "$stderr" "typed-send: not written yet: msgget, then send the arguments or the input lines"
	SECONDS=0
	run --separate-stderr grade --submission "$out" msgtype-filter msgqueue-chat
	assert_failure 1
	[ "$SECONDS" -lt 120 ] || fail "grading the handout took $SECONDS s"
	local got max
	got=$(sed -n 's|^Score: \([0-9]*\)/\([0-9]*\)$|\1|p' <<<"$output")
	max=$(sed -n 's|^Score: \([0-9]*\)/\([0-9]*\)$|\2|p' <<<"$output")
	[ -n "$got" ] && [ "$((got * 3))" -lt "$max" ] || fail "the handout scores $got/$max"
}

@test "handout --check: an unpaired marker is refused" {
	local tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$TOP/scripts" "$TOP/labs" "$TOP/common" "$tree/"
	sed -i '0,/\/\* end of lesson \*\//{/\/\* end of lesson \*\//d}' "$tree/labs/msgtype-filter/queue-stat.c"
	run --separate-stderr "$tree/scripts/handout" --check
	assert_failure 1
	[[ $stderr == *"queue-stat.c:"*"'lesson:' without an 'end of lesson' line"* ]] || fail "$stderr"
}

@test "grade-class: one report per submission and one CSV of every student's per-lab score" {
	local class=$BATS_TEST_TMPDIR/class
	mkdir -p "$class/alice" "$class/bob"
	cp "$TOP/labs/msgtype-filter/typed-recv.c" "$class/alice/"
	sed 's/rcv rcv_ret=/rcv ret=/' "$TOP/labs/msgtype-filter/typed-recv.c" >"$class/bob/typed-recv.c"
	run timeout 300 "$TOP/scripts/grade-class" --jobs 2 --format junit --out "$BATS_TEST_TMPDIR/grades" "$class" msgtype-filter 3>&-
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
