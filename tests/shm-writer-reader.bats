#!/usr/bin/env bats
# labs/shm-writer-reader: shm-write, shm-read, shm-stat (articles 000 and
# 002) and shm-producer, shm-consumer (article 003).
# Every statement of LABS.md for this lab, run for real.
#
# Some tests preload a small shim (tests/shims/sem-init-stop.c) that stops a
# program in its first sem_init (SHIM_STOP_IN_SEM_INIT=1): the creator of the
# segment is then caught between shmget and "ready", the moment when both
# programs starting together would race.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper

setup_file() { build_shim sem-init-stop; }

setup() { lab_setup shm-writer-reader; }
teardown() {
	# The FIFOs a test holds open (full_fifo, start_writer_waiting).
	[ -z "${FULL_FD:-}" ] || exec {FULL_FD}>&-
	[ -z "${IN_FD:-}" ] || exec {IN_FD}>&-
	lab_teardown
}

# make_segment KEY SIZE [TEXT]: a segment made by another program (perl),
# mode 0600, TEXT written at its start.  KEY in decimal.  It belongs to the
# user the lab programs run as (see IPC_LAB_RUN_AS).
make_segment() {
	# shellcheck disable=SC2016 # perl's $id, $ARGV and $!, not the shell's
	in_ns "${RUN_AS[@]}" perl -e '
		my $id = shmget($ARGV[0], $ARGV[1], 01600);
		defined $id or die "shmget: $!\n";
		!defined $ARGV[2] or shmwrite($id, $ARGV[2], 0, length $ARGV[2])
			or die "shmwrite: $!\n"' "$@"
}

# ftok_a PATH: glibc's ftok(PATH, 'a'): 'a', then the low 8 bits of the
# device number, then the low 16 bits of the inode number.
ftok_a() {
	local dev ino
	read -r dev ino < <(stat -L -c '%d %i' "$1")
	printf '0x%08x' $(((0x61 << 24) | ((dev & 0xff) << 16) | (ino & 0xffff)))
}

# in_dir DIR CMD...: run CMD with DIR as the current directory.
in_dir() { (cd "$1" && "${@:2}"); }

lab_into_full() { lab "$@" >/dev/full; }

# stat_value NAME ARGS...: one value from shm-stat ARGS.
stat_value() {
	lab shm-stat "${@:2}" | sed -n "s/^$1: //p"
}

# ------------------------------------------------------------ shm-write

# bats test_tags=points:1
@test "shm-write: 'Hello, world!' into a new 1024-byte segment, 'shmid : N', left for the reader" {
	run --separate-stderr lab shm-write -k "$KEY"
	assert_success
	assert_output "shmid : $(segment_field "$KEY" shmid)"
	assert_equal "$stderr" ""
	assert_equal "$(segment_field "$KEY" size)" 1024
	assert_equal "$(segment_field "$KEY" perms)" 600
	assert_equal "$(segment_field "$KEY" nattch)" 0
	run --separate-stderr lab shm-read -k "$KEY"
	assert_success
	assert_output "Message from shared memory: Hello, world!"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-write: TEXT goes with its NUL; an existing segment is reused, with its id" {
	local id
	lab shm-write -k "$KEY" "a rather long first text" >/dev/null
	id=$(segment_field "$KEY" shmid)
	run --separate-stderr lab shm-write -k "$KEY" "short"
	assert_success
	assert_output "shmid : $id"
	# Without the NUL the reader would see "shortther long first text".
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: short"
}

