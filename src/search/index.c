/* The inverted index. Terms live in an open-addressing hash table over a
 * term array; each term has a postings array of (slot, field, tf) sorted by
 * slot, since slots only grow. A slot is one version of a document: an
 * update deletes the old slot and appends a new one, so postings never move
 * until tb_search_build compacts them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort(); /* the index is rebuilt at start-up; without memory there is nothing to serve */
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t probe(const tb_search *s, const char *text)
{
    size_t i = hash(text) & (s->nslots - 1);
    while (s->table[i] && strcmp(s->terms[s->table[i] - 1].text, text))
        i = (i + 1) & (s->nslots - 1);
    return i;
}

int32_t term_find(const tb_search *s, const char *text)
{
    uint32_t v = s->table[probe(s, text)];
    return v ? (int32_t)v - 1 : -1;
}

static void grow_table(tb_search *s)
{
    free(s->table);
    s->nslots *= 2;
    s->table = xrealloc(NULL, s->nslots * sizeof *s->table);
    memset(s->table, 0, s->nslots * sizeof *s->table);
    for (uint32_t t = 0; t < s->nterms; t++)
        s->table[probe(s, s->terms[t].text)] = t + 1;
}

static term *term_get(tb_search *s, const char *text)
{
    size_t i = probe(s, text);
    if (s->table[i])
        return &s->terms[s->table[i] - 1];
    if (s->nterms == s->capterms) {
        s->capterms = s->capterms ? s->capterms * 2 : 1024;
        s->terms = xrealloc(s->terms, s->capterms * sizeof *s->terms);
    }
    term *t = &s->terms[s->nterms];
    memset(t, 0, sizeof *t);
    strncpy(t->text, text, TB_TOKEN_MAX - 1);
    s->table[i] = ++s->nterms;
    if (s->nterms * 2 >= s->nslots)
        grow_table(s);
    return &s->terms[s->nterms - 1];
}

tb_search *tb_search_new(int ndocs)
{
    tb_search *s = xrealloc(NULL, sizeof *s);
    memset(s, 0, sizeof *s);
    s->nslots = 1024;
    s->table = xrealloc(NULL, s->nslots * sizeof *s->table);
    memset(s->table, 0, s->nslots * sizeof *s->table);
    s->legacy_ndocs = ndocs > 0 ? ndocs : 0;
    syn_load_defaults(s);
    return s;
}

void tb_search_free(tb_search *s)
{
    if (!s)
        return;
    for (uint32_t t = 0; t < s->nterms; t++) {
        free(s->terms[t].post);
        free(s->terms[t].cpost);
    }
    free(s->terms);
    free(s->table);
    for (uint32_t i = 0; i < s->nslot; i++)
        free(s->slots[i].kw);
    free(s->slots);
    free(s->norm);
    free(s->boost);
    free(s->slot_of);
    for (int f = 0; f < s->nfacets; f++) {
        for (int v = 0; v < s->facets[f].nvalues; v++)
            free(s->facets[f].values[v]);
        free(s->facets[f].values);
    }
    syn_free(s);
    suggest_free(s);
    free(s);
}

int tb_search_field(tb_search *s, const char *name, double weight, unsigned flags)
{
    for (int f = 0; f < s->nfields; f++)
        if (!strcmp(s->fields[f].name, name))
            return f;
    if (s->nfields == MAX_FIELDS || weight <= 0)
        return -1;
    field_def *d = &s->fields[s->nfields];
    snprintf(d->name, sizeof d->name, "%s", name);
    d->weight = weight;
    d->flags = flags;
    return s->nfields++;
}

int tb_search_facet(tb_search *s, const char *name)
{
    for (int f = 0; f < s->nfacets; f++)
        if (!strcmp(s->facets[f].name, name))
            return f;
    if (s->nfacets == MAX_FACETS)
        return -1;
    snprintf(s->facets[s->nfacets].name, sizeof s->facets[0].name, "%s", name);
    return s->nfacets++;
}

/* The field of a legacy weight: one per distinct weight, named "#w"; when
 * all eight are taken, the one of the nearest weight. */
