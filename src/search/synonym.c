/* Synonyms and stopwords. Both are short lists (hundreds of words) matched
 * against the normalised query at each character, longest first; a linear
 * scan of them costs less than the query's postings. */
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

void syn_free(tb_search *s)
{
    for (int i = 0; i < s->nsyn; i++) {
        free(s->syn[i].key);
        for (int j = 0; j < s->syn[i].ntargets; j++)
            free(s->syn[i].targets[j]);
        free(s->syn[i].targets);
    }
    free(s->syn);
    s->syn = NULL;
    s->nsyn = s->capsyn = 0;
    for (int i = 0; i < s->nstop; i++)
        free(s->stop[i]);
    free(s->stop);
    s->stop = NULL;
    s->nstop = 0;
}

void tb_search_synonyms_clear(tb_search *s)
{
    char **stop = s->stop;
    int nstop = s->nstop;
    s->stop = NULL;
    s->nstop = 0;
    syn_free(s);
    s->stop = stop; /* stopwords are not synonyms: they stay */
    s->nstop = nstop;
}

static synonym *syn_get(tb_search *s, const char *key)
{
    for (int i = 0; i < s->nsyn; i++)
        if (!strcmp(s->syn[i].key, key))
            return &s->syn[i];
    if (s->nsyn == s->capsyn) {
        s->capsyn = s->capsyn ? s->capsyn * 2 : 64;
        s->syn = xrealloc(s->syn, (size_t)s->capsyn * sizeof *s->syn);
    }
    synonym *y = &s->syn[s->nsyn++];
    *y = (synonym){xstrdup(key), NULL, 0};
    return y;
}

static void syn_link(tb_search *s, const char *from, const char *to)
{
    if (!strcmp(from, to))
        return;
    synonym *y = syn_get(s, from);
    for (int i = 0; i < y->ntargets; i++)
        if (!strcmp(y->targets[i], to))
            return;
    y->targets = xrealloc(y->targets, (size_t)(y->ntargets + 1) * sizeof *y->targets);
    y->targets[y->ntargets++] = xstrdup(to);
}

/* Splits "a, b, c" (also 、 and ，, normalised to ',') into normalised words. */
static int split_words(const char *part, char **out, int max)
{
    char *norm = norm_dup(part);
    int n = 0;
    for (char *w = strtok(norm, ","); w && n < max; w = strtok(NULL, ",")) {
        while (*w == ' ')
            w++;
        size_t len = strlen(w);
        while (len && w[len - 1] == ' ')
            w[--len] = '\0';
        if (len)
            out[n++] = xstrdup(w);
    }
    free(norm);
    return n;
}

/* Reads one rule; returns 1 (applied when apply is set), 0 for a blank or
 * comment line, -1 when malformed. */
static int rule(tb_search *s, char *line, int apply)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (!*line || *line == '#')
        return 0;
    for (char *c = line; *c; c++)
        if ((unsigned char)c[0] == 0xE3 && (unsigned char)c[1] == 0x80 && (unsigned char)c[2] == 0x81)
            memcpy(c, "  ,", 3); /* 、 as a separator too */
    char *arrow = strstr(line, "=>");
    char *left[32], *right[32];
    int nl, nr;
    if (arrow) {
        *arrow = '\0';
        nl = split_words(line, left, 32);
        nr = split_words(arrow + 2, right, 32);
    } else {
        nl = split_words(line, left, 32);
        memcpy(right, left, sizeof left);
        nr = 0;
    }
    int ok = arrow ? nl > 0 && nr > 0 : nl > 1;
    for (int i = 0; ok && apply && i < nl; i++)
        for (int j = 0; j < (arrow ? nr : nl); j++)
            syn_link(s, left[i], right[j]);
    for (int i = 0; i < nl; i++)
        free(left[i]);
    for (int i = 0; i < nr; i++)
        free(right[i]);
    return ok ? 1 : -1;
}

static int each_rule(tb_search *s, const char *rules, int apply)
{
    char *copy = xstrdup(rules);
    int count = 0;
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int r = rule(s, line, apply);
        if (r < 0) {
            count = -1;
            break;
        }
        count += r;
    }
    free(copy);
    return count;
}

int tb_search_synonyms_load(tb_search *s, const char *rules)
{
    if (!rules || each_rule(s, rules, 0) < 0) /* all or nothing */
        return -1;
    return each_rule(s, rules, 1);
}

static void stop_load(tb_search *s, const char *text)
{
    char *copy = xstrdup(text);
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (*line == '#')
            continue;
        char *w = norm_dup(line);
        if (!*w) {
            free(w);
            continue;
        }
        s->stop = xrealloc(s->stop, (size_t)(s->nstop + 1) * sizeof *s->stop);
        s->stop[s->nstop++] = w;
    }
    free(copy);
}

const char *tb_search_synonyms_builtin(void) { return search_data("synonyms.txt"); }

void syn_load_defaults(tb_search *s)
{
    tb_search_synonyms_load(s, search_data("synonyms.txt"));
    stop_load(s, search_data("stopwords.txt"));
}

static int is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

/* A Latin key must end at a word boundary: "icp" is not found in "icpx". */
static size_t key_at(const char *p, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(p, key, n) || (is_alnum(key[n - 1]) && is_alnum(p[n])))
        return 0;
    return n;
}

size_t syn_match(const tb_search *s, const char *p, const synonym **hit, int *stop)
{
    size_t best = 0;
    *hit = NULL;
    *stop = 0;
    for (int i = 0; i < s->nsyn; i++) {
        size_t n = key_at(p, s->syn[i].key);
        if (n > best) {
            best = n;
            *hit = &s->syn[i];
        }
    }
    for (int i = 0; i < s->nstop; i++) {
        size_t n = key_at(p, s->stop[i]);
        if (n > best) {
            best = n;
            *hit = NULL;
            *stop = 1;
        }
    }
    return best;
}
