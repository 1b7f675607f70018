/* Matter lookup for other modules (the assistant): full-text matches on the
 * snapshot's index and matter names found inside a sentence. */
#include <string.h>

#include "core/jsonx.h"
#include "mod/catalog/catalog_internal.h"

#define LOOKUP_MAX 64

/* Code points of text covered by the query's words (synonyms and pinyin included). */
static int covered(const tb_search *index, const char *q, const char *text)
{
    tb_search_span spans[16];
    int n = text ? tb_search_highlight(index, q, text, spans, 16) : 0, cps = 0;
    for (int i = 0; i < n; i++)
        for (size_t b = spans[i].start; b < spans[i].end; b++)
            cps += ((unsigned char)text[b] & 0xC0) != 0x80;
    return cps;
}

int catalog_lookup(tb_req *r, const char *q, const char *region, const catalog_matter **out, int max)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    if (!s || !q || !*q || max <= 0)
        return 0;
    if (max > LOOKUP_MAX)
        max = LOOKUP_MAX;
    tb_search_filter f = {catalog_facet_names[FACET_REGION], region};
    tb_search_request req = {.q = q, .filters = &f, .nfilters = region && *region ? 1 : 0, .limit = LOOKUP_MAX};
    tb_search_result res;
    if (tb_search_run(s->index, &req, &res) != 0)
        return 0;
    int n = 0;
    for (int i = 0; i < res.nhits && n < max; i++) {
        if (res.hits[i].doc < 0 || res.hits[i].doc >= s->nmatters)
            continue;
        const catalog_matter *m = &s->matters[res.hits[i].doc];
        /* a hit counts when the question names it: two characters of its name or short name */
        if (covered(s->index, q, m->name) >= 2 || covered(s->index, q, tb_json_str(m->guide, "short_name")) >= 2)
            out[n++] = m;
    }
    tb_search_result_free(&res);
    return n;
}

const catalog_matter *catalog_named_in(tb_req *r, const char *text)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    const catalog_matter *best = NULL;
    size_t best_len = 0;
    for (int i = 0; s && text && i < s->nmatters; i++) {
        const catalog_matter *m = &s->matters[i];
        const char *names[2] = {m->name, tb_json_str(m->guide, "short_name")};
        for (int k = 0; k < 2; k++) {
            size_t n = names[k] ? strlen(names[k]) : 0;
            if (n > best_len && strstr(text, names[k])) {
                best = m;
                best_len = n;
            }
        }
    }
    return best;
}
