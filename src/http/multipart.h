/* multipart/form-data (RFC 7578) parsing for uploads. Pure: the parts point into the request body,
 * nothing is allocated, nothing is decoded or unescaped. */
#ifndef TB_MULTIPART_H
#define TB_MULTIPART_H

#include <stddef.h>

typedef struct { const char *p; size_t n; } tb_slice;
/* name and filename are the raw parameter values without their quotes (filename.p is NULL when the
 * part has no filename parameter); content_type is the part's Content-Type (p NULL when absent). */
typedef struct { tb_slice name, filename, content_type; const unsigned char *data; size_t len; } tb_part;

/* content_type is the request's Content-Type header value (boundary parameter, quoted or not).
 * Returns the number of parts (0..max_parts), or -1 malformed (not multipart/form-data, no/oversized
 * boundary, missing final boundary, header block too long > 8 KiB, part without Content-Disposition
 * form-data name), -2 more than max_parts. */
int tb_multipart_parse(const char *content_type, size_t ct_len, const unsigned char *body, size_t len,
                       tb_part *parts, int max_parts);
/* Type by content (magic bytes), never by name: "application/pdf" (%PDF-), "image/jpeg" (FF D8 FF),
 * "image/png" (89 50 4E 47 0D 0A 1A 0A), else NULL */
const char *tb_sniff_type(const unsigned char *data, size_t len);
/* Safe display file name: strips any path components ('/' and '\'), control chars (C0, DEL, C1 and
 * the bidirectional overrides used to disguise extensions), quotes, invalid UTF-8, leading dots and
 * surrounding spaces, and limits to 100 bytes of valid UTF-8; empty -> "file". out must hold 128 bytes. */
void tb_safe_filename(tb_slice in, char out[128]);

#endif