# bats test_tags=points:1
@test "shm-write: -m MODE for a new segment; an existing one keeps its mode" {
	lab shm-write -k "$KEY" -m 0640 >/dev/null
	assert_equal "$(segment_field "$KEY" perms)" 640
	lab shm-write -k "$KEY" -m 0666 again >/dev/null
	assert_equal "$(segment_field "$KEY" perms)" 640
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-write: 1023 bytes fit with the NUL; 1024 bytes is bad usage" {
	local text
	text=$(repeat x 1023)
	run --separate-stderr lab shm-write -k "$KEY" "$text"
	assert_success
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_output "Message from shared memory: $text"
	in_ns ipcrm -M "$KEY_HEX"
	run --separate-stderr lab shm-write -k "$KEY" "${text}y"
	assert_failure 2
	assert_output ""
	[[ $stderr == "shm-write: text too long: 1024 bytes, at most 1023 fit with the NUL"* ]] ||
		fail "stderr: $stderr"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-write: a bigger segment under the key is used; a smaller one is EINVAL, named" {
	make_segment "$KEY" 4096
	run --separate-stderr lab shm-write -k "$KEY" big
	assert_success
	assert_equal "$(segment_field "$KEY" size)" 4096
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: big"

	make_segment "$KEY" 100 untouched
	run --separate-stderr lab shm-write -k "$KEY" small
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "shm-write: shmget key $KEY_HEX (segment $(segment_field "$KEY" shmid) under this key has 100 bytes, fewer than 1024; remove it with: ipcrm -M $KEY_HEX): Invalid argument (EINVAL)"
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_output "Message from shared memory: untouched"
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-write -s SIZE: a segment of SIZE bytes; article 002's key 100, 4096 bytes, helloworld" {
	run --separate-stderr lab shm-write -k "$KEY" -s 4096 helloworld
	assert_success
	assert_output "shmid : $(segment_field "$KEY" shmid)"
	assert_equal "$(segment_field "$KEY" size)" 4096
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: helloworld"
	# The text must fit SIZE with its NUL: 4 bytes hold "abc", not "abcd".
	run --separate-stderr lab shm-write -k "$KEY" -s 4 abc
	assert_success
	assert_equal "$(segment_field "$KEY" size)" 4
	in_ns ipcrm -M "$KEY_HEX"
	run --separate-stderr lab shm-write -k "$KEY" -s 4 abcd
	assert_failure 2
	[[ $stderr == "shm-write: text too long: 4 bytes, at most 3 fit with the NUL"* ]] ||
		fail "stderr: $stderr"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-write -s: a bad SIZE is bad usage (exit 2), before any segment" {
	local size
	for size in 0 -1 12x '' 1073741825 ' 8'; do
		run --separate-stderr lab shm-write -k "$KEY" -s "$size"
		assert_failure 2
		assert_output ""
		[[ $stderr == "shm-write: bad size '$size': expected 1 to 1073741824 bytes"$'\n'"usage: shm-write "* ]] ||
			fail "-s '$size': stderr: $stderr"
		segment_gone "$KEY"
	done
}

# start_writer_waiting ARGS...: shm-write -w in the background, reading a
# FIFO we hold open on IN_FD (lab_bg_on_fifo); it has written and waits for a line.
start_writer_waiting() {
	lab_bg_on_fifo writer shm-write -w "$@"
	WRITER_PID=$PROGRAM_PID
	wait_for writer "shm-write -w to wait for a line" blocked_in_pipe_read "$WRITER_PID"
}

# bats test_tags=points:1
@test "shm-write -w: stays attached until a line comes, then removes the segment" {
	start_writer_waiting -k "$KEY" waiting
	assert_file_lines "$BATS_TEST_TMPDIR/writer.out" "shmid : $(segment_field "$KEY" shmid)"
	assert_equal "$(segment_field "$KEY" nattch)" 1
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_output "Message from shared memory: waiting"
	echo >&"$IN_FD"
	close_input
	wait_bg writer
	assert_equal "$status" 0
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-write -w: the end of input ends the wait too" {
	run --separate-stderr lab shm-write -k "$KEY" -w </dev/null
	assert_success
	assert_output --regexp '^shmid : [0-9]+$'
	segment_gone "$KEY"
}

writer_stopped_by() {
	local signal=$1 code=$2
	start_writer_waiting -k "$KEY"
	kill "-$signal" "$WRITER_PID"
	wait_bg writer
	assert_equal "$status" "$code"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-write -w: SIGTERM while waiting removes the segment" {
	writer_stopped_by TERM 143
}

# bats test_tags=points:1
@test "shm-write -w: SIGINT while waiting removes the segment" {
	writer_stopped_by INT 130
}

# bats test_tags=points:1
@test "shm-write -w: SIGHUP while waiting removes the segment" {
	writer_stopped_by HUP 129
}

# bats test_tags=points:1
@test "shm-write without -w removes nothing: the segment stays for the reader" {
	lab shm-write -k "$KEY" >/dev/null
	segment_exists "$KEY"
	run --separate-stderr lab shm-write -k "$KEY" again
	assert_success
	segment_exists "$KEY"
	in_ns ipcrm -M "$KEY_HEX"
}

# Article 002, question 2: IPC_RMID only marks an attached segment; it lives
# on, keyless, until the last detach; removing it again is allowed.
# bats test_tags=points:1
@test "shm-write -w: a segment removed while attached lives on (key 0, dest) until the detach" {
	local id
	start_writer_waiting -k "$KEY" kept
	id=$(segment_field "$KEY" shmid)
	in_ns ipcrm -M "$KEY_HEX"
	# No longer found by key...
	segment_gone "$KEY"
	run --separate-stderr lab shm-read -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "shm-read: shmget key $KEY_HEX (no segment has this key: run shm-write first, in the same folder or with the same -k or -p): No such file or directory (ENOENT)"
	# ...but still there, by id, marked, and still attached by the writer.
	assert_equal "$(segment_id_field "$id" key)" 0
	assert_equal "$(segment_id_field "$id" perms)" 1600
	assert_equal "$(segment_id_field "$id" nattch)" 1
	run --separate-stderr lab shm-stat -i "$id"
	assert_success
	assert_line "key: 0x00000000"
	assert_line "attached: 1"
	assert_line "marked for removal: yes"
	# The writer's own IPC_RMID is a second removal: no error.
	echo >&"$IN_FD"
	close_input
	wait_bg writer
	assert_equal "$status" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/writer.err")" ""
	run ! segment_id_field "$id" shmid
}

