/* The out-of-line parts of the output buffer (obuf.h). */
#include "out/obuf.h"

void ob_json_symbol(obuf *o, const char sym[8])
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    ob_json_chars(o, sym, n);
}
