/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The dump writer through the library: a captured message's transport fields
 * (packet, session, seq, lost), damage counted in the replay's terms, options
 * refused. Lines written by hand from docs/FEEDS.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"

/* D: locate 7, tracking 0, 09:30:00.000000001, ref 42 */
static const uint8_t msg_D[19] = {'D', 0, 7, 0, 0, 0x1f, 0x1a, 0xce, 0xd9, 0xf0, 0x01,
                                  0, 0, 0, 0, 0, 0, 0, 42};

static char *dump(const blanc_dump_options *o, const blanc_msg *m, size_t n, const char *session,
                  blanc_dump_stats *st)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_dump.%d", (int)getpid());
    blanc_sink *s;
    blanc_dumper *d;
    assert_int_equal(blanc_sink_open(&s, path, NULL), 0);
    assert_int_equal(blanc_dumper_create(&d, o, s), 0);
    for (size_t i = 0; i < n; i++)
        blanc_dumper_write(d, &m[i], session);
    blanc_feed_end e = {.how = BLANC_END_TRUNCATED, .offset = 999};
    blanc_dumper_end(d, &e);
    assert_int_equal(blanc_dumper_finish(d), 0);
    blanc_dumper_get_stats(d, st);
    blanc_dumper_free(d);
    assert_int_equal(blanc_sink_commit(s), 0);
    FILE *f = fopen(path, "rb");
    static char buf[4096];
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    buf[k] = 0;
    fclose(f);
    unlink(path);
    return buf;
}

static void test_transport_fields(void **state)
{
    (void)state;
    blanc_dump_options o = {.transport = 1};
    blanc_msg m[3] = {
        {.p = NULL, .damage = 2, .damage_kind = BLANC_AN_BAD_PACKET, .damage_at = 100},
        {.p = msg_D, .len = 19, .offset = 120, .packet = 5, .session = 1, .seq = 17, .lost = 3},
        {.p = msg_D, .len = 18, .offset = 160, .packet = 6, .session = 1, .seq = 18},
    };
    blanc_dump_stats st;
    const char *out = dump(&o, m, 3, "SESSION01 ", &st);
    assert_string_equal(out, "{\"type\":\"D\",\"stock_locate\":7,\"tracking_number\":0,"
                             "\"timestamp\":34200000000001,\"time\":\"09:30:00.000000001\","
                             "\"order_ref\":42,\"message\":0,\"offset\":120,\"packet\":5,"
                             "\"session\":\"SESSION01\",\"seq\":17,\"lost\":3}\n");
    assert_int_equal(st.messages, 2);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].count, 2);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].first_offset, 100);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].first_index, 0);
    assert_int_equal(st.anomalies[BLANC_AN_SEQ_GAP].count, 1);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_LENGTH].count, 1);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_LENGTH].first_index, 1);
    assert_int_equal(st.anomalies[BLANC_AN_TRUNCATED].first_index, 2);
    assert_int_equal(st.anomalies[BLANC_AN_TRUNCATED].first_offset, 999);
    assert_int_equal(st.anomalies_total, 5);

    blanc_dump_options c = {.format = BLANC_DUMP_CSV, .types = "D", .transport = 1};
    out = dump(&c, m, 3, "S,1", &st);
    assert_string_equal(out, "type,stock_locate,tracking_number,timestamp,time,order_ref,"
                             "message,offset,packet,session,seq\n"
                             "D,7,0,34200000000001,09:30:00.000000001,42,0,120,5,\"S,1\",17\n");
}

static void test_bad_options(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_dump_opts.%d", (int)getpid());
    blanc_sink *s;
    blanc_dumper *d;
    assert_int_equal(blanc_sink_open(&s, path, NULL), 0);
    blanc_dump_options bad[] = {
        {.format = BLANC_DUMP_CSV},
        {.format = BLANC_DUMP_CSV, .types = "AD"},
        {.types = "Z"},
        {.from = 10, .until = 10},
        {.format = (blanc_dump_format)7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(blanc_dumper_create(&d, &bad[i], s), BLANC_EINVAL);
    blanc_sink_abort(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transport_fields),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