# ------------------------------------------------------------ shm-read

# bats test_tags=points:1
@test "shm-read: prints the text, then removes the segment (article 000)" {
	lab shm-write -k "$KEY" "from the writer" >/dev/null
	run --separate-stderr lab shm-read -k "$KEY"
	assert_success
	assert_output "Message from shared memory: from the writer"
	assert_equal "$stderr" ""
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-read -K: reads and keeps the segment" {
	lab shm-write -k "$KEY" kept >/dev/null
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_success
	assert_output "Message from shared memory: kept"
	run --separate-stderr lab shm-read -k "$KEY" -K
	assert_output "Message from shared memory: kept"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-read: no segment: ENOENT, and it says to run shm-write first; nothing created" {
	run --separate-stderr lab shm-read -k "$KEY"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "shm-read: shmget key $KEY_HEX (no segment has this key: run shm-write first, in the same folder or with the same -k or -p): No such file or directory (ENOENT)"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-read: a segment without a NUL is printed to its last byte, never past it" {
	make_segment "$KEY" 16 0123456789abcdef
	run --separate-stderr lab shm-read -k "$KEY"
	assert_success
	assert_output "Message from shared memory: 0123456789abcdef"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-read: output that cannot be written: exit 1, and the segment is kept" {
	lab shm-write -k "$KEY" precious >/dev/null
	run --separate-stderr lab_into_full shm-read -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "shm-read: write standard output (the segment is kept: run shm-read again): No space left on device (ENOSPC)"
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: precious"
}

# reader_stopped_by SIGNAL STATUS: shm-read blocked printing (its output
# is a full FIFO) is stopped by SIGNAL: it removes the segment.
reader_stopped_by() {
	local signal=$1 code=$2 pid
	lab shm-write -k "$KEY" >/dev/null
	full_fifo reader.out
	lab_bg_started reader shm-read -k "$KEY"
	pid=$PROGRAM_PID
	wait_for reader "shm-read to block printing" blocked_in_pipe_write "$pid"
	# It attached read-only (SHM_RDONLY): the mapping is r--s.
	grep -q '^[0-9a-f-]* r--s .*/SYSV' "/proc/$pid/maps" || fail "$(grep SYSV "/proc/$pid/maps")"
	kill "-$signal" "$pid"
	wait_bg reader
	assert_equal "$status" "$code"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-read: SIGTERM while it runs removes the segment; it attached read-only" {
	reader_stopped_by TERM 143
}

# bats test_tags=points:1
@test "shm-read: SIGINT while it runs removes the segment" {
	reader_stopped_by INT 130
}

# bats test_tags=points:1
@test "shm-read: SIGHUP while it runs removes the segment" {
	reader_stopped_by HUP 129
}

# bats test_tags=points:1
@test "shm-read -K: SIGTERM while it runs leaves the segment" {
	local pid
	lab shm-write -k "$KEY" >/dev/null
	full_fifo reader.out
	lab_bg_started reader shm-read -k "$KEY" -K
	pid=$PROGRAM_PID
	wait_for reader "shm-read to block printing" blocked_in_pipe_write "$pid"
	kill -TERM "$pid"
	wait_bg reader
	assert_equal "$status" 143
	segment_exists "$KEY"
	in_ns ipcrm -M "$KEY_HEX"
}

# ------------------------------------------------------------ shm-stat

