/* blanc gen: write a deterministic ITCH 5.0 day. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "blanc.h"
#include "cli.h"

static const char usage_text[] =
    "usage: blanc gen --seed S --messages N [options] -o FILE\n"
    "\n"
    "Write a deterministic, realistic ITCH 5.0 BinaryFILE day: system events, a stock\n"
    "directory, trading actions, then a body dominated by adds and deletes near a moving\n"
    "mid (never crossed), executions at the best level in time priority, replaces and\n"
    "cancels of live orders, heavy traffic skew toward a few symbols. The same options\n"
    "always give the same bytes.\n"
    "\n"
    "options:\n"
    "  --seed S            RNG seed (required)\n"
    "  --messages N        frames to write in all, e.g. 1M (required; k, M, G suffixes)\n"
    "  --symbols K         instruments (default 100, at most 65535)\n"
    "  --scenario NAME     normal (default), burst (message-rate bursts), corrupt (damaged\n"
    "                      frames and fields), gap (runs of lost messages)\n"
    "  --session SECONDS   feed time the body spans from 09:30 (default: until 16:00);\n"
    "                      shorter is denser, e.g. 100 for ~10 messages/ms at 1M\n"
    "  --profile NAME      message rate over feed time: flat (default, even over the\n"
    "                      session), intraday (sparse pre-market, a spike at 09:30,\n"
    "                      U-shaped session, closing cross at 16:00, sparse after\n"
    "                      hours), step (a 2 s sparse preamble, then ~500 messages\n"
    "                      per feed ms)\n"
    "  --manifest FILE     write the injected damage as JSON lines\n"
    "  -o FILE             output; '-' for stdout; .gz / .zst compress\n"
    "  -h, --help          this text\n";

/* Open an output (not yet visible: see blanc_sink_open), or say which and why not. */
static int open_output(blanc_sink **s, const char *what, const char *path)
{
    int sys = 0, rc = blanc_sink_open(s, path, &sys);
    if (rc)
        cli_error("gen: %s%s: %s%s%s", what, path, blanc_strerror(rc), sys ? ": " : "",
                  sys ? strerror(sys) : "");
    return rc;
}

static int write_manifest(blanc_sink *s, const blanc_gen_config *cfg, const blanc_gen_result *res)
{
    int rc = 0;
    for (size_t i = 0; i < res->n_injections && !rc; i++) {
        const blanc_gen_injection *in = &res->injections[i];
        char line[256];
        int n = snprintf(line, sizeof line,
                         "{\"scenario\":\"%s\",\"kind\":\"%s\",\"index\":%" PRIu64
                         ",\"offset\":%" PRIu64 ",\"count\":%" PRIu32 "}\n",
                         blanc_scenario_name(cfg->scenario), in->kind, in->index, in->offset,
                         in->count);
        rc = blanc_sink_write(s, line, (size_t)n);
    }
    return rc;
}

int cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seed", required_argument, 0, 's'},     {"messages", required_argument, 0, 'm'},
        {"symbols", required_argument, 0, 'k'},  {"scenario", required_argument, 0, 'c'},
        {"manifest", required_argument, 0, 'M'}, {"help", no_argument, 0, 'h'},
        {"session", required_argument, 0, 'T'},  {"profile", required_argument, 0, 'P'},
        {0, 0, 0, 0}};
    blanc_gen_config cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *out = NULL, *manifest = NULL;
    int have_seed = 0, have_n = 0, c;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (cli_parse_u64(optarg, &cfg.seed)) {
                cli_error("gen: --seed wants an unsigned integer, not '%s'", optarg);
                return CLI_USAGE;
            }
            have_seed = 1;
            break;
        case 'm':
            if (cli_parse_u64(optarg, &cfg.messages)) {
                cli_error("gen: --messages wants a count such as 250000 or 10M, not '%s'", optarg);
                return CLI_USAGE;
            }
            have_n = 1;
            break;
        case 'k':
            if (cli_parse_u64(optarg, &v) || v == 0 || v > 65535) {
                cli_error("gen: --symbols wants 1 to 65535, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.symbols = (uint32_t)v;
            break;
        case 'c': {
            int sc = blanc_scenario_parse(optarg);
            if (sc < 0) {
                cli_error("gen: --scenario is normal, burst, corrupt or gap, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.scenario = (blanc_scenario)sc;
            break;
        }
        case 'T':
            if (cli_parse_u64(optarg, &v) || v == 0 || v > 23400) {
                cli_error("gen: --session wants 1 to 23400 seconds, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.session_ns = v * 1000000000u;
            break;
        case 'P': {
            int p = blanc_gen_profile_parse(optarg);
            if (p < 0) {
                cli_error("gen: --profile is flat, intraday or step, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.profile = (blanc_gen_profile)p;
            break;
        }
        case 'M': manifest = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("gen", "o:h", argv);
        }
    }
    if (!have_seed || !have_n || !out || optind != argc) {
        cli_error("gen: --seed, --messages and -o are required (and nothing else)");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    if (cfg.session_ns && cfg.profile != BLANC_PROFILE_FLAT) {
        cli_error("gen: --session shapes the flat profile only, not --profile %s",
                  blanc_gen_profile_name(cfg.profile));
        return CLI_USAGE;
    }
    uint64_t minimum = 6 + 2 * (uint64_t)(cfg.symbols ? cfg.symbols : 100);
    if (cfg.messages < minimum) {
        cli_error("gen: --messages must be at least %" PRIu64 " (system events and directory)",
                  minimum);
        return CLI_USAGE;
    }
    /* Both outputs or neither: open both before writing, write both, then
     * commit the day (the large one, where a full disk shows) and the manifest;
     * if the manifest's commit still fails, the day just committed is removed. */
    blanc_sink *sink = NULL, *msink = NULL;
    if (open_output(&sink, "-o ", out))
        return CLI_USAGE;
    if (manifest && open_output(&msink, "--manifest ", manifest)) {
        blanc_sink_abort(sink);
        return CLI_USAGE;
    }
    blanc_gen_result res;
    int rc = blanc_gen_write(&cfg, sink, &res);
    if (rc) {
        if (blanc_sink_error(sink, NULL))
            cli_sink_error(out, rc, sink); /* the output failed, not the generator */
        else
            cli_error("gen: %s", blanc_strerror(rc));
        blanc_sink_abort(sink);
        blanc_sink_abort(msink);
        return CLI_USAGE;
    }
    if (msink && (rc = write_manifest(msink, &cfg, &res)) != 0) {
        cli_sink_error(manifest, rc, msink);
        blanc_sink_abort(sink);
        blanc_sink_abort(msink);
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    if (msink && blanc_sink_error(msink, NULL)) {
        cli_sink_error(manifest, BLANC_EIO, msink);
        blanc_sink_abort(sink);
        blanc_sink_abort(msink);
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    if (cli_sink_commit(out, sink) != 0) {
        blanc_sink_abort(msink);
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    if (msink && cli_sink_commit(manifest, msink) != 0) {
        cli_error("gen: %s removed: its --manifest could not be written", out);
        if (strcmp(out, "-"))
            remove(out);
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    fprintf(stderr, "blanc gen: %" PRIu64 " messages, %" PRIu64 " bytes, %zu injections -> %s\n",
            res.messages, res.bytes, res.n_injections, out);
    blanc_gen_result_free(&res);
    return CLI_OK;
}