static int legacy_field(tb_search *s, double weight)
{
    char name[32];
    snprintf(name, sizeof name, "#%g", weight);
    int best = -1;
    for (int f = 0; f < s->nfields; f++) {
        if (!strcmp(s->fields[f].name, name))
            return f;
        if (best < 0 || fabs(s->fields[f].weight - weight) < fabs(s->fields[best].weight - weight))
            best = f;
    }
    int f = tb_search_field(s, name, weight, weight >= 2 ? TB_FIELD_PINYIN | TB_FIELD_SUGGEST : 0);
    return f >= 0 ? f : best;
}

/* The live slot of doc, appending a new one when there is none. */
static uint32_t doc_slot(tb_search *s, int doc)
{
    if (doc >= s->ndocs_cap) {
        int cap = s->ndocs_cap ? s->ndocs_cap : 64;
        while (cap <= doc)
            cap *= 2;
        s->slot_of = xrealloc(s->slot_of, (size_t)cap * sizeof *s->slot_of);
        for (int i = s->ndocs_cap; i < cap; i++)
            s->slot_of[i] = -1;
        s->ndocs_cap = cap;
    }
    if (s->slot_of[doc] >= 0)
        return (uint32_t)s->slot_of[doc];
    if (s->nslot == MAX_SLOTS)
        return UINT32_MAX;
    if (s->nslot == s->capslot) {
        s->capslot = s->capslot ? s->capslot * 2 : 64;
        s->slots = xrealloc(s->slots, s->capslot * sizeof *s->slots);
        s->norm = xrealloc(s->norm, s->capslot * MAX_FIELDS * sizeof *s->norm);
        s->boost = xrealloc(s->boost, s->capslot * sizeof *s->boost);
    }
    uint32_t slot = s->nslot++;
    memset(&s->slots[slot], 0, sizeof *s->slots);
    memset(&s->norm[slot * MAX_FIELDS], 0, MAX_FIELDS * sizeof *s->norm);
    s->slots[slot].doc = doc;
    s->boost[slot] = 1;
    s->slot_of[doc] = (int)slot;
    s->live++;
    return slot;
}

static void add_posting(tb_search *s, const char *text, uint32_t slot, int field)
{
    term *t = term_get(s, text);
    for (uint32_t i = t->n; i > 0 && t->post[i - 1].slot == slot; i--)
        if (t->post[i - 1].field == field) {
            if (t->post[i - 1].tf < UINT16_MAX)
                t->post[i - 1].tf++;
            return;
        }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 2;
        t->post = xrealloc(t->post, t->cap * sizeof *t->post);
    }
    t->post[t->n++] = (posting){slot, 1, (uint8_t)field, 0};
    if (t->last != slot + 1) {
        t->df++;
        t->last = slot + 1;
    }
}

static void slot_norm(tb_search *s, uint32_t slot)
{
    for (int f = 0; f < s->nfields; f++) {
        double avg = s->avglen[f] > 0 ? s->avglen[f] : 1;
        s->norm[slot * MAX_FIELDS + f] =
            (float)(s->fields[f].weight / (1 - BM25_B + BM25_B * s->slots[slot].len[f] / avg));
    }
}

typedef struct {
    tb_search *s;
    uint32_t slot;
    int field, pinyin;
} adding;

static void add_pinyin_term(const char *text, void *arg)
{
    adding *a = arg;
    add_posting(a->s, text, a->slot, a->field);
}

static void add_tok(const tok *t, void *arg)
{
    adding *a = arg;
    add_posting(a->s, t->text, a->slot, a->field);
    a->s->slots[a->slot].len[a->field] += 1;
    if (a->pinyin && t->kind == TOK_BI) /* not counted in the length: a shadow of the same text */
        py_bigram_terms(t->cp[0], t->cp[1], add_pinyin_term, a);
}

static void index_text(tb_search *s, int doc, int field, const char *text)
{
    adding a = {s, doc_slot(s, doc), field, (s->fields[field].flags & TB_FIELD_PINYIN) != 0};
    if (a.slot == UINT32_MAX) /* full: see MAX_SLOTS */
        return;
    tok_each(text, 1, add_tok, &a);
    if (s->fields[field].flags & TB_FIELD_SUGGEST)
        suggest_record(s, a.slot, text);
    if (s->built) /* later changes are searchable at once, with the last build's averages */
        slot_norm(s, a.slot);
}

