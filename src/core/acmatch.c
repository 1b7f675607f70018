/* Aho–Corasick over folded UTF-8 bytes (see acmatch.h). The trie keeps its
 * children as sibling lists, except the root's, which is a table of 256, so
 * memory grows with the bytes of the words and not with 256 per state. */
#include "core/acmatch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"

typedef struct {
    int child, sibling, fail, out, word;
    unsigned char byte;
} ac_node;

struct tb_ac {
    ac_node *nodes;
    int nnodes, capnodes;
    int root[256];
    char **words;
    size_t *wlen; /* folded bytes */
    int nwords, capwords;
    bool built;
};

/* ---- folding */

/* Decodes one code point; *n gets the bytes used. Invalid: -1 with *n = 1. */
static long decode(const unsigned char *s, size_t len, size_t *n)
{
    unsigned char c = s[0];
    long cp;
    size_t k;
    if (c < 0x80) {
        *n = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF)
        cp = c & 0x1F, k = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        cp = c & 0x0F, k = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        cp = c & 0x07, k = 4;
    else {
        *n = 1;
        return -1;
    }
    if (k > len) {
        *n = 1;
        return -1;
    }
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *n = 1;
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *n = 1;
        return -1;
    }
    *n = k;
    return cp;
}

static bool separator(long cp)
{
    if (cp <= 0x20 || cp == 0x7F)
        return true;
    if (cp < 0x80)
        return strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", (int)cp) != NULL;
    switch (cp) {
    case 0xA0: case 0xB7: case 0x2014: case 0x2018: case 0x2019: case 0x201C: case 0x201D: case 0x2026:
    case 0x3000: case 0x3001: case 0x3002: case 0x300A: case 0x300B: case 0x3010: case 0x3011: case 0x30FB:
    case 0xFF5E: case 0x200B: case 0xFEFF:
        return true;
    }
    return false;
}

/* The folded code point, or 0 for a separator. */
static long fold(long cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
        cp -= 0xFEE0;
    if (separator(cp))
        return 0;
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) ||
        (cp >= 0x410 && cp <= 0x42F))
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    return cp;
}

