#!/usr/bin/env bats
# docs/: the transcripts of the pages run (scripts/check-docs), and the exit
# codes each page's Programs section lists are the ones the programs return.

load lab_helper

teardown() { [ -z "${LAB_DIR:-}" ] || lab_teardown; }

# bats test_tags=points:1
@test "docs: every transcript of docs/*.md and README.md runs and matches, or is marked" {
	run "$TOP/scripts/check-docs"
	# The count line (stdout) and every command that differs (stderr).
	[ "$status" -eq 0 ] || fail "scripts/check-docs failed (exit $status):
$output"
	assert_line --regexp '^check-docs: [0-9]+ of [0-9]+ commands run and match'
}

# listed_exit_codes PAGE PROG: the exit codes PAGE's Programs section lists
# for PROG, one a line, and `128+N` when it says "128 + N" for any signal.
# The text read: PROG's bullet that begins `- Exit`; else the rows of its
# `| exit status |` table; else the section's opening paragraphs that say
# "exit" (rules shared by every program of the page).  A code is a number
# that starts a clause (after `Exit:`, a colon, a semicolon, a comma, a
# period, an opening parenthesis, "exit", "exits" or "status"), outside
# backquotes.
listed_exit_codes() {
	python3 - "$1" "$2" <<'PY'
import re, sys
page, prog = sys.argv[1:3]
text = open(page).read()
section = re.search(r"^## Programs\n(.*?)(?=^## |\Z)", text, re.S | re.M)
if not section:
    sys.exit(f"{page}: no '## Programs' section")
parts = re.split(r"^### ", section.group(1), flags=re.M)
sub = next((p for p in parts[1:] if p.split(None, 1)[0] == prog), None)
if sub is None:
    sys.exit(f"{page}: no '### {prog}' in its Programs section")
bullet = re.search(r"^- Exit\b.*?(?=^- |^\s*$|^#|\Z)", sub, re.S | re.M)
table = re.search(r"^\| exit status \|.*\n\|[-| ]+\|\n((?:\|.*\n?)*)", sub, re.M)
if bullet:
    said = bullet.group(0)
elif table:
    said = "; ".join(row.strip("|") for row in table.group(1).splitlines())
else:
    said = " ".join(p for p in re.split(r"\n\s*\n", parts[0]) if re.search(r"\bexits?\b", p))
said = re.sub(r"`[^`]*`", "", said)
if re.search(r"\b128\s*\+\s*[Nn]\b", said):
    print("128+N")
said = re.sub(r"\b128\s*\+\s*[Nn]\b", "", said)
codes = re.findall(r"(?:^|[:;,.(]|\bexits?|\bstatus|\bExit)\s+(\d{1,3})\b(?!\s*\+)|^[|;]?\s*(\d{1,3})\b",
                   said, re.M)
for code in sorted({int(a or b) for a, b in codes if int(a or b) <= 255}):
    print(code)
PY
}

# ran PROG CODE HOW: note that a real run of PROG returned CODE.
ran() {
	produced[$1]+=" $2"
	how[$1:$2]=$3
}

# blocked_by_signal PROG: start PROG where it waits (on its input, a queue,
# a segment or, for mmap-copy, its test hook's SIGSTOP), send each stop
# signal, and note the exit status.  Programs that never wait are left to
# the lab's tests.
blocked_by_signal() {
	local prog=$1 signal fifo=$BATS_TEST_TMPDIR/input args=() child writer
	case $prog in
	chat | chat-send | chat-recv | typed-send | shm-producer | shm-consumer) args=(-k "$KEY") ;;
	typed-recv) args=(-k "$KEY" -r) ;;
	shm-write) args=(-k "$KEY" -w) ;;
	mmap-copy)
		truncate -s 3M "$BATS_TEST_TMPDIR/src"
		args=(-w 1 "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/dst")
		;;
	*) return 0 ;;
	esac
	for signal in INT TERM HUP QUIT PIPE; do
		rm -f "$fifo" && mkfifo "$fifo"
		exec {writer}<>"$fifo"
		[ "$prog" != typed-recv ] || lab typed-send -k "$KEY" 1:x >/dev/null
		[ "$prog" != mmap-copy ] || export MMAP_COPY_TEST_STOP=1
		lab_bg_started -i "$fifo" blocked "$prog" "${args[@]}"
		unset MMAP_COPY_TEST_STOP
		# Its handlers in place: it runs the program (not yet nsenter) and
		# sleeps, or (mmap-copy) has stopped itself after its first window.
		if [ "$prog" = mmap-copy ]; then
			wait_for blocked "mmap-copy to stop itself" is_stopped "$PROGRAM_PID"
		else
			wait_for blocked "$prog to wait" is_waiting "$PROGRAM_PID" "$prog"
		fi
		child=$(pgrep -P "$PROGRAM_PID" | head -n 1) || true
		kill "-$signal" "$PROGRAM_PID"
		[ "$prog" != mmap-copy ] || kill -CONT "$PROGRAM_PID"
		wait_bg blocked 2>/dev/null
		exec {writer}>&-
		[ -z "$child" ] || wait_until "$prog's child to end" test ! -e "/proc/$child"
		in_ns ipcrm -Q "$KEY" 2>/dev/null || true
		in_ns ipcrm -M "$KEY" 2>/dev/null || true
		ran "$prog" "$status" "killed by SIG$signal while it waited"
	done
}

