/* Background jobs of the modules (the deadline scheduler, the no-show and
 * default-rating sweeps): one detached thread each, with its own database
 * connection and a request-like context (realm "system", ip "local") so the
 * modules' store and audit functions work unchanged. The thread ticks every
 * period_ms until the server stops; the arena is reset after every tick. */
#ifndef TB_MOD_BACKGROUND_H
#define TB_MOD_BACKGROUND_H

#include <stdbool.h>

#include "http/http.h"

typedef struct {
    const char *name;                   /* for the log: "booking sweep" */
    int period_ms;                      /* <= 0: 60 s */
    bool rules;                         /* give the thread a rule worker (flow conditions) */
    void *(*init)(tb_req *r);           /* optional: state made once, passed to every tick */
    void (*tick)(tb_req *r, void *state);
} tb_background;

/* Starts the job (the struct must outlive the thread: make it static). 0 or -1. */
int tb_background_start(const tb_background *job);

#endif
