#!/usr/bin/env bats
# labs/ipc-bench: ipc-bench and scripts/bench.  The bench runs in its
# quickest mode and must write well-formed figures, remove what it creates
# however it ends, and follow the usage rules.  No test looks at a timing:
# they depend on the machine and on what else runs on it.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup() {
	lab_setup ipc-bench
	OUT=$BATS_TEST_TMPDIR/out # where the bench writes its CSV
	student_dir "$OUT"
}
teardown() { lab_teardown; }

HEADER=mechanism,bytes,metric,median,min,max,unit
SIZES=(64 256 1024 4096 8192)
QUICK_TRANSFER=$((16 << 20)) # bytes of -q's large transfer

# spin_runs: shm-spin runs only when the bench may use two CPUs.
spin_runs() { [ "$(nproc)" -ge 2 ]; }

# expected_rows TRANSFER_BYTES MECHANISM...: the mechanism,bytes,metric of
# every row a run of the default sizes must write, sorted.
expected_rows() {
	local transfer=$1 mechanism size
	shift
	for mechanism in "$@"; do
		for size in "${SIZES[@]}"; do
			echo "$mechanism,$size,throughput"
			echo "$mechanism,$size,rate"
			[ "$mechanism" = memcpy ] || echo "$mechanism,$size,rtt"
		done
		echo "$mechanism,$transfer,throughput"
	done | sort
}

