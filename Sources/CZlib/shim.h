#include <zlib.h>

/* inflateInit2 is a macro over inflateInit2_ with the library version and struct size. */
static inline int rehearse_inflate_init(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

/* deflateInit2 is a macro too; tests compress with it to make encoded bodies. */
static inline int rehearse_deflate_init(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}
