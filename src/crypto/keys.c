/* Master key loading and sub-key derivation. One 64-byte master key per installation; each purpose
 * gets its own HMAC-SM3-derived key so that a digest made for one purpose (say a blind index) can never
 * be replayed as another (a token digest or a field MAC). */
#include "crypto/crypto.h"
#include "crypto/crypto_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#define MASTER_LEN 64

static tb_crypto_keys_t g_keys;
static atomic_bool g_ready;

_Noreturn void tb_crypto_fatal(const char *what)
{
    fprintf(stderr, "tongban: crypto: %s\n", what);
    abort();
}

const tb_crypto_keys_t *tb_crypto_keys(void)
{
    if (!atomic_load_explicit(&g_ready, memory_order_acquire))
        tb_crypto_fatal("keys used before tb_crypto_init");
    return &g_keys;
}

bool tb_crypto_ready(void)
{
    return atomic_load_explicit(&g_ready, memory_order_acquire);
}

static void derive(const unsigned char master[MASTER_LEN], const char *label, unsigned char *out, size_t n)
{
    unsigned char full[32];
    tb_hmac_sm3(master, MASTER_LEN, label, strlen(label), full);
    memcpy(out, full, n);
    tb_wipe(full, sizeof full);
}

void tb_crypto_init_with_key(const unsigned char key[64])
{
    tb_crypto_keys_t k;
    tb_crypto_sodium_once();
    derive(key, "tongban/v1/field-enc", k.field_enc, sizeof k.field_enc);
    derive(key, "tongban/v1/field-mac", k.field_mac, sizeof k.field_mac);
    derive(key, "tongban/v1/blind-index", k.blind_index, sizeof k.blind_index);
    derive(key, "tongban/v1/token-mac", k.token_mac, sizeof k.token_mac);
    g_keys = k;
    tb_wipe(&k, sizeof k);
    atomic_store_explicit(&g_ready, true, memory_order_release);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* mkdir -p where every directory we create is 0700 */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return fail(err, errlen, "key directory path empty or too long");
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return fail(err, errlen, "cannot create %s: %s", buf, strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s is not a directory", dir);
    return 0;
}

static int read_all(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static int write_all(int fd, const unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* 0 loaded, 1 missing, -1 error */
static int load_key(const char *path, unsigned char key[MASTER_LEN], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0)
        return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        fail(err, errlen, "%s is not a regular file", path);
    else if (st.st_mode & 077)
        fail(err, errlen, "%s must not be accessible by group or others (chmod 600)", path);
    else if (st.st_size != MASTER_LEN)
        fail(err, errlen, "%s must hold exactly %d bytes", path, MASTER_LEN);
    else if (read_all(fd, key, MASTER_LEN) != 0)
        fail(err, errlen, "cannot read %s", path);
    else
        rc = 0;
    close(fd);
    return rc;
}

/* Written to a private temporary name and published with link(2), which fails if the name exists:
 * two processes starting at once never see a half-written key and agree on one winner. */
static int create_key(const char *dir, const char *path, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/.master.key.%ld.tmp", dir, (long)getpid()) >= (int)sizeof tmp)
        return fail(err, errlen, "key path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    unsigned char key[MASTER_LEN];
    tb_random_bytes(key, sizeof key);
    int ok = write_all(fd, key, sizeof key) == 0 && fsync(fd) == 0;
    tb_wipe(key, sizeof key);
    ok = (close(fd) == 0) && ok;
    if (ok && link(tmp, path) != 0 && errno != EEXIST)
        ok = 0;
    int saved = errno;
    unlink(tmp);
    if (!ok)
        return fail(err, errlen, "cannot write %s: %s", path, strerror(saved));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int tb_crypto_init(const char *key_dir, char *errbuf, size_t errlen)
{
    char path[PATH_MAX];
    if (!key_dir || snprintf(path, sizeof path, "%s/master.key", key_dir) >= (int)sizeof path)
        return fail(errbuf, errlen, "invalid key directory");
    tb_crypto_sodium_once();
    if (make_dirs(key_dir, errbuf, errlen) != 0)
        return -1;
    unsigned char key[MASTER_LEN];
    int rc = load_key(path, key, errbuf, errlen);
    if (rc == 1) {
        if (create_key(key_dir, path, errbuf, errlen) != 0)
            return -1;
        rc = load_key(path, key, errbuf, errlen);
    }
    if (rc != 0) {
        if (rc == 1)
            fail(errbuf, errlen, "%s vanished after creation", path);
        tb_wipe(key, sizeof key);
        return -1;
    }
    tb_crypto_init_with_key(key);
    tb_wipe(key, sizeof key);
    return 0;
}
