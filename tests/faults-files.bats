#!/usr/bin/env bats
# Faults (issue 8): read-only and full file systems, files the user may not
# write.
# The helpers every fault file shares, and what each case asserts:
# tests/faults_helper.bash.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
load lab_helper
load faults_helper

setup_file() { faults_setup_file; }
setup() { faults_setup; }
teardown() { faults_teardown; }

# -------------------------------------- read-only and full file systems

# bats test_tags=points:1
@test "mmap-copy onto a full disk: ENOSPC in one line, exit 1, the old DST as it was, no temporary file" {
	local t=$BATS_TEST_TMPDIR
	in_lab mmap-copy
	head -c $((2 * 1024 * 1024)) /dev/urandom >"$t/src"
	mkdir "$t/tiny"
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1 src=$2
		shift 2
		mount -t tmpfs -o size=1m,mode=1777 tmpfs "$dir" || exit 99
		echo "old content" >"$dir/dst"
		chmod 666 "$dir/dst"
		"$@" "$src" "$dir/dst"
		echo "status $?"
		cat "$dir/dst"
		ls -A "$dir"' _ "$t/tiny" "$t/src" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy"
	assert_success
	assert_output $'status 1\nold content\ndst'
	assert_one_line_like "^mmap-copy: reserve 2097152 bytes for '$t/tiny/\\.dst\\.mmap-copy-[A-Za-z0-9]{6}': No space left on device \\(ENOSPC\\)$"
}

# bats test_tags=points:1
@test "mmap-copy and a read-only mount: into it EROFS, the old DST kept; out of it, a whole copy" {
	local t=$BATS_TEST_TMPDIR
	in_lab mmap-copy
	head -c 100000 /dev/urandom >"$t/src"
	mkdir "$t/ro" "$t/out"
	# shellcheck disable=SC2016 # $1... belong to bash -c
	run --separate-stderr in_mount_ns '
		dir=$1 src=$2 out=$3
		shift 3
		mount -t tmpfs -o size=1m,mode=1777 tmpfs "$dir" || exit 99
		cp "$src" "$dir/dst"
		chmod 644 "$dir/dst"
		mount -o remount,bind,ro "$dir" || exit 99  # bind: allowed in a user namespace too
		"$@" "$src" "$dir/dst" 2>&1
		echo "status $?"
		cmp "$src" "$dir/dst" && echo "dst kept"
		ls -A "$dir"
		"$@" -v "$dir/dst" "$out/copy"
		echo "status $?"
		cmp "$src" "$out/copy" && echo "copy whole"' _ "$t/ro" "$t/src" "$t/out" "${RUN_AS[@]}" "$LAB_DIR/mmap-copy"
	assert_success
	assert_output "mmap-copy: create a temporary file in '$t/ro' (for '$t/ro/dst'): Read-only file system (EROFS)
status 1
dst kept
dst
copied 100000 bytes
status 0
copy whole"
	assert_equal "$stderr" ""
}

# bats test_tags=points:1
@test "files the user may not write or read: EACCES in one line from mmap-fork, mmap-write, mmap-read, mmap-copy; nothing changed" {
	local t=$BATS_TEST_TMPDIR
	unprivileged
	printf 'a text of more than sixteen bytes\n' >"$t/readonly.txt"
	printf 'secret\n' >"$t/unreadable.txt"
	chmod 0444 "$t/readonly.txt"
	chmod 0000 "$t/unreadable.txt"
	in_lab mmap-file
	run --separate-stderr lab mmap-fork "$t/readonly.txt"
	assert_error_only "mmap-fork: open $t/readonly.txt: Permission denied (EACCES)"
	run --separate-stderr lab mmap-write "$t/readonly.txt" 'new text'
	assert_failure 1
	assert_one_line "mmap-write: open $t/readonly.txt: Permission denied (EACCES)"
	assert_equal "$(cat "$t/readonly.txt")" "a text of more than sixteen bytes"
	run --separate-stderr lab mmap-read "$t/readonly.txt"
	assert_success
	assert_output "a text of more than sixteen bytes"
	run --separate-stderr lab mmap-read "$t/unreadable.txt"
	assert_error_only "mmap-read: open $t/unreadable.txt: Permission denied (EACCES)"
	in_lab mmap-copy
	run --separate-stderr lab mmap-copy "$t/unreadable.txt" "$t/copy"
	assert_error_only "mmap-copy: open source '$t/unreadable.txt': Permission denied (EACCES)"
	[ ! -e "$t/copy" ] || fail "mmap-copy made $t/copy"
}
