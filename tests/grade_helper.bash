# grade_helper.bash - what the grader's tests share (grade*.bats,
# student.bats): a submission folder, grade run with a time limit or alone
# in a PID namespace, and copies of this tree with a lab's tests cut down.
# Load it after lab_helper.  It is the instructors' alone: the handout
# ships lab_helper.bash, not this file.
# shellcheck shell=bash
# shellcheck disable=SC2034 # SUB, GRADE_TOP, QUICK_FILTER_TESTS: read by the tests

# bats_run_of PID: prints the pid of PID's child that runs bats (grade's run
# of a lab's tests, in a session of its own); fails while there is none.
bats_run_of() {
	local child
	for child in $(pgrep -P "$1"); do
		if { tr '\0' ' ' <"/proc/$child/cmdline"; } 2>/dev/null | grep -q -- ' --tap '; then
			echo "$child"
			return 0
		fi
	done
	return 1
}

# signal_handling PID: how PID handles SIGHUP and SIGTERM, read from the
# masks of /proc/PID/status (in hex: SIGHUP is bit 0, SIGTERM bit 14).
signal_handling() {
	local ignored caught
	ignored=$((16#$(awk '$1 == "SigIgn:" { print $2 }' "/proc/$1/status")))
	caught=$((16#$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$1/status")))
	echo "hup ignored $((ignored & 1)), caught $((caught & 1)); term caught $((caught >> 14 & 1))"
}

# grade_setup: call from setup(); $SUB is an empty submission folder.
# Grading uses the scripts and tests of $GRADE_TOP: this tree, or the copy
# cut_down makes.
grade_setup() {
	SUB=$BATS_TEST_TMPDIR/submission
	mkdir -p "$SUB"
	GRADE_TOP=$TOP
}

# grade ARGS...: scripts/grade with a time limit; fd 3 closed for bats.
grade() { timeout 300 "$GRADE_TOP/scripts/grade" "$@" 3>&-; }

# submit_lab LAB: every source of LAB's reference, as a student who did the
# whole lab would submit it (a lab with no file submitted scores 0).
submit_lab() {
	mkdir -p "$SUB/labs/$1"
	cp "$TOP/labs/$1/"*.[ch] "$SUB/labs/$1/"
}

# grade_alone ARGS...: grade in a PID namespace of its own, so that what it
# leaves running can be counted: after grade, "LEFT: pid ppid stat command"
# for each live process of the namespace but the shell that waits and its
# own children (ps, awk).  The report on stdout, then "status N", grade's
# status.  grade's work tree goes to $SCRATCH (made here).
grade_alone() {
	SCRATCH=${SCRATCH:-$BATS_TEST_TMPDIR/scratch}
	mkdir -p "$SCRATCH"
	# shellcheck disable=SC2016 # for the inner bash
	TMPDIR=$SCRATCH timeout -k 5 300 unshare -p -f --mount-proc bash -c '
		"$@"
		echo "status $?"
		ps -e -o pid=,ppid=,stat=,args= |
			awk -v me=$$ '\''$1 != me && $2 != me && $3 !~ /^Z/ { print "LEFT: " $0 }'\''
	' _ "$GRADE_TOP/scripts/grade" "$@" 3>&-
}

# A lab's reference source, copied into the submission, perhaps changed.
submit() { # submit LAB FILE [SED-SCRIPT]
	mkdir -p "$SUB/labs/$1"
	sed -e "${3:-}" "$TOP/labs/$1/$2" >"$SUB/labs/$1/$2"
}

max_points() { grep -c 'test_tags=points:' "$GRADE_TOP/tests/$1.bats"; }

# cut_down LAB REGEX: from here on, grading uses a copy of this tree in
# which LAB keeps only the tests whose name matches REGEX (keep_tests).  For
# the tests of the grader's own work (matching files, reports, a class),
# which need a lab's few quick tests, not all of them: grading a whole lab
# takes half a minute or more, and such a test would grade it several times.
cut_down() {
	[ "$GRADE_TOP" != "$TOP" ] || GRADE_TOP=$(copy_tree)
	keep_tests "$GRADE_TOP/tests/$1.bats" "$2"
	[ "$(max_points "$1")" -gt 0 ] || fail "cut_down: no test of $1 matches '$2'"
}

# Two quick tests of msgtype-filter, for cut_down; a typed-recv that prints
# 'ret' for 'rcv_ret' fails the second.
QUICK_FILTER_TESTS='^typed-(send: TYPE:TEXT|recv: -t 0 )'

# copy_tree: prints the path of a copy of this tree (scripts, tests, labs,
# common) in the test's folder, for a test that grades with changed tests.
copy_tree() {
	local tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$TOP/scripts" "$TOP/tests" "$TOP/labs" "$TOP/common" "$tree/"
	echo "$tree"
}

# keep_tests FILE REGEX: only the tests of a bats file whose name matches
# REGEX (an extended regular expression) are left in it, with their points
# lines; everything outside the tests (load, setup, helpers) stays.
keep_tests() {
	awk -v keep="$2" '
		/^# bats test_tags=/ { held = $0; next }
		/^@test "/ {
			name = $0
			sub(/^@test "/, "", name)
			sub(/" \{$/, "", name)
			dropping = name !~ keep
			if (!dropping && held != "") print held
			held = ""
		}
		dropping { if ($0 == "}") dropping = 0; next }
		{ if (held != "") { print held; held = "" } print }
	' "$1" >"$1.kept" && mv "$1.kept" "$1"
}