void tb_search_add(tb_search *s, int doc, const char *text, double weight)
{
    if (!text || doc < 0 || doc >= s->legacy_ndocs || weight <= 0)
        return;
    int f = legacy_field(s, weight);
    if (f >= 0)
        index_text(s, doc, f, text);
}

void tb_search_text(tb_search *s, int doc, int field, const char *text)
{
    if (text && doc >= 0 && field >= 0 && field < s->nfields)
        index_text(s, doc, field, text);
}

static uint32_t facet_value(tb_search *s, int facet, const char *value)
{
    facet_def *f = &s->facets[facet];
    for (int v = 0; v < f->nvalues; v++)
        if (!strcmp(f->values[v], value))
            return (uint32_t)v;
    if (f->nvalues == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->values = xrealloc(f->values, (size_t)f->cap * sizeof *f->values);
    }
    f->values[f->nvalues] = xstrdup(value);
    return (uint32_t)f->nvalues++;
}

void tb_search_keyword(tb_search *s, int doc, int facet, const char *value)
{
    if (!value || doc < 0 || facet < 0 || facet >= s->nfacets)
        return;
    uint32_t slot = doc_slot(s, doc);
    if (slot == UINT32_MAX)
        return;
    slot_info *si = &s->slots[slot];
    uint32_t kw = (uint32_t)facet << 24 | facet_value(s, facet, value);
    for (int i = 0; i < si->nkw; i++)
        if (si->kw[i] == kw)
            return;
    if (si->nkw == si->capkw) {
        si->capkw = si->capkw ? si->capkw * 2 : 4;
        si->kw = xrealloc(si->kw, (size_t)si->capkw * sizeof *si->kw);
    }
    si->kw[si->nkw++] = kw;
}

/* Popularity breaks near-ties and never outweighs the text: x100 more
 * visits is +23% score. */
void tb_search_popularity(tb_search *s, int doc, double popularity)
{
    if (doc < 0)
        return;
    uint32_t slot = doc_slot(s, doc);
    if (slot == UINT32_MAX)
        return;
    s->slots[slot].pop = popularity > 0 ? (float)popularity : 0;
    s->boost[slot] = 1 + 0.05f * log1pf(s->slots[slot].pop);
}

int tb_search_delete(tb_search *s, int doc)
{
    if (doc < 0 || doc >= s->ndocs_cap || s->slot_of[doc] < 0)
        return -1;
    s->slots[s->slot_of[doc]].dead = 1;
    s->boost[s->slot_of[doc]] = 0;
    s->slot_of[doc] = -1;
    s->live--;
    return 0;
}

int tb_search_count(const tb_search *s) { return s->live; }

/* Drops the postings and slots of deleted versions and renumbers the rest
 * in order. */
static void compact(tb_search *s)
{
    uint32_t *map = xrealloc(NULL, (s->nslot + 1) * sizeof *map), n = 0, compiled = 0;
    for (uint32_t i = 0; i < s->nslot; i++) {
        map[i] = s->slots[i].dead ? UINT32_MAX : n;
        if (s->slots[i].dead) {
            free(s->slots[i].kw);
            continue;
        }
        compiled += i < s->compiled;
        s->slots[n] = s->slots[i];
        memmove(&s->norm[n * MAX_FIELDS], &s->norm[i * MAX_FIELDS], MAX_FIELDS * sizeof *s->norm);
        s->boost[n] = s->boost[i];
        s->slot_of[s->slots[n].doc] = (int)n;
        n++;
    }
    s->nslot = n;
    s->compiled = compiled;
    for (uint32_t t = 0; t < s->nterms; t++) {
        term *e = &s->terms[t];
        uint32_t k = 0, df = 0;
        for (uint32_t i = 0; i < e->cn; i++) {
            uint32_t to = map[IMPACT_SLOT(e->cpost[i])];
            if (to != UINT32_MAX) {
                e->cpost[k++] = to << 9 | (e->cpost[i] & 0x1FF);
                df++;
            }
        }
        e->cn = k;
        k = 0;
        e->last = 0;
        for (uint32_t i = 0; i < e->n; i++) {
            if (map[e->post[i].slot] == UINT32_MAX)
                continue;
            e->post[k] = e->post[i];
            e->post[k].slot = map[e->post[i].slot];
            if (e->last != e->post[k].slot + 1) {
                df++;
                e->last = e->post[k].slot + 1;
            }
            k++;
        }
        e->n = k;
        e->df = df;
    }
    int k = 0;
    for (int i = 0; i < s->nssrc; i++) {
        if (s->ssrc[i].slot != UINT32_MAX && map[s->ssrc[i].slot] == UINT32_MAX) {
            free(s->ssrc[i].text);
            continue;
        }
        s->ssrc[k] = s->ssrc[i];
        if (s->ssrc[i].slot != UINT32_MAX) /* the caller's own phrases have no slot */
            s->ssrc[k].slot = map[s->ssrc[i].slot];
        k++;
    }
    s->nssrc = k;
    free(map);
}

