#!/usr/bin/env bats
# Faults (issue 8): numbers and keys: malformed and out-of-range keys, modes,
# types, sizes and ids, in every program that takes them.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# ------------------------------------------------------- numbers and keys

KEY_PROGRAMS=(msgqueue-chat:chat msgqueue-chat:chat-send msgqueue-chat:chat-recv
	msgtype-filter:typed-send msgtype-filter:typed-recv msgtype-filter:queue-stat
	shm-fork-check:shm-check shm-writer-reader:shm-write shm-writer-reader:shm-read
	shm-writer-reader:shm-stat shm-writer-reader:shm-producer shm-writer-reader:shm-consumer)

# bats test_tags=points:1
@test "keys: malformed or out of range after -k, in all twelve programs: one line, exit 2" {
	local entry prog key keys
	for entry in "${KEY_PROGRAMS[@]}"; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		# One parser for all: every program gets four kinds of junk, one
		# program (typed-recv) the whole list.
		keys=('' -1 12x 0x100000000)
		[ "$prog" = typed-recv ] && keys=('' ' 1' '1 ' '+1' '-1' '0x' '0x100000000' '4294967296'
			'99999999999999999999' '12x' '08' '1e3')
		for key in "${keys[@]}"; do
			assert_usage_error "$prog: bad key '$key' from -k: expected a number such as 752364, 0x121212 or 041375" \
				"$prog" -k "$key"
		done
	done
	no_objects
}

