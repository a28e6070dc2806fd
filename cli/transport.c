/* The transport part of a replay's summary, for captured and live inputs
 * (docs/FEEDS.md): what the sequence numbers say about the input. */
#include <inttypes.h>

#include "cli.h"

void cli_transport_text(FILE *f, const blanc_transport_stats *t)
{
    fprintf(f,
            "transport    %" PRIu64 " packets, %" PRIu64 " messages, %" PRIu64 " sessions, %" PRIu64
            " gaps (%" PRIu64 " messages lost), %" PRIu64 " duplicates, %" PRIu64
            " out of order, %" PRIu64 " arbitrated, %" PRIu64 " heartbeats, %" PRIu64
            " skipped, %" PRIu64 " bad packets\n",
            t->packets, t->messages, t->sessions, t->gaps, t->lost_messages, t->duplicates,
            t->out_of_order, t->arbitrated, t->heartbeats, t->skipped, t->bad_packets);
}

void cli_transport_json(json *j, const blanc_transport_stats *t)
{
    json_open(j, "transport", '{');
    json_u64(j, "packets", t->packets);
    json_u64(j, "messages", t->messages);
    json_u64(j, "sessions", t->sessions);
    json_u64(j, "gaps", t->gaps);
    json_u64(j, "lost_messages", t->lost_messages);
    json_u64(j, "duplicates", t->duplicates);
    json_u64(j, "out_of_order", t->out_of_order);
    json_u64(j, "arbitrated", t->arbitrated);
    json_u64(j, "heartbeats", t->heartbeats);
    json_u64(j, "skipped", t->skipped);
    json_u64(j, "bad_packets", t->bad_packets);
    json_close(j, '}');
}