# bats test_tags=points:1
@test "shm-stat: name: value lines from shmid_ds" {
	local writer_pid
	lab shm-write -k "$KEY" -m 0640 >/dev/null
	writer_pid=$(segment_field "$KEY" cpid)
	run --separate-stderr lab shm-stat -k "$KEY"
	assert_success
	# Group members can read it: shm-stat points that out, and shows it.
	assert_equal "$stderr" "shm-stat: warning: the segment with key $KEY_HEX can be read or written by other users (mode 0640)"
	assert_line "key: $KEY_HEX"
	assert_line "shmid: $(segment_field "$KEY" shmid)"
	assert_line "size: 1024"
	assert_line "perms: 0640"
	assert_line "attached: 0"
	assert_line "creator pid: $writer_pid"
	assert_line "last pid: $writer_pid"
	assert_line "owner uid: $(segment_field "$KEY" uid)"
	assert_line --regexp '^last attach time: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$'
	assert_line --regexp '^last detach time: [0-9]{4}-'
	assert_line "marked for removal: no"
	# shm-stat itself neither attaches nor removes.
	assert_equal "$(segment_field "$KEY" lpid)" "$writer_pid"
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "shm-stat: attached counts the processes attached (article 002, question 1)" {
	start_writer_waiting -k "$KEY"
	assert_equal "$(stat_value attached -k "$KEY")" 1
	assert_equal "$(stat_value "last pid" -k "$KEY")" "$WRITER_PID"
	assert_equal "$(stat_value "last detach time" -k "$KEY")" never
	close_input
	wait_bg writer
	assert_equal "$status" 0
}

# bats test_tags=points:1
@test "shm-stat -r: prints, then removes; -i reaches a marked segment, removed twice" {
	local id
	lab shm-write -k "$KEY" >/dev/null
	run --separate-stderr lab shm-stat -k "$KEY" -r
	assert_success
	assert_line "marked for removal: no"
	segment_gone "$KEY"

	start_writer_waiting -k "$KEY"
	id=$(segment_field "$KEY" shmid)
	run --separate-stderr lab shm-stat -i "$id" -r
	assert_success
	assert_line "marked for removal: no"
	assert_equal "$(segment_id_field "$id" perms)" 1600
	run --separate-stderr lab shm-stat -i "$id" -r
	assert_success
	assert_line "marked for removal: yes"
	close_input
	wait_bg writer
	assert_equal "$status" 0
	run ! segment_id_field "$id" shmid
}

# bats test_tags=points:1
@test "shm-stat: no such segment: ENOENT by key, EINVAL by id" {
	run --separate-stderr lab shm-stat -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "shm-stat: shmget key $KEY_HEX: No such file or directory (ENOENT)"
	run --separate-stderr lab shm-stat -i 123456
	assert_failure 1
	assert_equal "$stderr" "shm-stat: shmctl IPC_STAT segment 123456: Invalid argument (EINVAL)"
}

# ---------------------------------------------------------------- keys

# bats test_tags=points:1
@test "shm-write/read/stat: ftok(\".\", 'a') by default, so one folder meets" {
	require_namespace
	local dir=$BATS_TEST_TMPDIR/folder key
	mkdir "$dir"
	key=$(ftok_a "$dir")
	run --separate-stderr in_dir "$dir" lab shm-write
	assert_success
	segment_exists "$key"
	run --separate-stderr in_dir "$dir" lab shm-stat
	assert_line "key: $key"
	run --separate-stderr in_dir "$dir" lab shm-read
	assert_output "Message from shared memory: Hello, world!"
	segment_gone "$key"
}

# bats test_tags=points:1
@test "shm-write/read/stat: -p PATH is ftok(PATH, 'a'), before IPC_LAB_KEY" {
	local file=$BATS_TEST_TMPDIR/key-file key
	touch "$file"
	key=$(ftok_a "$file")
	IPC_LAB_KEY=$KEY run --separate-stderr lab shm-write -p "$file" by-path
	assert_success
	segment_exists "$key"
	segment_gone "$KEY"
	run --separate-stderr lab shm-stat -p "$file"
	assert_line "key: $key"
	IPC_LAB_KEY=$KEY run --separate-stderr lab shm-read -p "$file"
	assert_output "Message from shared memory: by-path"
	segment_gone "$key"
}

# bats test_tags=points:1
@test "shm-write/read/stat: IPC_LAB_KEY without -k or -p; -k first" {
	IPC_LAB_KEY=$KEY_HEX run --separate-stderr lab shm-write from-env
	assert_success
	segment_exists "$KEY"
	IPC_LAB_KEY=$((KEY + 1)) run --separate-stderr lab shm-stat -k "$KEY"
	assert_line "key: $KEY_HEX"
	IPC_LAB_KEY=$KEY run --separate-stderr lab shm-read
	assert_output "Message from shared memory: from-env"
}

# bats test_tags=points:1
@test "shm-write/read/stat: -p of a missing file: ftok fails, exit 1" {
	local prog
	for prog in shm-write shm-read shm-stat; do
		run --separate-stderr lab "$prog" -p "$BATS_TEST_TMPDIR/missing"
		assert_failure 1
		assert_equal "$stderr" "$prog: ftok $BATS_TEST_TMPDIR/missing: No such file or directory (ENOENT)"
	done
}

# ------------------------------------------------- shm-producer, shm-consumer

# start_consumer ARGS...: shm-consumer in the background, asleep waiting
# for a text; its pid in CONSUMER_PID.
start_consumer() {
	lab_bg_started consumer shm-consumer "$@"
	CONSUMER_PID=$PROGRAM_PID
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$CONSUMER_PID"
}

# start_producer_waiting INPUT ARGS...: shm-producer in the background
# reading INPUT, asleep waiting for the consumer; its pid in PRODUCER_PID.
start_producer_waiting() {
	lab_bg_started -i "$1" producer shm-producer "${@:2}"
	PRODUCER_PID=$PROGRAM_PID
	wait_for producer "shm-producer to wait for the consumer" blocked_in_futex "$PRODUCER_PID"
}

# finish NAME: NAME ends with status 0.
finish() {
	wait_bg "$1"
	assert_equal "$status" 0
}

# you_wrote LINE...: the consumer's output for these texts.
you_wrote() { printf 'You wrote: %s\n' "$@"; }

# lines_file NAME N: N numbered lines in $BATS_TEST_TMPDIR/NAME.
lines_file() { seq -f 'line %g of many' "$2" >"$BATS_TEST_TMPDIR/$1"; }

# bats test_tags=points:1
@test "consumer first: 'You wrote: TEXT' for each line, then both end and the segment goes" {
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" <<<$'hello\nsecond line\nend'
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" \
		"You wrote: hello" "You wrote: second line" "You wrote: end"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/consumer.err")" ""
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "producer first: the text waits in the segment until the consumer comes" {
	printf 'first\nsecond\nend\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	assert_equal "$(segment_field "$KEY" nattch)" 1
	run --separate-stderr lab shm-consumer -k "$KEY"
	assert_success
	assert_output "$(you_wrote first second end)"
	finish producer
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "1000 lines, consumer first: each exactly once, in order" {
	lines_file input 1000
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" <"$BATS_TEST_TMPDIR/input"
	assert_success
	finish consumer
	run diff <(sed 's/^/You wrote: /' "$BATS_TEST_TMPDIR/input"; echo "You wrote: end") \
		"$BATS_TEST_TMPDIR/consumer.out"
	assert_success
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "1000 lines, producer first: each exactly once, in order" {
	lines_file input 1000
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	lab shm-consumer -k "$KEY" >"$BATS_TEST_TMPDIR/consumer.out"
	finish producer
	run diff <(sed 's/^/You wrote: /' "$BATS_TEST_TMPDIR/input"; echo "You wrote: end") \
		"$BATS_TEST_TMPDIR/consumer.out"
	assert_success
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "started at the same moment, 25 times: set up once, every line once, in order" {
	local i
	lines_file input 50
	for ((i = 0; i < 25; i++)); do
		lab_bg -i "$BATS_TEST_TMPDIR/input" producer shm-producer -k "$KEY"
		lab_bg consumer shm-consumer -k "$KEY"
		finish producer
		finish consumer
		run diff <(sed 's/^/You wrote: /' "$BATS_TEST_TMPDIR/input"; echo "You wrote: end") \
			"$BATS_TEST_TMPDIR/consumer.out"
		assert_success
		segment_gone "$KEY"
	done
}

# The creator stopped between shmget and publishing "ready": the other one
# must wait, asleep, and go on once the creator has set the segment up.
# start_caught_in_sem_init [-i FILE] NAME PROG ARGS...: lab_bg_started, with
# the shim stopping PROG in its first sem_init (its segment made, not yet
# set up); returns once it has stopped, its pid in $PROGRAM_PID.
start_caught_in_sem_init() {
	SHIM_STOP_IN_SEM_INIT=1 LD_PRELOAD=$SHIM lab_bg_started "$@"
	while [ "${1:0:1}" = - ]; do shift 2; done
	wait_for "$1" "$2 to stop in sem_init" is_stopped "$PROGRAM_PID"
}

# bats test_tags=points:1
@test "the creator caught before setting up: the other side waits without CPU, then all goes" {
	start_caught_in_sem_init consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	printf 'one\ntwo\n' >"$BATS_TEST_TMPDIR/input"
	lab_bg_started -i "$BATS_TEST_TMPDIR/input" producer shm-producer -k "$KEY"
	PRODUCER_PID=$PROGRAM_PID
	wait_for producer "the producer to wait for ready" blocked_in_nanosleep "$PRODUCER_PID"
	assert_idle "$PRODUCER_PID"
	assert_equal "$(segment_field "$KEY" nattch)" 2
	kill -CONT "$CONSUMER_PID"
	finish producer
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" \
		"You wrote: one" "You wrote: two" "You wrote: end"
}

# pauses_traced FILE: the pauses asked of nanosleep in an strace log, in ms,
# one line each, in order (none while strace has not made FILE yet).
pauses_traced() {
	grep -o 'tv_sec=[0-9]*, tv_nsec=[0-9]*' "$1" 2>/dev/null |
		awk -F'[=,]' '{ print $2 * 1000 + $4 / 1000000 }'
}

# pauses_at_least N FILE: FILE shows N pauses or more.
pauses_at_least() { [ "$(pauses_traced "$2" | wc -l)" -ge "$1" ]; }

# The waiter's pauses, seen by strace: load cannot make them more frequent
# than asked, so this holds on any machine, where assert_idle measures.
# bats test_tags=points:1
@test "the creator caught before setting up: the other side looks after 1, 2, 4 ... ms, then every 200 ms" {
	require_strace
	start_caught_in_sem_init consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	printf 'one\n' >"$BATS_TEST_TMPDIR/input"
	# lab_bg with strace in front: the producer's pauses in $trace.
	local trace=$BATS_TEST_TMPDIR/trace
	# LeakSanitizer cannot work under ptrace (make sanitize): no leak check.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout -k "$KILL_AFTER" "$LAB_TIMEOUT" "${NS_ENTER[@]}" strace -qq -o "$trace" -e trace=nanosleep,clock_nanosleep \
		"${RUN_AS[@]}" "$LAB_DIR/shm-producer" -k "$KEY" <"$BATS_TEST_TMPDIR/input" \
		>"$BATS_TEST_TMPDIR/producer.out" 2>"$BATS_TEST_TMPDIR/producer.err" 3>&- &
	# shellcheck disable=SC2034 # lab_helper's table of background programs
	BG[producer]=$!
	wait_for producer "the producer to look 10 times" pauses_at_least 10 "$trace"
	kill -CONT "$CONSUMER_PID"
	finish producer
	finish consumer
	assert_equal "$(pauses_traced "$trace" | head -n 10 | paste -sd ' ')" "1 2 4 8 16 32 64 128 200 200"
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: one" "You wrote: end"
}

# bats test_tags=points:1
@test "the producer as the creator caught before setting up: the consumer waits, then all goes" {
	printf 'one\n' >"$BATS_TEST_TMPDIR/input"
	start_caught_in_sem_init -i "$BATS_TEST_TMPDIR/input" producer shm-producer -k "$KEY"
	PRODUCER_PID=$PROGRAM_PID
	lab_bg_started consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	wait_for consumer "the consumer to wait for ready" blocked_in_nanosleep "$CONSUMER_PID"
	kill -CONT "$PRODUCER_PID"
	finish producer
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: one" "You wrote: end"
}

# bats test_tags=points:1
@test "the creator killed before setting up: the other side says so (ESRCH), no wait forever" {
	local id
	start_caught_in_sem_init producer shm-producer -k "$KEY"
	PRODUCER_PID=$PROGRAM_PID
	id=$(segment_field "$KEY" shmid)
	lab_bg_started consumer shm-consumer -k "$KEY"
	kill -KILL "$PRODUCER_PID"
	wait_bg producer
	wait_bg consumer
	assert_equal "$status" 1
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.err" \
		"shm-consumer: segment $id: its creator, pid $PRODUCER_PID, ended before setting it up (remove it with: ipcrm -M $KEY_HEX): No such process (ESRCH)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/consumer.out")" ""
	in_ns ipcrm -M "$KEY_HEX"
}

# bats test_tags=points:1
@test "the consumer stopped by SIGTERM before setting up: it removes the segment, the producer ends (EIDRM)" {
	start_caught_in_sem_init consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	lab_bg_started producer shm-producer -k "$KEY"
	PRODUCER_PID=$PROGRAM_PID
	wait_for producer "the producer to wait for ready" blocked_in_nanosleep "$PRODUCER_PID"
	kill -TERM "$CONSUMER_PID"
	kill -CONT "$CONSUMER_PID"
	wait_bg consumer
	assert_equal "$status" 143
	wait_bg producer
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/producer.err"
	assert_output --regexp '^shm-producer: segment [0-9]+ was removed before it was set up: Identifier removed \(EIDRM\)$'
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "the end of input sends 'end' as if typed" {
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" < <(printf 'a\nno newline at the end')
	assert_success
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" \
		"You wrote: a" "You wrote: no newline at the end" "You wrote: end"
}

# bats test_tags=points:1
@test "a line starting with 'end' is the last: both stop there" {
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" <<<$'x\nendless\nnever sent'
	assert_success
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: x" "You wrote: endless"
}

# bats test_tags=points:1
@test "empty lines and odd bytes are handed over exactly" {
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" < <(printf '\n%%s %%d\ntab\there\n  spaced  \n')
	assert_success
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: " "You wrote: %s %d" \
		$'You wrote: tab\there' "You wrote:   spaced  " "You wrote: end"
}

# bats test_tags=points:1
@test "a text of exactly 2048 bytes is one hand-off; 2049 bytes is two, no byte lost" {
	local full
	full=$(repeat a 2048)
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" <<<"$full"$'\n'"${full}b"
	assert_success
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: $full" \
		"You wrote: $full" "You wrote: b" "You wrote: end"
}

# bats test_tags=points:1
@test "a long line is never cut just before 'end'" {
	local head
	head=$(repeat a 2048)
	start_consumer -k "$KEY"
	run --separate-stderr lab shm-producer -k "$KEY" <<<"${head}end and more"$'\nlast'
	assert_success
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: $(repeat a 2047)" \
		"You wrote: aend and more" "You wrote: last" "You wrote: end"
}

# bats test_tags=points:1
@test "the consumer idle for a second uses under 5% of a core" {
	start_consumer -k "$KEY"
	assert_idle "$CONSUMER_PID"
	wait_for consumer "the consumer to be asleep in sem_wait still" blocked_in_futex "$CONSUMER_PID"
	lab shm-producer -k "$KEY" </dev/null
	finish consumer
}

# bats test_tags=points:1
@test "the producer waiting for the consumer uses under 5% of a core" {
	printf 'one\ntwo\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	assert_idle "$PRODUCER_PID"
	run --separate-stderr lab shm-consumer -k "$KEY"
	assert_output "$(you_wrote one two end)"
	finish producer
}

consumer_stopped_by() {
	local signal=$1 code=$2
	start_consumer -k "$KEY"
	kill "-$signal" "$CONSUMER_PID"
	wait_bg consumer
	assert_equal "$status" "$code"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "SIGTERM to the waiting consumer removes the segment" {
	consumer_stopped_by TERM 143
}

# bats test_tags=points:1
@test "SIGINT to the waiting consumer removes the segment" {
	consumer_stopped_by INT 130
}

# bats test_tags=points:1
@test "SIGHUP to the waiting consumer removes the segment" {
	consumer_stopped_by HUP 129
}

# producer_stopped_by SIGNAL STATUS: the producer is not the remover: its
# text stays in the segment, and the next consumer prints it.
producer_stopped_by() {
	local signal=$1 code=$2
	printf 'pending\nnever read\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	kill "-$signal" "$PRODUCER_PID"
	wait_bg producer
	assert_equal "$status" "$code"
	assert_equal "$(segment_field "$KEY" nattch)" 0
	start_consumer -k "$KEY"
	# It took "pending" at once and waits for more: a new producer ends it.
	lab shm-producer -k "$KEY" <<<"end"
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: pending" "You wrote: end"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "SIGTERM to the waiting producer: the segment and its text stay for the consumer" {
	producer_stopped_by TERM 143
}

# bats test_tags=points:1
@test "SIGINT to the waiting producer: the segment and its text stay for the consumer" {
	producer_stopped_by INT 130
}

# consumer_stopped_under_producer SIGNAL STATUS: the producer waits for
# the consumer, which is stuck printing (a full FIFO); a signal stops the
# consumer: it removes the segment, and the producer, waiting, notices.
consumer_stopped_under_producer() {
	local signal=$1 code=$2
	printf 'one\ntwo\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	full_fifo consumer.out
	lab_bg_started consumer shm-consumer -k "$KEY"
	CONSUMER_PID=$PROGRAM_PID
	wait_for consumer "the consumer to block printing" blocked_in_pipe_write "$CONSUMER_PID"
	wait_for producer "the producer to wait for the consumer" blocked_in_futex "$PRODUCER_PID"
	kill "-$signal" "$CONSUMER_PID"
	wait_bg consumer
	assert_equal "$status" "$code"
	wait_bg producer
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/producer.err"
	assert_output --regexp '^shm-producer: waiting for the consumer: segment [0-9]+ was removed: Identifier removed \(EIDRM\)$'
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "SIGTERM to the consumer while the producer waits: the segment goes, the producer ends (EIDRM)" {
	consumer_stopped_under_producer TERM 143
}

# bats test_tags=points:1
@test "SIGINT to the consumer while the producer waits: the segment goes, the producer ends (EIDRM)" {
	consumer_stopped_under_producer INT 130
}

# bats test_tags=points:1
@test "a segment removed under the waiting consumer: it ends with EIDRM, exit 1" {
	start_consumer -k "$KEY"
	in_ns ipcrm -M "$KEY_HEX"
	wait_bg consumer
	assert_equal "$status" 1
	run cat "$BATS_TEST_TMPDIR/consumer.err"
	assert_output --regexp '^shm-consumer: waiting for the producer: segment [0-9]+ was removed: Identifier removed \(EIDRM\)$'
}

# bats test_tags=points:1
@test "a segment of another size under the key: both refuse it (EINVAL) and leave it alone" {
	local prog id
	make_segment "$KEY" 1024 "not ours"
	id=$(segment_field "$KEY" shmid)
	for prog in shm-producer shm-consumer; do
		run --separate-stderr lab "$prog" -k "$KEY" <<<"end"
		assert_failure 1
		assert_output ""
		[[ $stderr =~ ^"$prog: shmget key $KEY_HEX (segment $id under this key has 1024 bytes, not "[0-9]+": it was made by another program; remove it with: ipcrm -M $KEY_HEX): Invalid argument (EINVAL)"$ ]] ||
			fail "stderr: $stderr"
	done
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: not ours"
}

# bats test_tags=points:1
@test "consumer output that cannot be written: exit 1, the text stays for the next consumer" {
	printf 'a\nb\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY"
	run --separate-stderr lab_into_full shm-consumer -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "shm-consumer: write standard output (the text stays in the segment for the next shm-consumer): No space left on device (ENOSPC)"
	segment_exists "$KEY"
	run --separate-stderr lab shm-consumer -k "$KEY"
	assert_success
	assert_output "$(you_wrote a b end)"
	finish producer
}

# bats test_tags=points:1
@test "shm-producer prompts only on a terminal" {
	start_consumer -k "$KEY"
	run --separate-stderr lab_tty shm-producer -k "$KEY" <<<$'hi\nend'
	assert_success
	assert_equal "$(grep -o 'Enter some text: ' <<<"$output" | wc -l)" 2
	finish consumer
	assert_file_lines "$BATS_TEST_TMPDIR/consumer.out" "You wrote: hi" "You wrote: end"
}

# bats test_tags=points:1
@test "producer and consumer: the article's key 1234 by default, IPC_LAB_KEY overrides it" {
	require_namespace
	start_consumer
	segment_exists 1234
	run --separate-stderr lab shm-producer <<<"end"
	assert_success
	finish consumer
	segment_gone 1234
	IPC_LAB_KEY=$KEY_HEX start_consumer
	segment_exists "$KEY"
	IPC_LAB_KEY=$KEY lab shm-producer </dev/null
	finish consumer
}

# bats test_tags=points:1
@test "producer and consumer: a new segment gets mode 0600, or -m MODE" {
	start_consumer -k "$KEY"
	assert_equal "$(segment_field "$KEY" perms)" 600
	lab shm-producer -k "$KEY" </dev/null
	finish consumer
	start_consumer -k "$KEY" -m 0640
	assert_equal "$(segment_field "$KEY" perms)" 640
	lab shm-producer -k "$KEY" -m 0666 </dev/null
	finish consumer
	printf 'x\n' >"$BATS_TEST_TMPDIR/input"
	start_producer_waiting "$BATS_TEST_TMPDIR/input" -k "$KEY" -m 0604
	assert_equal "$(segment_field "$KEY" perms)" 604
	lab shm-consumer -k "$KEY" >/dev/null
	finish producer
}

# ---------------------------------------------------------------- usage

# bats test_tags=points:1
@test "-h prints usage on stdout and exits 0" {
	local prog
	for prog in shm-write shm-read shm-stat shm-producer shm-consumer; do
		assert_help "$prog" "usage: $prog ["
	done
}

# bats test_tags=points:1
@test "bad usage: usage on stderr, exit 2, and no segment is touched" {
	local prog args
	lab shm-write -k "$KEY" untouched >/dev/null
	for prog in shm-write shm-read shm-stat shm-producer shm-consumer; do
		for args in "-z" "-k" "-k zz" "-k 0" "-k -5" "-k 1e3" "-k $KEY one two"; do
			# shellcheck disable=SC2086 # split the arguments on purpose
			assert_bad_usage "$prog" $args
		done
	done
	for prog in shm-write shm-read shm-stat; do
		assert_bad_usage "$prog" -k "$KEY" -p "$BATS_TEST_TMPDIR"
		assert_bad_usage "$prog" -p "$BATS_TEST_TMPDIR" -k "$KEY"
		assert_bad_usage "$prog" -p
		IPC_LAB_KEY=zz assert_bad_usage "$prog"
		IPC_LAB_KEY=0 assert_bad_usage "$prog"
	done
	for args in "-m 8" "-m x" "-m 01000" "-m"; do
		# shellcheck disable=SC2086
		assert_bad_usage shm-write -k "$KEY" $args
		# shellcheck disable=SC2086
		assert_bad_usage shm-producer -k "$KEY" $args
		# shellcheck disable=SC2086
		assert_bad_usage shm-consumer -k "$KEY" $args
	done
	assert_bad_usage shm-write -k "$KEY" one two
	assert_bad_usage shm-read -k "$KEY" -w
	assert_bad_usage shm-read -k "$KEY" -m 0600
	for args in "-i" "-i x" "-i -1" "-i 2147483648" "-i 0 -k $KEY" "-p $BATS_TEST_TMPDIR -i 0"; do
		# shellcheck disable=SC2086
		assert_bad_usage shm-stat $args
	done
	# The segment was neither written, read, nor removed; nothing else made.
	assert_equal "$(sysvipc shm | wc -l)" 1
	run --separate-stderr lab shm-read -k "$KEY"
	assert_output "Message from shared memory: untouched"
}

# bats test_tags=points:1
@test "another user's segment is refused by shm-write, shm-read and the consumer unless -o" {
	if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null; then
		skip "needs root to run programs as nobody and daemon"
	fi
	have_namespace || skip "needs a private IPC namespace"
	in_ns runuser -u nobody -- "$LAB_DIR/shm-write" -k "$KEY" -m 0666 planted >/dev/null
	local refused="shmget key $KEY_HEX (the segment belongs to uid 65534, not to you: choose a key of your own with -k KEY or IPC_LAB_KEY, or pass -o to use it anyway): Operation not permitted (EPERM)"
	local prog
	for prog in shm-write shm-read shm-consumer; do
		run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/$prog" -k "$KEY" </dev/null
		assert_failure 1
		assert_equal "$stderr" "$prog: $refused"
	done
	# -o: daemon reads it anyway, warned that anyone can write it.
	run --separate-stderr in_ns runuser -u daemon -- "$LAB_DIR/shm-read" -k "$KEY" -K -o
	assert_success
	assert_output "Message from shared memory: planted"
	assert_equal "$stderr" "shm-read: warning: the segment with key $KEY_HEX can be read or written by other users (mode 0666)"
	in_ns ipcrm -M "$KEY_HEX"
}
