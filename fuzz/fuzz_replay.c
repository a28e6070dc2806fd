/* Whole replay on arbitrary bytes, both framings, strict and not: the books
 * must stay consistent whatever the input. */
#include <stdlib.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int mode = 0; mode < 3; mode++) {
        blanc_replay_options o = {0};
        o.framing = mode == 1 ? BLANC_FRAMING_FIXED : BLANC_FRAMING_BINARYFILE;
        o.strict = mode == 2;
        o.no_input_digest = mode != 0; /* hash once: it is not what is under test */
        blanc_replay *r = blanc_replay_create(&o);
        blanc_source *s;
        if (!r || blanc_source_open_mem(&s, data, size))
            abort();
        int rc = blanc_replay_run(r, s);
        if (rc && rc != BLANC_ESTRICT)
            abort();
        if (blanc_books_check(blanc_replay_books(r)) != 0)
            abort();
        blanc_digests d;
        blanc_replay_digests(r, &d);
        blanc_source_close(s);
        blanc_replay_free(r);
    }
    return 0;
}
