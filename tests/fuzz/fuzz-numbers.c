/* fuzz-numbers - libFuzzer harness for the number parsers of common/lab.c:
 * parse_long (every numeric option), parse_mode (-m) and parse_key (-k).
 * Properties: a text is accepted only if it is digits (a '-' first only
 * where negatives are allowed), and the value is what strtoll reads, in
 * range. */
#include "lab.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok)
        abort();
}

static int digits_only(const char *s, int base)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        int d = *s - '0';
        if (*s < '0' || *s > '9' || d >= base)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* The first byte chooses the range, the rest is the text. */
    static const long mins[] = { 0, 1, -1, LONG_MIN, LONG_MIN + 1 };
    static const long maxs[] = { 0, 1, 0777, 1L << 24, LONG_MAX };
    long min = mins[data[0] % 5], max = maxs[(data[0] / 5) % 5];
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    long value;
    if (parse_long(text, min, max, &value)) {
        const char *digits = text[0] == '-' ? text + 1 : text;
        check(min < 0 || text[0] != '-');
        check(digits_only(digits, 10));
        check(value >= min && value <= max);
        errno = 0;
        check(strtoll(text, NULL, 10) == value && errno == 0);
    }

    int mode;
    if (parse_mode(text, &mode)) {
        check(digits_only(text, 8));
        check(mode >= 0 && mode <= 0777);
        check(strtol(text, NULL, 8) == mode);
    }

    key_t key;
    if (parse_key(text, &key)) {
        check(text[0] >= '0' && text[0] <= '9'); /* no blank, no sign */
        errno = 0;
        unsigned long long v = strtoull(text, NULL, 0);
        check(errno == 0 && v <= UINT32_MAX && (uint32_t)v == (uint32_t)key);
    }
    free(text);
    return 0;
}
