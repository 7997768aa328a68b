/* fuzz-typed-arg - libFuzzer harness for typed-send's TYPE:TEXT arguments
 * (split_argument in labs/msgtype-filter/typed-send.c, included here with
 * its main renamed).  Properties: accepted exactly when the text before the
 * first ':' is a decimal number from 1 to LONG_MAX, digits only; the text is
 * what follows that colon; the argument is given back unchanged. */
#define main typed_send_main
#include "../../labs/msgtype-filter/typed-send.c"
#undef main

#include <errno.h>
#include <stdint.h>

int typed_send_main(int argc, char *argv[]);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *arg = malloc(size + 1), *copy = malloc(size + 1);
    check(arg != NULL && copy != NULL);
    memcpy(arg, data, size);
    arg[size] = '\0';
    memcpy(copy, arg, size + 1);

    long type;
    const char *text;
    bool ok = split_argument(arg, &type, &text);
    check(memcmp(arg, copy, size + 1) == 0);

    char *colon = strchr(copy, ':');
    bool expected = false;
    if (colon != NULL && colon > copy) {
        *colon = '\0';
        bool digits = true;
        for (const char *p = copy; *p; p++)
            digits = digits && *p >= '0' && *p <= '9';
        errno = 0;
        long long v = digits ? strtoll(copy, NULL, 10) : 0;
        expected = digits && errno == 0 && v >= 1;
        *colon = ':';
    }
    check(ok == expected);
    if (ok) {
        check(text == arg + (colon - copy) + 1);
        check(type >= 1);
    }
    free(arg);
    free(copy);
    return 0;
}
