#!/usr/bin/env bats
# Faults (issue 8): the end of input at every prompt; NUL bytes, CRLF and 1
# MiB lines.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# ------------------------------------------------- the end of input at a prompt

# bats test_tags=points:1
@test "end of input at chat-send's first prompt: the prompt's line is ended, 'end' is sent, exit 0" {
	in_lab msgqueue-chat
	run --separate-stderr lab_tty chat-send -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter some text: \r'
	assert_equal "$(queue_field "$KEY" qnum)" 1
	# "end", a newline and a NUL, as if typed.
	assert_equal "$(queue_field "$KEY" cbytes)" 5
	run --separate-stderr lab chat-recv -k "$KEY"
	assert_output "You wrote: end"
}

# bats test_tags=points:1
@test "end of input at typed-send's first prompt: nothing sent, exit 0, the queue left empty for others" {
	run --separate-stderr lab_tty typed-send -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter the message text:\r'
	assert_equal "$(queue_field "$KEY" qnum)" 0
	in_ns ipcrm -Q "$KEY_HEX"
}

# bats test_tags=points:1
@test "end of input at shm-producer's first prompt: the line is ended, 'end' handed over, both exit 0" {
	in_lab shm-writer-reader
	lab_bg_started consumer shm-consumer -k "$KEY"
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$PROGRAM_PID"
	run --separate-stderr lab_tty shm-producer -k "$KEY" </dev/null
	assert_success
	assert_output $'Enter some text: \r'
	wait_bg consumer
	assert_equal "$status" 0
	file_one_line "$BATS_TEST_TMPDIR/consumer.out" "You wrote: end"
	segment_gone "$KEY"
}

# bats test_tags=points:1
@test "end of input at shm-write -w's prompt: the line is ended, the segment removed, exit 0" {
	in_lab shm-writer-reader
	run --separate-stderr lab_tty shm-write -k "$KEY" -w </dev/null
	assert_success
	assert_output --regexp $'^shmid : [0-9]+\r\nPress Enter to detach and remove the segment: \r$'
	assert_equal "$stderr" ""
	segment_gone "$KEY"
}

# ------------------------------------------- NUL bytes, CRLF, a 1 MiB line

# odd_input FILE: lines with NUL bytes (first, inside, last), CRLF endings,
# a bare CR, an empty line, a 1 MiB line cycling through the bytes 0 to 250
# (the newline, 10, made 11), and a last line without a newline.  No line
# starts with, and no piece of a cut line could start with, an end word
# ("end", "exit"): the cut rule does not apply, pieces() need not know it.
odd_input() {
	perl -e '
		binmode STDOUT;
		print "plain line\n", "nul\0in\0the middle\0\n", "\0starts with a NUL\n",
			"crlf line\r\n", "\r\n", "\n";
		print join("", map { my $b = $_ % 251; chr($b == 10 ? 11 : $b) } 0 .. 1048575), "\n";
		print "after the long line\r\n", "no newline at the end";' >"$1"
}

# pieces CAPACITY TEMPLATE <INPUT: what a receiver prints for INPUT, each line
# cut into pieces of at most CAPACITY bytes (an empty line is one empty
# piece).  TEMPLATE is a perl expression of $piece, $length, $shown (the
# piece up to its first NUL: what a receiver prints of it) and $line (the
# line's index, from 0).
pieces() {
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	perl -e '
		my ($capacity, $template) = @ARGV;
		binmode STDIN;
		binmode STDOUT;
		my $line = 0;
		while (my $text = <STDIN>) {
			chomp $text;
			my $sent = 0;
			do {
				my $piece = substr($text, $sent, $capacity);
				my $length = length $piece;
				(my $shown = $piece) =~ s/\0.*//s;
				print eval $template;
				die $@ if $@;
				$sent += $length;
			} while ($sent < length $text);
			$line++;
		}' "$@"
}

