/* QR codes drawn as SVG (libqrencode): booking confirmations and hall numbers, the face-verification
 * challenge of the second factor. */
#include "core/qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>

char *tb_qr_svg(const char *payload, size_t *len)
{
    QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    int w = q->width, quiet = 4, size = w + 2 * quiet;
    /* one path of unit squares; 40 bytes per dark module is generous */
    size_t cap = 512 + (size_t)w * (size_t)w * 40;
    char *svg = malloc(cap);
    if (!svg) {
        QRcode_free(q);
        return NULL;
    }
    size_t n = (size_t)snprintf(svg, cap,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
                                "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                                size, size, size, size);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (q->data[y * w + x] & 1)
                n += (size_t)snprintf(svg + n, cap - n, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    n += (size_t)snprintf(svg + n, cap - n, "\"/></svg>");
    QRcode_free(q);
    *len = n;
    return svg;
}
