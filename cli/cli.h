/* The CLI is a thin shell over libblanc: each command parses its flags, calls
 * the library, prints. Exit codes (docs/CLI.md): 0 ok, 1 anomalies under
 * --strict (or "different" for comparing commands), 2 usage or input error. */
#ifndef BLANC_CLI_H
#define BLANC_CLI_H

#include <stdint.h>

enum { CLI_OK = 0, CLI_ANOMALY = 1, CLI_USAGE = 2 };

int cmd_replay(int argc, char **argv);
int cmd_gen(int argc, char **argv);

/* Parse a decimal unsigned integer with an optional k/M/G (10^3/10^6/10^9)
 * suffix. Returns 0 or -1 if s is not such a number. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Print "blanc: <what>: <why>" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
