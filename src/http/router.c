/* Route tables: every module declares its routes in one array; this file
 * keeps the union and matches requests against it. Literal segments beat
 * parameters, so /matters/hot wins over /matters/{code}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static const tb_route **routes;
static size_t nroutes, cap;

void tb_router_add(const tb_route *table, size_t n)
{
    if (nroutes + n > cap) {
        cap = (nroutes + n) * 2;
        routes = realloc(routes, cap * sizeof *routes);
        if (!routes)
            abort();
    }
    for (size_t i = 0; i < n; i++)
        routes[nroutes++] = &table[i];
}

void tb_router_reset(void)
{
    free(routes);
    routes = NULL;
    nroutes = cap = 0;
}

size_t tb_router_count(void) { return nroutes; }
const tb_route *tb_router_at(size_t i) { return i < nroutes ? routes[i] : NULL; }

size_t tb_router_index(const tb_route *route)
{
    for (size_t i = 0; i < nroutes; i++)
        if (routes[i] == route)
            return i;
    return nroutes;
}

/* Matches one pattern; returns the number of literal segments or -1. */
static int match_one(const char *pat, const char *path, const char **params, int *np, tb_arena *a)
{
    int literals = 0, n = 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/')
            return -1;
        pat++, path++;
        const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t sl = se ? (size_t)(se - path) : strlen(path);
        if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
            if (sl == 0 || n >= TB_MAX_PARAMS)
                return -1;
            if (params)
                params[n] = a ? tb_arena_strndup(a, path, sl) : NULL;
            n++;
        } else if (pl == sl && memcmp(pat, path, pl) == 0) {
            literals++;
        } else {
            return -1;
        }
        pat += pl;
        path += sl;
    }
    if (*pat || *path)
        return -1;
    *np = n;
    return literals;
}

const char *tb_router_allowed(tb_arena *a, const char *path)
{
    char buf[128] = "";
    size_t o = 0;
    for (size_t i = 0; i < nroutes; i++) {
        int np;
        if (match_one(routes[i]->pattern, path, NULL, &np, NULL) < 0 || strstr(buf, routes[i]->method))
            continue;
        int n = snprintf(buf + o, sizeof buf - o, "%s%s%s", o ? ", " : "", routes[i]->method,
                         strcmp(routes[i]->method, "GET") ? "" : ", HEAD");
        if (n > 0 && (size_t)n < sizeof buf - o)
            o += (size_t)n;
    }
    return tb_arena_strdup(a, buf);
}

const tb_route *tb_router_match(tb_arena *a, const char *method, const char *path, const char **params,
                                int *nparams, int *status)
{
    const tb_route *best = NULL;
    int best_score = -1;
    bool path_seen = false;
    for (size_t i = 0; i < nroutes; i++) {
        int np = 0;
        int score = match_one(routes[i]->pattern, path, NULL, &np, NULL);
        if (score < 0)
            continue;
        path_seen = true;
        bool same = strcmp(routes[i]->method, method) == 0 ||
                    (strcmp(method, "HEAD") == 0 && strcmp(routes[i]->method, "GET") == 0);
        if (same && score > best_score) {
            best = routes[i];
            best_score = score;
        }
    }
    if (!best) {
        *status = path_seen ? 405 : 404;
        return NULL;
    }
    match_one(best->pattern, path, params, nparams, a);
    *status = 200;
    return best;
}