# bats test_tags=points:1
@test "keys: malformed IPC_LAB_KEY in all twelve programs: one line naming it, exit 2; -k wins over it" {
	local entry prog key keys
	for entry in "${KEY_PROGRAMS[@]}"; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		keys=(junk 0x1ffffffff)
		[ "$prog" = typed-send ] && keys=(junk '' ' 5' '0x1ffffffff' '-7')
		for key in "${keys[@]}"; do
			IPC_LAB_KEY=$key assert_usage_error \
				"$prog: bad key '$key' from IPC_LAB_KEY: expected a number such as 752364, 0x121212 or 041375" "$prog"
		done
	done
	no_objects
	# -k given: IPC_LAB_KEY is not even read.
	in_lab msgtype-filter
	IPC_LAB_KEY=junk run --separate-stderr lab typed-send -k "$KEY" 1:x
	assert_success
	assert_output "send mtype=1, mtext=x"
	IPC_LAB_KEY=junk run --separate-stderr lab queue-stat -k "$KEY" -r
	assert_success
	assert_line "messages: 1"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "keys: 0 (IPC_PRIVATE), however written, is refused with each program's own reason" {
	local entry prog zero reason
	declare -A reason=(
		[chat-send]="chat-recv could never open that queue"
		[chat-recv]="chat-send could never open that queue"
		[typed-send]="no other program could open that queue"
		[typed-recv]="that would be a new, empty queue"
		[queue-stat]="it names no existing queue"
		[shm-write]="no other program could find that segment"
		[shm-read]="no other program could find that segment"
		[shm-stat]="no other program could find that segment"
		[shm-producer]="shm-consumer could never find that segment"
		[shm-consumer]="shm-producer could never find that segment")
	for entry in "${KEY_PROGRAMS[@]}"; do
		prog=${entry#*:}
		[ -n "${reason[$prog]:-}" ] || continue # chat and shm-check take key 0
		in_lab "${entry%%:*}"
		for zero in 0 0x00000000; do
			assert_usage_error "$prog: key 0 is IPC_PRIVATE: ${reason[$prog]}" "$prog" -k "$zero"
		done
		IPC_LAB_KEY=0 assert_usage_error "$prog: key 0 is IPC_PRIVATE: ${reason[$prog]}" "$prog"
	done
	no_objects
}

# bats test_tags=points:1
@test "keys: the highest key, 0xffffffff, is a key like any other (no sign trouble)" {
	require_namespace
	run --separate-stderr lab typed-send -k 0xffffffff 2:top
	assert_success
	# /proc/sysvipc/msg prints the key as a signed int: -1.
	queue_exists -1
	run --separate-stderr lab queue-stat -k 4294967295
	assert_success
	assert_line "key: 0xffffffff"
	run --separate-stderr lab typed-recv -k 037777777777 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=2, mtext=top"
	queue_gone -1
}

# bats test_tags=points:1
@test "modes: malformed or over 0777 in the nine programs that take -m: one line, exit 2, nothing made" {
	local entry prog mode modes args
	cd "$BATS_TEST_TMPDIR"
	for entry in msgqueue-chat:chat msgqueue-chat:chat-send msgqueue-chat:chat-recv \
		msgtype-filter:typed-send shm-fork-check:shm-check shm-writer-reader:shm-write \
		shm-writer-reader:shm-producer shm-writer-reader:shm-consumer mmap-file:mmap-write; do
		in_lab "${entry%%:*}"
		prog=${entry#*:}
		args=(-k "$KEY")
		case $prog in
		typed-send) args+=(1:x) ;;
		mmap-write) args=(made.txt text) ;;
		esac
		modes=(8 01000 +600 '')
		[ "$prog" = chat-send ] && modes=(8 0800 01000 1000 +600 -0 ' 600' '600 ' '' 0x1ff rw 6OO)
		for mode in "${modes[@]}"; do
			assert_usage_error "$prog: bad mode '$mode': expected octal such as 0600" "$prog" -m "$mode" "${args[@]}"
		done
	done
	no_objects
	[ ! -e made.txt ] || fail "mmap-write made its file"
	# The top of the range is a mode like any other.
	in_lab msgtype-filter
	lab typed-send -k "$KEY" -m 0777 1:x >/dev/null
	assert_equal "$(queue_field "$KEY" perms)" 777
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "typed-recv: -t, -b and -c malformed or out of range: one line each, exit 2, the queue untouched" {
	local value
	lab typed-send -k "$KEY" 2: 2:abc >/dev/null
	for value in x 1.5 '' +2 ' 2' '2 ' - --1 0x2 -9223372036854775809 9223372036854775808; do
		assert_usage_error "typed-recv: bad message type '$value': expected an integer" typed-recv -k "$KEY" -t "$value"
	done
	for value in -1 16777217 +5 x '' 1k -0 ' 5' 99999999999999999999; do
		assert_usage_error "typed-recv: bad buffer size '$value': expected 0 to 16777216 bytes" typed-recv -k "$KEY" -b "$value"
	done
	for value in 0 -1 +1 x '' '1 ' 9223372036854775808; do
		assert_usage_error "typed-recv: bad count '$value': expected a positive integer" typed-recv -k "$KEY" -c "$value"
	done
	assert_equal "$(queue_field "$KEY" qnum)" 2
	assert_equal "$(queue_field "$KEY" lrpid)" 0
	# The ends of each range are accepted: -b 0 takes the empty message and
	# nothing longer (E2BIG, it stays queued); -b 16777216 and the largest
	# -c and -t are fine.
	run --separate-stderr lab typed-recv -k "$KEY" -b 0 -c 1
	assert_success
	assert_output "rcv rcv_ret=0, mtype=2, mtext="
	run --separate-stderr lab typed-recv -k "$KEY" -b 0
	assert_error_only_like '^typed-recv: msgrcv queue [0-9]+: the message is longer than 0 bytes and stays queued \(-e cuts it, -b gives a bigger buffer\): Argument list too long \(E2BIG\)$'
	assert_equal "$(queue_field "$KEY" cbytes)" 3
	run --separate-stderr lab typed-recv -k "$KEY" -b 16777216 -c 9223372036854775807 -t -9223372036854775807 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=2, mtext=abc"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "typed-send: a TYPE over LONG_MAX is refused before any queue; LONG_MAX itself travels" {
	local arg
	for arg in 9223372036854775808:x 18446744073709551617:x 0x10:x '1 :x' 1e2:x; do
		assert_usage_error "typed-send: bad message '$arg': expected TYPE:TEXT with TYPE a positive integer" \
			typed-send -k "$KEY" 1:first "$arg"
	done
	queue_gone "$KEY"
	run --separate-stderr lab typed-send -k "$KEY" 9223372036854775807:max
	assert_success
	assert_output "send mtype=9223372036854775807, mtext=max"
	run --separate-stderr lab typed-recv -k "$KEY" -t 9223372036854775807 -n -r
	assert_success
	assert_output "rcv rcv_ret=3, mtype=9223372036854775807, mtext=max"
}

# bats test_tags=points:1
@test "shm-check: -s malformed or out of range: one line naming the range, exit 2, no segment" {
	local size min
	in_lab shm-fork-check
	min=$(($(getconf LONG_BIT) / 8 + 1))
	for size in $((min - 1)) 0 -9 x 4k 1073741825 '' " $min" "+$min" 9223372036854775808 0x100 1.5; do
		assert_usage_error "shm-check: bad size '$size': expected $min to 1073741824 bytes" shm-check -k "$KEY" -s "$size"
	done
	no_objects
}

# bats test_tags=points:1
@test "shm-stat: -i malformed or out of range: one line, exit 2; a valid id with no segment: EINVAL, exit 1" {
	local id
	in_lab shm-writer-reader
	for id in x -1 2147483648 '' +1 ' 1' '1 ' 0x1 99999999999999999999; do
		assert_usage_error "shm-stat: bad segment id '$id': expected 0 to 2147483647" shm-stat -i "$id"
	done
	run --separate-stderr lab shm-stat -i 2147483647 -r
	assert_error_only "shm-stat: shmctl IPC_STAT segment 2147483647: Invalid argument (EINVAL)"
	no_objects
}

# bats test_tags=points:1
@test "mmap-copy: -w malformed or out of range: one line, exit 2, no file; 1 and 1024 copy exactly" {
	local window
	in_lab mmap-copy
	mkdir "$BATS_TEST_TMPDIR/files"
	cd "$BATS_TEST_TMPDIR/files"
	head -c 300000 /dev/urandom >src
	for window in ' 1' 1.5 0x10 '2 ' -0 '' 1025 0 99999999999999999999; do
		assert_usage_error "mmap-copy: bad window '$window': expected 1 to 1024 (MiB)" mmap-copy -w "$window" src dst
	done
	run ls -A
	assert_output "src"
	for window in 1 1024; do
		run --separate-stderr lab mmap-copy -v -w "$window" src "dst$window"
		assert_success
		assert_output "copied 300000 bytes"
		cmp src "dst$window"
	done
}