# assert_same_bytes EXPECTED GOT: the two files are equal, byte for byte.
assert_same_bytes() {
	cmp "$1" "$2" >/dev/null ||
		fail "$(printf '%s and %s differ: %s (%s and %s bytes)' "${1##*/}" "${2##*/}" \
			"$(cmp "$1" "$2" 2>&1 | head -n 1)" "$(stat -c %s "$1")" "$(stat -c %s "$2")")"
}

# bats test_tags=points:1
@test "chat-send to chat-recv: NUL bytes, CRLF and a 1 MiB line: every piece arrives, printed up to its first NUL" {
	local t=$BATS_TEST_TMPDIR
	in_lab msgqueue-chat
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	# 510 bytes of a line a message, then its newline (in the last) and a NUL.
	{ pieces 510 '"You wrote: $shown\n"' <"$t/input"; echo 'You wrote: end'; } >"$t/expected"
	lab_bg_receiving recv chat-recv -k "$KEY"
	run --separate-stderr lab chat-send -k "$KEY" <"$t/input"
	assert_success
	assert_equal "$stderr" ""
	wait_bg recv
	assert_equal "$status" 0
	assert_same_bytes "$t/expected" "$t/recv.out"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "typed-send to typed-recv: NUL bytes, CRLF and a 1 MiB line: every byte sent, rcv_ret all of it, printed up to a NUL" {
	local t=$BATS_TEST_TMPDIR count
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables
	pieces 50 '"send mtype=" . ($line % 2 + 1) . ", mtext=$piece\n"' <"$t/input" >"$t/expected-send"
	# shellcheck disable=SC2016
	pieces 50 '"rcv rcv_ret=$length, mtype=" . ($line % 2 + 1) . ", mtext=$shown\n"' <"$t/input" >"$t/expected-recv"
	count=$(wc -l <"$t/expected-recv")
	lab typed-send -k "$KEY" </dev/null # the queue, empty
	lab_bg_receiving recv typed-recv -k "$KEY" -t 0 -c "$count" -r
	lab typed-send -k "$KEY" <"$t/input" >"$t/send.out" 2>"$t/send.err" ||
		fail "typed-send: exit $?: $(cat "$t/send.err")"
	assert_equal "$(cat "$t/send.err")" ""
	assert_same_bytes "$t/expected-send" "$t/send.out"
	wait_bg recv
	assert_equal "$status" 0
	assert_same_bytes "$t/expected-recv" "$t/recv.out"
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "chat: NUL bytes, CRLF and a 1 MiB line: every piece arrives, printed up to its first NUL" {
	local t=$BATS_TEST_TMPDIR
	in_lab msgqueue-chat
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	{ pieces 256 '"new message: $shown\n"' <"$t/input"; printf 'new message: exit\nchat ended\n'; } >"$t/expected"
	lab chat -k "$KEY" <"$t/input" >"$t/chat.out" 2>"$t/chat.err" ||
		fail "chat: exit $?: $(cat "$t/chat.err")"
	assert_same_bytes "$t/expected" "$t/chat.out"
	assert_equal "$(cat "$t/chat.err")" ""
	queue_gone "$KEY"
}

# bats test_tags=points:1
@test "shm-producer to shm-consumer: NUL bytes, CRLF and a 1 MiB line arrive exactly as sent" {
	local t=$BATS_TEST_TMPDIR
	in_lab shm-writer-reader
	odd_input "$t/input"
	# shellcheck disable=SC2016 # perl's variables, not the shell's
	{ pieces 2048 '"You wrote: $piece\n"' <"$t/input"; echo 'You wrote: end'; } >"$t/expected"
	lab_bg_started consumer shm-consumer -k "$KEY"
	wait_for consumer "shm-consumer to wait for a text" blocked_in_futex "$PROGRAM_PID"
	run --separate-stderr lab shm-producer -k "$KEY" <"$t/input"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	wait_bg consumer
	assert_equal "$status" 0
	assert_same_bytes "$t/expected" "$t/consumer.out"
	segment_gone "$KEY"
}
