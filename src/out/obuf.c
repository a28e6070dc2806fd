/* The out-of-line parts of the output buffer (obuf.h). */
#include "out/obuf.h"

void ob_json_chars(obuf *o, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    ob_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc) {
            ob_str(o, esc);
        } else if (c < 0x20 || c >= 0x80) {
            char u[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
            ob_put(o, u, 6);
        } else {
            ob_char(o, (char)c);
        }
    }
    ob_char(o, '"');
}

void ob_json_symbol(obuf *o, const char sym[8])
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    ob_json_chars(o, sym, n);
}