# is_waiting PID PROG: PID runs the lab's PROG and sleeps.
is_waiting() {
	[ "$(readlink "/proc/$1/exe")" = "$LAB_DIR/$2" ] &&
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = S ]
}

# asserted_signal_codes LAB: the codes over 128 that tests/LAB.bats asserts
# as an exit status.
asserted_signal_codes() {
	# shellcheck disable=SC2016 # the $status of the test file, as it is written
	grep -Eo '(stopped_by [A-Z]+ |assert_equal "\$status" |\[ "\$status" (=|-eq) )"?1[2-9][0-9]\b' \
		"$TOP/tests/$1.bats" | grep -Eo '[0-9]+$' | sort -un
}

# check_exit_codes LAB PAGE: for each program of LAB that PAGE's Programs
# section describes, every code a real run returned is listed (a code over
# 128 may be listed as "128 + N"), and every code listed comes from a real
# run (-h: 0; an unknown option: 2; -h into a full disk: 1; a stop signal
# while it waits) or, for a signal's code, from a real run of another
# program of the lab or an assertion of tests/LAB.bats.  In a lab of one
# program, every signal's code its tests assert is listed too.
check_exit_codes() {
	local lab=$1 page=$TOP/docs/$2 prog code listed problems=() programs=() everything
	local -A produced=() how=() lists=()
	lab_setup "$lab"
	local -a names
	mapfile -t names < <(sed -n '/^## Programs/,/^## [^P]/s/^### \([a-z-]*\)$/\1/p' "$page")
	for prog in "${names[@]}"; do
		[ -x "$LAB_DIR/$prog" ] || continue
		programs+=("$prog")
		lists[$prog]=$(listed_exit_codes "$page" "$prog") || fail "${lists[$prog]}"
		code=0; lab "$prog" -h >/dev/null 2>&1 || code=$?; ran "$prog" "$code" "-h"
		code=0; lab "$prog" --no-such-option >/dev/null 2>&1 || code=$?; ran "$prog" "$code" "--no-such-option"
		code=0; lab "$prog" -h >/dev/full 2>/dev/null || code=$?; ran "$prog" "$code" "-h >/dev/full"
		blocked_by_signal "$prog"
	done
	[ "${#programs[@]}" -gt 0 ] || fail "docs/$2: no program of labs/$lab under '### NAME' in its Programs section"
	everything=$(printf '%s\n' "${produced[@]}" | tr ' ' '\n' | sort -un)
	for prog in "${programs[@]}"; do
		listed=${lists[$prog]}
		for code in $(tr ' ' '\n' <<<"${produced[$prog]}" | sort -un); do
			grep -qx "$code" <<<"$listed" && continue
			[ "$code" -ge 128 ] && grep -qx '128+N' <<<"$listed" && continue
			problems+=("$prog: returned $code (${how[$prog:$code]}), not listed in docs/$2 (listed: ${listed//$'\n'/ })")
		done
		local -a numbers
		mapfile -t numbers < <(grep -x '[0-9]*' <<<"$listed")
		for code in "${numbers[@]}"; do
			tr ' ' '\n' <<<"${produced[$prog]}" | grep -qx "$code" && continue
			[ "$code" -ge 128 ] && grep -qx "$code" <<<"$everything" && continue
			[ "$code" -ge 128 ] && asserted_signal_codes "$lab" | grep -qx "$code" && continue
			problems+=("$prog: docs/$2 lists $code, but no real run here returned it and tests/$lab.bats asserts it nowhere")
		done
	done
	if [ "${#programs[@]}" -eq 1 ]; then
		prog=${programs[0]}
		listed=${lists[$prog]}
		for code in $(asserted_signal_codes "$lab"); do
			grep -qx "$code" <<<"$listed" && continue
			grep -qx '128+N' <<<"$listed" && continue
			problems+=("$prog: tests/$lab.bats asserts exit $code, not listed in docs/$2 (listed: ${listed//$'\n'/ })")
		done
	fi
	[ "${#problems[@]}" -eq 0 ] || fail "$(printf '%s\n' "${problems[@]}")"
}

# bats test_tags=points:1
@test "docs: msgqueue-chat's exit codes, as its page lists them" {
	check_exit_codes msgqueue-chat msgqueue-chat.md
}

# bats test_tags=points:1
@test "docs: msgtype-filter's exit codes, as its page lists them" {
	check_exit_codes msgtype-filter msgtype-filter.md
}

# bats test_tags=points:1
@test "docs: shm-fork-check's exit codes, as its page lists them" {
	check_exit_codes shm-fork-check shm-fork-check.md
}

# bats test_tags=points:1
@test "docs: shm-writer-reader's exit codes, as its page lists them" {
	check_exit_codes shm-writer-reader shm-writer-reader.md
}

# bats test_tags=points:1
@test "docs: mmap-file's exit codes, as its page lists them" {
	check_exit_codes mmap-file mmap-file.md
}

# bats test_tags=points:1
@test "docs: mmap-copy's exit codes, as its page lists them" {
	check_exit_codes mmap-copy mmap-copy.md
}

# bats test_tags=points:1
@test "docs: mmap-anon's exit codes, as its page lists them" {
	check_exit_codes mmap-anon mmap-anon.md
}

# bats test_tags=points:1
@test "docs: ipc-bench's exit codes, as its page (performance.md) lists them" {
	check_exit_codes ipc-bench performance.md
}