# assert_well_formed CSV: the header, then rows of seven fields: a known
# mechanism, a positive byte count, a known metric with its unit, three
# non-negative numbers with min <= median <= max; no row twice.
assert_well_formed() {
	local csv=$1 problems
	[ -s "$csv" ] || fail "no CSV at $csv"
	assert_equal "$(head -n 1 "$csv")" "$HEADER"
	problems=$(awk -F, '
		BEGIN { unit["throughput"] = "MiB/s"; unit["rate"] = "msg/s"; unit["rtt"] = "us"
			split("memcpy pipe msgqueue unix-socket shm-sem shm-spin", names, " ")
			for (i in names) known[names[i]] = 1 }
		function bad(why) { printf "line %d: %s: %s\n", NR, why, $0; n++ }
		NR == 1 { next }
		NF != 7 { bad("not 7 fields"); next }
		!($1 in known) { bad("unknown mechanism") }
		$2 !~ /^[1-9][0-9]*$/ { bad("bytes is not a positive integer") }
		!($3 in unit) { bad("unknown metric") }
		($3 in unit) && $7 != unit[$3] { bad("unit " $7 " for " $3) }
		$4 !~ /^[0-9]+(\.[0-9]+)?$/ || $5 !~ /^[0-9]+(\.[0-9]+)?$/ || $6 !~ /^[0-9]+(\.[0-9]+)?$/ {
			bad("not a number"); next }
		!($5 + 0 <= $4 + 0 && $4 + 0 <= $6 + 0) { bad("not min <= median <= max") }
		$4 + 0 <= 0 { bad("a median of 0") }
		seen[$1 "," $2 "," $3]++ { bad("a row twice") }
		END { exit n > 0 }' "$csv") || fail "$problems"
}

rows_of() { tail -n +2 "$1" | cut -d, -f1-3 | sort; }

assert_no_ipc_objects() {
	assert_equal "$(sysvipc msg)" ""
	assert_equal "$(sysvipc shm)" ""
}

# bats test_tags=points:1
@test "ipc-bench -q: a CSV row for every mechanism, size and metric, well formed" {
	local mechanisms=(memcpy pipe msgqueue unix-socket shm-sem)
	spin_runs && mechanisms+=(shm-spin)
	run --separate-stderr lab ipc-bench -q -o "$OUT/bench.csv"
	assert_success
	assert_well_formed "$OUT/bench.csv"
	assert_equal "$(rows_of "$OUT/bench.csv")" \
		"$(expected_rows "$QUICK_TRANSFER" "${mechanisms[@]}")"
	# The table on stdout: the same rows, and the two targets per shm ring.
	assert_line --regexp '^mechanism +bytes +metric +median +min +max +unit +x memcpy +x pipe$'
	assert_line --regexp '^shm-sem +16777216 throughput +[0-9.]+ +[0-9.]+ +[0-9.]+ MiB/s +[0-9.]+ +[0-9.]+$'
	assert_line --regexp '^target: shm-sem transfer / memcpy = [0-9.]+ \(at least 0\.85: (met|missed)\)$'
	assert_line --regexp '^target: shm-sem rate at 64 B / msgqueue = [0-9.]+ \(at least 5\.00: (met|missed)\)$'
	assert_no_ipc_objects
}

# bats test_tags=points:1
@test "ipc-bench: progress on stderr names each mechanism and size as it starts" {
	run --separate-stderr lab ipc-bench -q -r 2 -s 64,1024 -t 1 -M memcpy,msgqueue,shm-sem
	assert_success
	local progress
	progress=$(sed 's/^ipc-bench: \[[0-9]*\/[0-9]*\] //' <<<"$stderr")
	# The seven lines of one message size, the same for 64 and 1024 B.
	size_progress() {
		printf '%s\n' "memcpy $1 B one-way" "msgqueue $1 B one-way" "msgqueue $1 B rtt" \
			"shm-sem $1 B one-way" "shm-sem $1 B rtt" \
			"$1 B: run 1 of 2, every mechanism" "$1 B: run 2 of 2, every mechanism"
	}
	assert_equal "$progress" "$(size_progress 64; size_progress 1024)
preparing the large transfer
memcpy 1048576 B transfer
msgqueue 1048576 B transfer
shm-sem 1048576 B transfer
1048576 B transfer: run 1 of 2, every mechanism
1048576 B transfer: run 2 of 2, every mechanism"
	# The steps are counted: [1/20] to [20/20].
	assert_equal "$(head -n 1 <<<"$stderr")" "ipc-bench: [1/20] memcpy 64 B one-way"
	assert_equal "$(tail -n 1 <<<"$stderr")" \
		"ipc-bench: [20/20] 1048576 B transfer: run 2 of 2, every mechanism"
}

# bats test_tags=points:1
@test "ipc-bench -k KEY: the queue and the segment under that key, then none" {
	run --separate-stderr lab ipc-bench -q -s 64 -t 1 -M msgqueue,shm-sem,shm-spin -k "$KEY" \
		-o "$OUT/bench.csv"
	assert_success
	assert_well_formed "$OUT/bench.csv"
	assert_no_ipc_objects
}

# bats test_tags=points:1
@test "ipc-bench -c A,A: both processes on one CPU, so no shm-spin" {
	local cpu
	cpu=$(awk '/^Cpus_allowed_list:/ { split($2, a, "[-,]"); print a[1] }' /proc/self/status)
	run --separate-stderr lab ipc-bench -q -s 64 -t 1 -c "$cpu,$cpu" -o "$OUT/bench.csv"
	assert_success
	assert_line --index 0 "ipc-bench: quick run, 3 runs of each measurement; parent on CPU $cpu, child on CPU $cpu (the same CPU: no shm-spin)"
	assert_well_formed "$OUT/bench.csv"
	run cut -d, -f1 "$OUT/bench.csv"
	assert_line shm-sem
	refute_line shm-spin
}

# bats test_tags=points:1
@test "ipc-bench -B and -r: one post per message, REPEATS runs; the CSV is still well formed" {
	run --separate-stderr lab ipc-bench -q -B -r 1 -s 64,8192 -t 1 -M shm-sem -o "$OUT/bench.csv"
	assert_success
	assert_line --index 0 --partial "quick run, 1 run of each measurement;"
	assert_well_formed "$OUT/bench.csv"
	# One repeat: min, median and max are the same run.
	run awk -F, 'NR > 1 && !($4 == $5 && $5 == $6)' "$OUT/bench.csv"
	assert_output ""
}

# ------------------------------------------------------------ usage

# bats test_tags=points:1
@test "ipc-bench -h: the usage on stdout, exit 0" {
	run --separate-stderr lab ipc-bench -h
	assert_success
	assert_line --index 0 --regexp '^usage: ipc-bench '
	assert_line --partial "mechanism,bytes,metric,median,min,max,unit"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "ipc-bench: bad usage exits 2 with the usage on stderr, before any IPC object" {
	local args
	while read -r -a args; do
		assert_bad_usage ipc-bench "${args[@]}"
	done <<'EOF'
-z
-o
-q -l
-s 0
-s 33
-s 8224
-s 64,,128
-s ,64
-s 64,
-s abc
-s 1e3
-r 0
-r 1001
-r x
-t 0
-t 4097
-M pipe,tcp
-c 0
-c 0,x
-c 0,1,2
-c 0,1023
-m 0999
-k junk
extra
EOF
	assert_bad_usage ipc-bench -o ""
	assert_no_ipc_objects
}

# bats test_tags=points:1
@test "ipc-bench: -M with no mechanism, an empty name or one named twice is bad usage" {
	local list
	for list in '' ',' 'pipe,' ',pipe' 'pipe,,msgqueue' 'pipe,pipe' 'memcpy,pipe,memcpy'; do
		assert_bad_usage ipc-bench -q -s 64 -t 1 -M "$list"
	done
}

# bats test_tags=points:1
@test "ipc-bench: a CSV it cannot create is one error line, exit 1" {
	run --separate-stderr lab ipc-bench -q -o "$OUT/no/such/dir/bench.csv"
	assert_failure 1
	assert_equal "$stderr" "ipc-bench: open $OUT/no/such/dir/bench.csv: No such file or directory (ENOENT)"
	assert_output ""
	assert_no_ipc_objects
}

# bats test_tags=points:1
@test "ipc-bench: a stdout that cannot be written stops it with exit 1, nothing left" {
	run --separate-stderr bash -c '"$@" >/dev/full' _ timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" \
		"${NS_ENTER[@]}" "${RUN_AS[@]}" "$LAB_DIR/ipc-bench" -q -s 64 -t 1 -M msgqueue
	assert_failure 1
	assert_equal "$(tail -n 1 <<<"$stderr")" \
		"ipc-bench: write standard output: No space left on device (ENOSPC)"
	assert_no_ipc_objects
}

# ------------------------------------------------------------ stopped in the middle

# start_bench_at STAGE ARGS...: ipc-bench in the background, slow (1000
# repeats of every run), until its progress reaches STAGE; its pid in
# BENCH_PID, its child's in CHILD_PID.
start_bench_at() {
	local stage=$1
	shift
	lab_bg_started bench ipc-bench -q -r 1000 -s 64 -k "$KEY" "$@"
	BENCH_PID=$PROGRAM_PID
	wait_for bench "the $stage stage" grep -q "\] $stage\$" "$BATS_TEST_TMPDIR/bench.err"
	wait_for bench "the child of the $stage stage" pgrep -P "$BENCH_PID"
	CHILD_PID=$(pgrep -P "$BENCH_PID")
}

is_sleeping() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = S ]; }

