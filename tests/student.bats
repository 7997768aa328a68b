#!/usr/bin/env bats
# The student's path: the handout is a students' tree (no grader, no
# instructors' page, no grader's or fault tests, a README for students, no
# lesson's answer in the docs); make test runs the labs' tests only, in any
# tree; a failing test shows the command that ran and its stderr.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load grade_helper

setup() {
	OUT=$BATS_TEST_TMPDIR/handout
}

# lab_test_files DIR: the names of the labs' test files a tree DIR should
# have, one a line: tests/LAB.bats for each labs/LAB with a Makefile.
lab_test_files() {
	local makefile lab
	for makefile in "$1"/labs/*/Makefile; do
		lab=$(basename "$(dirname "$makefile")")
		[ -f "$1/tests/$lab.bats" ] && echo "tests/$lab.bats"
	done
}

# lab_test_shims TOP: the shims the labs' tests of the tree TOP build
# (build_shim NAME), as tests/shims/NAME.c, one a line.
lab_test_shims() {
	local file
	lab_test_files "$1" | while read -r file; do
		sed -n 's|.*build_shim \([A-Za-z0-9_.-]*\).*|tests/shims/\1.c|p' "$1/$file"
	done | sort -u
}

# copy_whole_tree: prints the path of a copy of this tree with its docs and
# Makefile (copy_tree has neither), not a git checkout.
copy_whole_tree() {
	local tree=$BATS_TEST_TMPDIR/whole
	mkdir -p "$tree"
	cp -r "$TOP/scripts" "$TOP/tests" "$TOP/labs" "$TOP/common" "$TOP/docs" "$TOP/Makefile" "$tree/"
	make -s -C "$tree" clean >/dev/null
	echo "$tree"
}

# bats test_tags=points:1
@test "handout: a students' tree, with no grader, no instructors' page, no grader's or fault tests" {
	run --separate-stderr "$TOP/scripts/handout" --out "$OUT"
	assert_success
	local file
	for file in scripts/grade scripts/grade-class scripts/gradescope-zip scripts/handout \
		docs/instructors.md docs/handout-README.md tests/faults-signals.bats tests/faults_helper.bash \
		tests/fuzz .ci/run tests/grade_helper.bash tests/shims/faults.c; do
		[ ! -e "$OUT/$file" ] || fail "the handout holds $file"
	done
	# Its tests are the labs', their helper, the shims they build and the
	# articles' programs they compile, nothing else.
	assert_equal "$(cd "$OUT" && find tests -type f | sort)" \
		"$( (printf '%s\n' tests/lab_helper.bash tests/shims/shim.h; lab_test_files "$TOP"; lab_test_shims "$TOP"
			cd "$TOP" && find tests/articles -type f) | sort)"
	# What make test and make demo need is there.
	for file in scripts/run-tests scripts/bootstrap scripts/demo Makefile common/lab.mk; do
		[ -f "$OUT/$file" ] || fail "the handout lacks $file"
	done
	# Every lab's page is there, and the overview.
	run ls "$OUT/docs"
	assert_line README.md
	assert_line msgtype-filter.md
	refute_line instructors.md
	# The README is the students': start here, the TODOs, one lab's tests.
	cmp "$TOP/docs/handout-README.md" "$OUT/README.md" || fail "README.md is not the students' README"
	local line
	for line in "## Start here" "grep -rn 'TODO:' labs/ " "make -C labs/msgtype-filter test " \
		"### Skipped tests" "### Reading a failing test"; do
		grep -qF -- "$line" "$OUT/README.md" || fail "the students' README lacks '$line'"
	done
	# No student's page links to a page the handout lacks.
	run grep -rn 'instructors\.md' "$OUT/docs" "$OUT/README.md"
	assert_failure 1
}

# bats test_tags=points:1
@test "handout: a lab written as the reference passes its tests there, the article's programs compiled too" {
	run --separate-stderr "$TOP/scripts/handout" --out "$OUT"
	assert_success
	cp "$TOP"/labs/msgqueue-chat/*.c "$OUT/labs/msgqueue-chat/"
	run --separate-stderr timeout -k "$KILL_AFTER" 300 \
		make -C "$OUT/labs/msgqueue-chat" test FILTER='article 003' 3>&-
	assert_success
	assert_line '3 passed, 0 failed'
}

# bats test_tags=points:1
@test "handout: no doc prints a lesson's answer; send_typed's loop becomes a line pointing to its TODO" {
	run --separate-stderr "$TOP/scripts/handout" --out "$OUT"
	assert_success
	# The loop is in the instructors' page, not in the students'.
	grep -q 'size_t piece = next_piece_length(text + sent, len - sent, TEXT_SIZE, NULL);' \
		"$TOP/docs/msgtype-filter.md" || fail "the instructors' page lost send_typed's loop"
	run grep -rn 'next_piece_length(text + sent' "$OUT/docs" "$OUT/README.md"
	assert_failure 1
	# shellcheck disable=SC2016 # backquotes of markdown, not of the shell
	run grep -c '^\*The handout leaves this code out: it is the answer to the TODO of `send_typed` in `labs/msgtype-filter/typed-send.c`, for you to write\.\*$' \
		"$OUT/docs/msgtype-filter.md"
	assert_output 1
	run grep -rn -e '<!-- answer' -e '<!-- instructors' -e '<!-- end of' "$OUT/docs"
	assert_failure 1
	# No lesson's code, three lines in a row, in any of the students' pages:
	# handout's own search, run on the handout's pages.
	run python3 - "$TOP/scripts/handout" "$OUT" <<'EOF'
import importlib.machinery, importlib.util, pathlib, sys
loader = importlib.machinery.SourceFileLoader("handout", sys.argv[1])
spec = importlib.util.spec_from_loader("handout", loader)
handout = importlib.util.module_from_spec(spec)
loader.exec_module(handout)
out = pathlib.Path(sys.argv[2])
regions = handout.lesson_regions()
assert len(regions) > 30, len(regions)
for page in sorted(out.glob("docs/*.md")) + [out / "README.md"]:
    for problem in handout.answers_in(page.relative_to(out), page.read_text(), regions):
        print(problem)
EOF
	assert_success
	assert_output ""
}

# bats test_tags=points:1
@test "handout --check: a lesson's code quoted in a doc is refused, unless marked as an answer; so is a link out" {
	local tree
	tree=$(copy_whole_tree)
	run --separate-stderr "$tree/scripts/handout" --check
	assert_success
	# Without its markers, send_typed's loop is refused.
	sed -i -e '/^<!-- answer: send_typed in /d' -e '/^<!-- end of answer -->$/d' "$tree/docs/msgtype-filter.md"
	run --separate-stderr "$tree/scripts/handout" --check
	assert_failure 1
	[[ $stderr == *"docs/msgtype-filter.md:"*"prints the answer to the lesson of labs/msgtype-filter/typed-send.c:"*"word for word"* ]] ||
		fail "$stderr"
	cp "$TOP/docs/msgtype-filter.md" "$tree/docs/"
	# Another lesson's code pasted in a page: chat-recv's first lines.
	{
		echo '```c'
		sed -n '/\/\* lesson: msgget, msgrcv and print until END_WORD/,/end of lesson/p' \
			"$TOP/labs/msgqueue-chat/chat-recv.c" | sed '1d;$d' | head -n 8
		echo '```'
	} >>"$tree/docs/mmap-anon.md"
	run --separate-stderr "$tree/scripts/handout" --check
	assert_failure 1
	[[ $stderr == *"docs/mmap-anon.md:"*"labs/msgqueue-chat/chat-recv.c:"* ]] || fail "$stderr"
	cp "$TOP/docs/mmap-anon.md" "$tree/docs/"
	# An answer marker without its end; a link to the instructors' page.
	sed -i '/^<!-- end of answer -->$/d' "$tree/docs/msgtype-filter.md"
	echo 'See [grading](instructors.md).' >>"$tree/docs/shm-fork-check.md"
	run --separate-stderr "$tree/scripts/handout" --check
	assert_failure 1
	[[ $stderr == *"docs/msgtype-filter.md:"*"a marked passage without its 'end of' line"* ]] || fail "$stderr"
	[[ $stderr == *"docs/shm-fork-check.md: links to instructors.md, which the handout does not hold"* ]] ||
		fail "$stderr"
}

# bats test_tags=points:1
@test "handout: make test runs the labs' tests only; the grader's targets are not there" {
	run --separate-stderr "$TOP/scripts/handout" --out "$OUT"
	assert_success
	# A filter no test matches: every file chosen runs, none of its tests.
	run timeout 600 make -s -C "$OUT" test FILTER="^no test's name is this$" 3>&-
	assert_success
	assert_equal "$(sed -n 's/^# \(tests\/.*\.bats\)$/\1/p' <<<"$output")" "$(lab_test_files "$OUT")"
	assert_equal "${lines[-1]}" "0 passed, 0 failed"
	run --separate-stderr make -s -C "$OUT" grade
	assert_failure 2
	[[ $stderr == *"make grade: not part of the students' handout"* ]] || fail "$stderr"
	run make -s -C "$OUT" help
	refute_output --partial "make grade"
	assert_output --partial "make test "
}

# bats test_tags=points:1
@test "run-tests: by default the labs' tests; -a adds every other tests/*.bats, one added later too; -o those alone" {
	local tree others
	tree=$(copy_tree)
	printf '#!/usr/bin/env bats\n# bats test_tags=points:1\n@test "later" { true; }\n' >"$tree/tests/zz-later.bats"
	others=$(cd "$tree" && for f in tests/*.bats; do
		[ -f "labs/$(basename "$f" .bats)/Makefile" ] || echo "$f"
	done)
	[[ $others == *tests/faults-signals.bats* && $others == *tests/grade.bats* && $others == *tests/zz-later.bats* ]] ||
		fail "the others: $others"
	local nothing='^no test has this name$'
	run "$tree/scripts/run-tests" -f "$nothing" 3>&-
	assert_success
	assert_equal "$(sed -n 's/^# \(tests\/.*\.bats\)$/\1/p' <<<"$output")" "$(lab_test_files "$tree")"
	run "$tree/scripts/run-tests" -a -f "$nothing" 3>&-
	assert_success
	assert_equal "$(sed -n 's/^# \(tests\/.*\.bats\)$/\1/p' <<<"$output")" "$(lab_test_files "$tree"; echo "$others")"
	run "$tree/scripts/run-tests" -o -f "$nothing" 3>&-
	assert_success
	assert_equal "$(sed -n 's/^# \(tests\/.*\.bats\)$/\1/p' <<<"$output")" "$others"
	assert_equal "${lines[-1]}" "0 passed, 0 failed"
}

# bats test_tags=points:1
@test "a failing test on 'run lab' shows the command that ran and its stderr" {
	run --separate-stderr "$TOP/scripts/handout" --out "$OUT"
	assert_success
	# typed-send written, typed-recv still a stub: a typed-send test that
	# reads the queue back with typed-recv fails on typed-recv.
	cp "$TOP/labs/msgtype-filter/typed-send.c" "$OUT/labs/msgtype-filter/"
	run timeout 300 make -s -C "$OUT/labs/msgtype-filter" test FILTER='^typed-send: a text over 50 bytes' 3>&-
	assert_failure
	assert_line "not ok 1 typed-send: a text over 50 bytes is split, each piece with the same type"
	assert_line "# -- the command (in labs/msgtype-filter) --"
	assert_line --regexp '^# \./typed-recv -k [0-9]+ -t 5 -n -r$'
	assert_line "# -- its stderr --"
	assert_line "# typed-recv: not written yet: msgget, msgrcv as the options say, print; -r: IPC_RMID"
	assert_line "0 passed, 1 failed"
}

# bats test_tags=points:1
@test "make demo: ipc-bench's missed target is said to be this machine's figure, not a failure" {
	# Here, not in ipc-bench.bats: make demo builds in the tree, which a
	# grading (the programs as the grader user) must not, and the test
	# judges the demo's words, not the student's code.
	run --separate-stderr timeout 120 make -s --no-print-directory -C "$TOP/labs/ipc-bench" demo 3>&-
	assert_success
	assert_line --regexp '^target: .* \(at least [0-9.]+: (met|missed)\)$'
	assert_line "(The target lines judge this machine's figures, in a 4 MiB quick run: 'missed' is a measurement, not a failure of the demo. Judge the targets on ipc-bench -l.)"
}
