/* Reading bench.jsonl objects and the thresholds file for blanc bench compare
 * (jansson lives here only: its names clash with the CLI's JSON writer). */
#ifndef BLANC_CLI_BENCH_FILES_H
#define BLANC_CLI_BENCH_FILES_H

#include <stddef.h>

#define NMETRIC 5
extern const char *const bench_metric[NMETRIC]; /* "ns_per_msg" "p50" "p95" "p99" "p99.9" */

typedef struct bench_side {
    double v[NMETRIC], noise[NMETRIC]; /* noise: MAD over runs, NAN if no per-run figure */
    int have[NMETRIC];
    char mode[16], digest[24];
} bench_side;

/* The last object of a bench.jsonl. 0, or -1 with err filled ("file:line: why"). */
int bench_load_side(const char *path, bench_side *s, char *err, size_t cap);
/* A profile's allowed ratios. 0, or -1 with err filled. */
int bench_load_profile(const char *path, const char *profile, double ratio[NMETRIC], char *err,
                       size_t cap);

#endif