static size_t encode(long cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Folds one step of text at s: writes the folded bytes (0..4) to out and
 * returns the original bytes consumed. */
static size_t fold_step(const unsigned char *s, size_t len, unsigned char *out, size_t *nout)
{
    size_t n;
    long cp = decode(s, len, &n);
    if (cp < 0) { /* an invalid byte stands for itself */
        out[0] = s[0];
        *nout = 1;
        return 1;
    }
    cp = fold(cp);
    *nout = cp ? encode(cp, out) : 0;
    return n;
}

/* ---- building */

tb_ac *tb_ac_new(void)
{
    tb_ac *ac = calloc(1, sizeof *ac);
    if (!ac)
        return NULL;
    ac->capnodes = 64;
    ac->nodes = calloc((size_t)ac->capnodes, sizeof *ac->nodes);
    if (!ac->nodes) {
        free(ac);
        return NULL;
    }
    ac->nnodes = 1;
    ac->nodes[0] = (ac_node){.child = -1, .sibling = -1, .fail = 0, .out = -1, .word = -1};
    for (int i = 0; i < 256; i++)
        ac->root[i] = -1;
    return ac;
}

void tb_ac_free(tb_ac *ac)
{
    if (!ac)
        return;
    for (int i = 0; i < ac->nwords; i++)
        free(ac->words[i]);
    free(ac->words);
    free(ac->wlen);
    free(ac->nodes);
    free(ac);
}

static int child_of(const tb_ac *ac, int s, unsigned char b)
{
    if (s == 0)
        return ac->root[b];
    for (int c = ac->nodes[s].child; c >= 0; c = ac->nodes[c].sibling)
        if (ac->nodes[c].byte == b)
            return c;
    return -1;
}

static int new_child(tb_ac *ac, int s, unsigned char b)
{
    if (ac->nnodes == ac->capnodes) {
        ac_node *n = realloc(ac->nodes, (size_t)ac->capnodes * 2 * sizeof *n);
        if (!n)
            return -1;
        ac->nodes = n;
        ac->capnodes *= 2;
    }
    int c = ac->nnodes++;
    ac->nodes[c] = (ac_node){.child = -1, .sibling = -1, .fail = 0, .out = -1, .word = -1, .byte = b};
    if (s == 0) {
        ac->root[b] = c;
    } else {
        ac->nodes[c].sibling = ac->nodes[s].child;
        ac->nodes[s].child = c;
    }
    return c;
}

int tb_ac_add(tb_ac *ac, const char *word)
{
    if (!ac || !word || ac->built)
        return -1;
    const unsigned char *s = (const unsigned char *)word;
    size_t len = strlen(word), i = 0, depth = 0;
    int st = 0;
    while (i < len) {
        unsigned char f[4];
        size_t nf;
        i += fold_step(s + i, len - i, f, &nf);
        for (size_t k = 0; k < nf; k++) {
            int c = child_of(ac, st, f[k]);
            if (c < 0 && (c = new_child(ac, st, f[k])) < 0)
                return -1;
            st = c;
            depth++;
        }
    }
    if (st == 0)
        return -1;
    if (ac->nodes[st].word >= 0)
        return ac->nodes[st].word;
    if (ac->nwords == ac->capwords) {
        int cap = ac->capwords ? ac->capwords * 2 : 16;
        char **w = realloc(ac->words, (size_t)cap * sizeof *w);
        if (!w)
            return -1;
        ac->words = w;
        size_t *l = realloc(ac->wlen, (size_t)cap * sizeof *l);
        if (!l)
            return -1;
        ac->wlen = l;
        ac->capwords = cap;
    }
    char *copy = strdup(word);
    if (!copy)
        return -1;
    ac->words[ac->nwords] = copy;
    ac->wlen[ac->nwords] = depth;
    ac->nodes[st].word = ac->nwords;
    return ac->nwords++;
}

int tb_ac_build(tb_ac *ac)
{
    if (!ac)
        return -1;
    if (ac->built)
        return 0;
    int *queue = malloc((size_t)ac->nnodes * sizeof *queue);
    if (!queue)
        return -1;
    int head = 0, tail = 0;
    for (int b = 0; b < 256; b++) {
        int c = ac->root[b];
        if (c >= 0) {
            ac->nodes[c].fail = 0;
            ac->nodes[c].out = -1;
            queue[tail++] = c;
        }
    }
    while (head < tail) {
        int s = queue[head++];
        for (int c = ac->nodes[s].child; c >= 0; c = ac->nodes[c].sibling) {
            unsigned char b = ac->nodes[c].byte;
            int f = ac->nodes[s].fail, g;
            while ((g = child_of(ac, f, b)) < 0 && f != 0)
                f = ac->nodes[f].fail;
            ac->nodes[c].fail = g >= 0 && g != c ? g : 0;
            int fl = ac->nodes[c].fail;
            ac->nodes[c].out = ac->nodes[fl].word >= 0 ? fl : ac->nodes[fl].out;
            queue[tail++] = c;
        }
    }
    free(queue);
    ac->built = true;
    return 0;
}

size_t tb_ac_count(const tb_ac *ac) { return ac ? (size_t)ac->nwords : 0; }

const char *tb_ac_word(const tb_ac *ac, int index)
{
    return ac && index >= 0 && index < ac->nwords ? ac->words[index] : NULL;
}

/* ---- scanning */

int tb_ac_scan(const tb_ac *ac, const char *text, size_t len, tb_ac_fn fn, void *arg)
{
    if (!ac || !ac->built || !text || ac->nwords == 0)
        return 0;
    /* for each folded byte: where its code point starts and ends in text */
    size_t small[2][256], *from = small[0], *to = small[1];
    if (len > 256) {
        from = malloc(len * sizeof *from);
        to = malloc(len * sizeof *to);
        if (!from || !to) {
            free(from);
            free(to);
            return -1;
        }
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, nf = 0;
    int st = 0, count = 0;
    bool stop = false;
    while (i < len && !stop) {
        unsigned char f[4];
        size_t k, n = fold_step(s + i, len - i, f, &k);
        for (size_t j = 0; j < k && !stop; j++) {
            from[nf] = i;
            to[nf] = i + n;
            nf++;
            int g;
            while ((g = child_of(ac, st, f[j])) < 0 && st != 0)
                st = ac->nodes[st].fail;
            st = g >= 0 ? g : 0;
            /* only at the last byte of a code point can a word end */
            if (j + 1 < k)
                continue;
            /* longest first along the chain; report shorter first at the same end */
            int hits[64], nh = 0;
            for (int o = ac->nodes[st].word >= 0 ? st : ac->nodes[st].out; o > 0 && nh < 64; o = ac->nodes[o].out)
                hits[nh++] = o;
            for (int h = nh - 1; h >= 0 && !stop; h--) {
                int w = ac->nodes[hits[h]].word;
                size_t first = nf - ac->wlen[w];
                count++;
                if (fn && fn(arg, w, from[first], to[nf - 1]) != 0)
                    stop = true;
            }
        }
        i += n;
    }
    if (from != small[0]) {
        free(from);
        free(to);
    }
    return count;
}

typedef struct {
    int word;
    size_t start, end;
} first_ctx;

static int take_first(void *arg, int word, size_t start, size_t end)
{
    first_ctx *c = arg;
    c->word = word;
    c->start = start;
    c->end = end;
    return 1;
}

int tb_ac_first(const tb_ac *ac, const char *text, size_t len, size_t *start, size_t *end)
{
    first_ctx c = {.word = -1};
    if (tb_ac_scan(ac, text, len, take_first, &c) <= 0)
        return -1;
    if (start)
        *start = c.start;
    if (end)
        *end = c.end;
    return c.word;
}

tb_ac *tb_ac_load_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    tb_ac *ac = tb_ac_new();
    char line[1024];
    while (ac && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        char *w = line;
        if (!strncmp(w, "\xEF\xBB\xBF", 3))
            w += 3;
        while (*w == ' ' || *w == '\t')
            w++;
        if (!*w || *w == '#')
            continue;
        tb_ac_add(ac, w);
    }
    fclose(f);
    if (ac && tb_ac_build(ac) != 0) {
        tb_ac_free(ac);
        return NULL;
    }
    return ac;
}

/* ---- the process-wide sensitive-word list */

static pthread_rwlock_t list_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static tb_ac *list;
static atomic_bool loaded, hup;
static atomic_llong last_check;
static time_t list_mtime;

#define MTIME_CHECK_SECONDS 5

static void on_hup(int sig)
{
    (void)sig;
    atomic_store(&hup, true);
}

void tb_sensitive_watch_sighup(void)
{
    struct sigaction sa = {.sa_handler = on_hup};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
}

/* The configured file, or sensitive-words.txt in the seed directory. */
static const char *list_path(void)
{
    static char path[1100];
    if (tb_cfg.sensitive_words_file[0])
        return tb_cfg.sensitive_words_file;
    snprintf(path, sizeof path, "%s/sensitive-words.txt", tb_cfg.seed_dir[0] ? tb_cfg.seed_dir : ".");
    return path;
}

static int load_now(void)
{
    const char *path = list_path();
    struct stat sb;
    tb_ac *fresh = path[0] ? tb_ac_load_file(path) : NULL;
    if (!fresh) {
        if (path[0])
            tb_warn("sensitive words: cannot read %s: %s", path, strerror(errno));
        if (atomic_load(&loaded))
            return -1;
        fresh = tb_ac_new(); /* no list: nothing is sensitive, but keep checking */
        if (!fresh || tb_ac_build(fresh) != 0) {
            tb_ac_free(fresh);
            return -1;
        }
    }
    list_mtime = stat(path, &sb) == 0 ? sb.st_mtime : 0;
    pthread_rwlock_wrlock(&list_lock);
    tb_ac *old = list;
    list = fresh;
    pthread_rwlock_unlock(&list_lock);
    tb_ac_free(old);
    atomic_store(&loaded, true);
    tb_info("sensitive words: %zu words from %s", tb_ac_count(fresh), path);
    return 0;
}

int tb_sensitive_reload(void)
{
    pthread_mutex_lock(&load_lock);
    int rc = load_now();
    pthread_mutex_unlock(&load_lock);
    return rc;
}

static void ensure_fresh(void)
{
    long long now = (long long)time(NULL);
    bool need = !atomic_load(&loaded) || atomic_exchange(&hup, false);
    if (!need && now - atomic_load(&last_check) >= MTIME_CHECK_SECONDS) {
        atomic_store(&last_check, now);
        struct stat sb;
        pthread_mutex_lock(&load_lock);
        need = stat(list_path(), &sb) == 0 && sb.st_mtime != list_mtime;
        pthread_mutex_unlock(&load_lock);
    }
    if (!need)
        return;
    pthread_mutex_lock(&load_lock);
    if (!atomic_load(&loaded) || need)
        load_now();
    pthread_mutex_unlock(&load_lock);
}

bool tb_sensitive_hit(const char *text, char *word, size_t cap)
{
    if (word && cap)
        word[0] = '\0';
    if (!text || !*text)
        return false;
    ensure_fresh();
    pthread_rwlock_rdlock(&list_lock);
    int w = tb_ac_first(list, text, strlen(text), NULL, NULL);
    if (w >= 0 && word && cap)
        snprintf(word, cap, "%s", tb_ac_word(list, w));
    pthread_rwlock_unlock(&list_lock);
    return w >= 0;
}

typedef struct {
    char *out;
    unsigned char *drop; /* continuation bytes of masked characters */
} mask_ctx;

static int mask_one(void *arg, int word, size_t start, size_t end)
{
    (void)word;
    mask_ctx *m = arg;
    for (size_t i = start; i < end; i++) {
        bool lead = ((unsigned char)m->out[i] & 0xC0) != 0x80 || m->out[i] == '*';
        if (lead && !m->drop[i])
            m->out[i] = '*';
        else
            m->drop[i] = 1;
    }
    return 0;
}

char *tb_sensitive_mask(const char *text)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    unsigned char *drop = calloc(len + 1, 1);
    if (!out || !drop) {
        free(out);
        free(drop);
        return NULL;
    }
    memcpy(out, text, len + 1);
    ensure_fresh();
    mask_ctx m = {out, drop};
    pthread_rwlock_rdlock(&list_lock);
    tb_ac_scan(list, text, len, mask_one, &m);
    pthread_rwlock_unlock(&list_lock);
    size_t j = 0;
    for (size_t i = 0; i < len; i++)
        if (!drop[i])
            out[j++] = out[i];
    out[j] = '\0';
    free(drop);
    return out;
}

size_t tb_sensitive_count(void)
{
    ensure_fresh();
    pthread_rwlock_rdlock(&list_lock);
    size_t n = tb_ac_count(list);
    pthread_rwlock_unlock(&list_lock);
    return n;
}
