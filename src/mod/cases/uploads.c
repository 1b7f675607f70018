/* Material uploads: multipart, type by content, stored content-addressed
 * under data_dir/blobs/<2 hex>/<sm3> (written to a temp file, fsynced,
 * renamed: an acknowledged upload survives a crash). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/strx.h"
#include "crypto/crypto.h"
#include "http/multipart.h"
#include "mod/audit/audit.h"
#include "mod/cases/cases_internal.h"

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Stores the bytes under their SM3 digest unless already there. */
static int blob_store(const char *sm3, const unsigned char *data, size_t len)
{
    char dir[700], path[800], tmp[820];
    snprintf(dir, sizeof dir, "%s/blobs/%.2s", tb_cfg.data_dir, sm3);
    snprintf(path, sizeof path, "%s/%s", dir, sm3);
    if (access(path, F_OK) == 0)
        return 0;
    char parent[700];
    snprintf(parent, sizeof parent, "%s/blobs", tb_cfg.data_dir);
    mkdir(tb_cfg.data_dir, 0700);
    mkdir(parent, 0700);
    mkdir(dir, 0700);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)gettid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = tb_write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    if (rc == 0)
        rc = rename(tmp, path) == 0 && fsync_dir(dir) == 0 ? 0 : -1;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

void cases_post_upload(tb_req *r)
{
    tb_part parts[4];
    int n = tb_multipart_parse(r->content_type, strlen(r->content_type), (const unsigned char *)r->body, r->body_len,
                               parts, 4);
    if (n < 0)
        return tb_reply_err(r, TB_E_BAD_REQUEST, "file");
    const tb_part *file = NULL;
    for (int i = 0; i < n; i++)
        if (parts[i].name.n == 4 && !memcmp(parts[i].name.p, "file", 4) && parts[i].filename.p)
            file = &parts[i];
    if (!file)
        return tb_reply_err(r, TB_E_FIELD_REQUIRED, "file");
    if (file->len == 0)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "file");
    if (file->len > (size_t)tb_cfg.upload_max_mb * 1024 * 1024)
        return tb_reply_err(r, TB_E_UPLOAD_TOO_LARGE, "file");
    const char *type = tb_sniff_type(file->data, file->len);
    if (!type) {
        audit_record(r, "upload.refused", "type", "refused", "content type not allowed");
        return tb_reply_err(r, TB_E_UPLOAD_TYPE_NOT_ALLOWED, "file");
    }
    char sm3[65], name[128], token[40];
    tb_sm3_hex(file->data, file->len, sm3);
    tb_safe_filename(file->filename, name);
    if (blob_store(sm3, file->data, file->len) != 0) {
        tb_error("uploads: cannot store blob: %s", strerror(errno));
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_random_token(token, 12);
    upload_row u = {.id = tb_arena_printf(r->arena, "u_%s", token), .sm3 = sm3, .content_type = type,
                    .file_name = name, .size = (int64_t)file->len, .owner = r->subject_id};
    if (store_upload_insert(r->db, &u) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "upload.create", u.id, "ok", type);
    tb_reply_json(r, 201, json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", u.id, "file_name", name, "size",
                                    (json_int_t)u.size, "content_type", type, "sm3", sm3));
}

char *cases_blob_read(tb_req *r, const char *sm3, size_t *len)
{
    char path[800];
    struct stat st;
    if (strlen(sm3) != 64 || strspn(sm3, "0123456789abcdef") != 64) /* a digest, never a path */
        return NULL;
    snprintf(path, sizeof path, "%s/blobs/%.2s/%s", tb_cfg.data_dir, sm3, sm3);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_size >= 0 && st.st_size <= (off_t)tb_cfg.upload_max_mb * 1024 * 1024) {
        buf = tb_arena_alloc(r->arena, (size_t)st.st_size + 1);
        ssize_t n = read(fd, buf, (size_t)st.st_size);
        if (n != st.st_size)
            buf = NULL;
        *len = (size_t)st.st_size;
    }
    close(fd);
    return buf;
}