/* Turns a term's raw postings into compiled ones: per document, the field
 * frequencies weighted and length-normalised (BM25F), summed and saturated
 * once, so a query reads one float per document instead of doing this
 * arithmetic per field. The raw postings go: they were the larger part. */
static void compile(tb_search *s, term *t)
{
    if (!t->n)
        return;
    t->cpost = xrealloc(t->cpost, (t->cn + t->n) * sizeof *t->cpost);
    for (uint32_t i = 0; i < t->n;) {
        uint32_t slot = t->post[i].slot, title = 0;
        double tf = 0;
        for (; i < t->n && t->post[i].slot == slot; i++) {
            tf += t->post[i].tf * s->norm[slot * MAX_FIELDS + t->post[i].field];
            title |= s->fields[t->post[i].field].weight >= TITLE_WEIGHT;
        }
        double w = tf * (BM25_K1 + 1) / (tf + BM25_K1);
        uint32_t q = (uint32_t)(w / (BM25_K1 + 1) * 255 + 0.5);
        t->cpost[t->cn++] = slot << 9 | title << 8 | (q ? q : 1); /* a match never weighs 0 */
    }
    t->cpost = xrealloc(t->cpost, t->cn * sizeof *t->cpost);
    free(t->post);
    t->post = NULL;
    t->n = t->cap = 0;
}

/* Documents compiled by an earlier build keep the weights they got then:
 * the field averages of a large corpus hardly move with a few updates, and
 * a full rebuild is a new engine. */
void tb_search_build(tb_search *s)
{
    if (s->live != (int)s->nslot)
        compact(s);
    for (int f = 0; f < s->nfields; f++) {
        double total = 0;
        for (uint32_t i = 0; i < s->nslot; i++)
            total += s->slots[i].len[f];
        s->avglen[f] = s->nslot ? total / s->nslot : 1;
    }
    for (uint32_t i = s->compiled; i < s->nslot; i++)
        slot_norm(s, i);
    for (uint32_t t = 0; t < s->nterms; t++)
        compile(s, &s->terms[t]);
    s->compiled = s->nslot;
    suggest_build(s);
    s->built = 1;
}

size_t tb_search_memory(const tb_search *s)
{
    size_t n = sizeof *s + s->capterms * sizeof *s->terms + s->nslots * sizeof *s->table;
    for (uint32_t t = 0; t < s->nterms; t++)
        n += s->terms[t].cap * sizeof(posting) + s->terms[t].cn * sizeof(impact);
    n += s->capslot * (sizeof *s->slots + (MAX_FIELDS + 1) * sizeof *s->norm) + (size_t)s->ndocs_cap * sizeof(int);
    for (uint32_t i = 0; i < s->nslot; i++)
        n += (size_t)s->slots[i].capkw * sizeof(uint32_t);
    for (int i = 0; i < s->nssrc; i++)
        n += sizeof *s->ssrc + strlen(s->ssrc[i].text) + 1;
    for (int i = 0; i < s->nsugg; i++)
        n += sizeof *s->sugg + 3 * sizeof(uint32_t) + strlen(s->sugg[i].text) + strlen(s->sugg[i].norm) +
             strlen(s->sugg[i].pinyin) + strlen(s->sugg[i].initials) + 4;
    return n;
}
