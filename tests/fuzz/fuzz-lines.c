/* fuzz-lines - libFuzzer harness for reading lines and splitting them into
 * messages (read_line, next_piece_length, starts_with in common/lab.c), as
 * chat-send and chat do.  Properties, for each line of the input:
 *   - the pieces join back to the line, byte for byte;
 *   - none is longer than the capacity, none is empty unless the line is;
 *   - no piece but the first starts with the end word, so only a line the
 *     user typed can end the conversation. */
#define _GNU_SOURCE /* fmemopen */
#include "lab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* First byte: the capacity (2 to 257) and the end word; then the input. */
    size_t capacity = 2 + data[0];
    const char *end_word = (data[0] & 1) ? "exit" : "end";
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    if (in == NULL)
        return 0;

    char *line = NULL, *joined = malloc(size);
    size_t line_capacity = 0;
    ssize_t len;
    check(joined != NULL);
    while ((len = read_line(in, &line, &line_capacity)) != -1) {
        check(memchr(line, '\n', (size_t)len) == NULL);
        size_t sent = 0, pieces = 0;
        do {
            size_t piece = next_piece_length(line + sent, (size_t)len - sent, capacity, end_word);
            check(piece <= capacity);
            check(piece > 0 || len == 0);
            if (pieces > 0)
                check(!starts_with(line + sent, piece, end_word));
            memcpy(joined + sent, line + sent, piece);
            sent += piece;
            pieces++;
        } while (sent < (size_t)len);
        check(sent == (size_t)len && memcmp(joined, line, sent) == 0);
    }
    free(joined);
    free(line);
    fclose(in);
    return 0;
}
