#ifndef TB_CORE_QR_H
#define TB_CORE_QR_H

#include <stddef.h>

/* payload (UTF-8, byte mode, error correction M) as an SVG image: one path of unit squares with a quiet
 * zone of 4, scalable. malloc'd, *len bytes (NUL-terminated); NULL when it cannot be encoded. */
char *tb_qr_svg(const char *payload, size_t *len);

#endif