# stop_parent_with_child_in_msgrcv: the parent stopped (SIGSTOP) at a time
# when the child waits in msgrcv for its next message, not between two runs
# in a read of the command pipe: the signal then removes the queue under a
# child blocked in msgrcv.  Stop, look, and go on until it is so.
stop_parent_with_child_in_msgrcv() {
	local deadline=$((SECONDS + WAIT_TIMEOUT))
	queue_exists "$KEY"
	while :; do
		kill -STOP "$BENCH_PID"
		wait_for bench "the parent to stop" is_stopped "$BENCH_PID"
		wait_for bench "the child to wait" is_sleeping "$CHILD_PID"
		is_blocked_in "$CHILD_PID" do_msgrcv && return 0
		kill -CONT "$BENCH_PID"
		[ "$SECONDS" -lt "$deadline" ] || fail "the child was never seen waiting in msgrcv"
	done
}

# stopped_by SIGNAL STATUS MECHANISM: the signal in the middle of a run
# removes the queue (or the segment), and the child ends too.
stopped_by() {
	local signal=$1 code=$2 mechanism=$3
	start_bench_at "$mechanism 64 B one-way" -M "$mechanism"
	if [ "$mechanism" = msgqueue ]; then
		stop_parent_with_child_in_msgrcv
	else
		kill -STOP "$BENCH_PID"
		wait_for bench "the parent to stop" is_stopped "$BENCH_PID"
	fi
	kill "-$signal" "$BENCH_PID"
	kill -CONT "$BENCH_PID"
	wait_bg bench
	assert_equal "$status" "$code"
	wait_until "the child to end" process_gone "$CHILD_PID"
	assert_no_ipc_objects
	assert_quiet_end
}

# assert_quiet_end: stopped by a signal, neither process said a word (the
# progress lines aside): the child found its queue removed, or its ring's
# parent gone, because the parent stopped, and that is no failure of its own.
assert_quiet_end() {
	run grep -v '^ipc-bench: \[[0-9]*/[0-9]*\] ' "$BATS_TEST_TMPDIR/bench.err"
	assert_output ""
}

# ctrl_c MECHANISM: SIGINT to the whole process group, as Ctrl-C sends it
# (timeout leads the group: it passes the signal on and dies of it too).
ctrl_c() {
	local mechanism=$1
	start_bench_at "$mechanism 64 B one-way" -M "$mechanism"
	if [ "$mechanism" = msgqueue ]; then
		wait_for bench "the queue" queue_exists "$KEY"
	fi
	kill -INT -- "-${BG[bench]}"
	wait_bg bench
	assert_equal "$status" 130
	wait_until "the child to end" process_gone "$CHILD_PID"
	assert_no_ipc_objects
	assert_quiet_end
}

# bats test_tags=points:1
@test "ipc-bench: SIGTERM in the middle of a message queue run removes the queue" {
	stopped_by TERM 143 msgqueue
}

# bats test_tags=points:1
@test "ipc-bench: SIGINT in the middle of a shared memory run leaves no segment" {
	stopped_by INT 130 shm-sem
}

# bats test_tags=points:1
@test "ipc-bench: SIGHUP in the middle of a message queue run removes the queue" {
	stopped_by HUP 129 msgqueue
}

# bats test_tags=points:1
@test "ipc-bench: Ctrl-C (SIGINT to the group) in a message queue run: exit 130, not a word" {
	ctrl_c msgqueue
}

# bats test_tags=points:1
@test "ipc-bench: Ctrl-C (SIGINT to the group) in a semaphore ring run: exit 130, not a word" {
	ctrl_c shm-sem
}

# child_killed MECHANISM: the parent does not wait forever for a child that
# died (on a ring, a queue or a pipe): one line saying so, exit 1.
child_killed() {
	local mechanism=$1
	start_bench_at "$mechanism 64 B one-way" -M "$mechanism"
	kill -KILL "$CHILD_PID"
	wait_bg bench
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/bench.err"
	# The run in progress is the mechanism's own: the only one (-M).
	assert_line --regexp "^ipc-bench: $mechanism 64 B (one-way|rtt): .+ \(the $mechanism child was killed by SIGKILL\)\$"
	assert_no_ipc_objects
}

# bats test_tags=points:1
@test "ipc-bench: a child killed in a message queue run: exit 1, the queue removed" {
	child_killed msgqueue
}

# bats test_tags=points:1
@test "ipc-bench: a child killed in a semaphore ring run: exit 1, no wait forever" {
	child_killed shm-sem
}

# bats test_tags=points:1
@test "ipc-bench: a child killed in a spinning ring run: exit 1, no spin forever" {
	spin_runs || skip "shm-spin needs two CPUs"
	child_killed shm-spin
}

# bats test_tags=points:1
@test "ipc-bench: a child killed in a pipe run: exit 1" {
	child_killed pipe
}

# ------------------------------------------------------------ scripts/bench

# bench ARGS...: scripts/bench in the test's namespace, under timeout.
bench() { timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" "$TOP/scripts/bench" "$@"; }

# bats test_tags=points:1
@test "scripts/bench -h: the usage on stdout, exit 0; bad usage: exit 2" {
	run --separate-stderr bench -h
	assert_success
	assert_line --index 0 --regexp '^usage: scripts/bench '
	local args
	for args in -z -o "-q -l" stray "-d x.csv -q" "-d x.csv -- -s 64"; do
		# shellcheck disable=SC2086 # each word an argument
		run --separate-stderr bench $args
		assert_failure 2
		assert_output ""
		[[ $stderr == *"usage: scripts/bench "* ]] || fail "bench $args: no usage on stderr: $stderr"
	done
}

# bats test_tags=points:1
@test "scripts/bench: the CSV, and the chart beside it when gnuplot is here; -d draws it again" {
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt-get install gnuplot-nox)"
	run --separate-stderr bench -q -o "$BATS_TEST_TMPDIR/out/run.csv" -- -s 64 -t 1
	assert_success
	assert_line "bench: figures in $BATS_TEST_TMPDIR/out/run.csv"
	assert_line "bench: chart in $BATS_TEST_TMPDIR/out/run.png"
	assert_well_formed "$BATS_TEST_TMPDIR/out/run.csv"
	# A PNG file starts with \x89PNG.
	assert_equal "$(head -c 4 "$BATS_TEST_TMPDIR/out/run.png" | tail -c 3)" PNG
	assert_no_ipc_objects
	# -d: the chart again, from the CSV alone; a file that is no such CSV fails.
	rm "$BATS_TEST_TMPDIR/out/run.png"
	run --separate-stderr bench -d "$BATS_TEST_TMPDIR/out/run.csv"
	assert_success
	assert_output "bench: chart in $BATS_TEST_TMPDIR/out/run.png"
	assert_equal "$(head -c 4 "$BATS_TEST_TMPDIR/out/run.png" | tail -c 3)" PNG
	echo 'not,a,bench' >"$BATS_TEST_TMPDIR/other.csv"
	run --separate-stderr bench -d "$BATS_TEST_TMPDIR/other.csv"
	assert_failure 1
	assert_equal "$stderr" "bench: $BATS_TEST_TMPDIR/other.csv is not a CSV of ipc-bench"
}

# bats test_tags=points:1
@test "scripts/bench without gnuplot: the CSV all the same, and how to get the chart" {
	run --separate-stderr env GNUPLOT=no-such-gnuplot timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" \
		"$TOP/scripts/bench" -q -o "$BATS_TEST_TMPDIR/run.csv" -- -s 64 -t 1
	assert_success
	assert_well_formed "$BATS_TEST_TMPDIR/run.csv"
	[ ! -e "$BATS_TEST_TMPDIR/run.png" ] || fail "a chart without gnuplot"
	[[ $stderr == *"apt-get install gnuplot-nox"* ]] || fail "no word on how to get gnuplot: $stderr"
}
