/* Aho–Corasick multi-word matching over UTF-8 text, and the process-wide
 * sensitive-word list built on it.
 *
 * Matching is on folded text: Latin letters (ASCII, Latin-1, Greek,
 * Cyrillic) case-folded, full-width ASCII and the ideographic space taken
 * as half-width, and separators (spaces, ASCII and CJK punctuation, *, _,
 * -, ·) skipped in both the words and the text, so 法 轮, ＡＢＣ and a.b.c
 * are found as 法轮, abc and abc. Every occurrence is reported, also
 * overlapping ones (他们 and 们的 in 他们的), with its byte span in the
 * original text. Invalid UTF-8 bytes are taken one by one as themselves.
 *
 * Threads: an automaton is read-only once built; any number of threads may
 * scan it at once. */
#ifndef TB_CORE_ACMATCH_H
#define TB_CORE_ACMATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tb_ac tb_ac;

tb_ac *tb_ac_new(void);
void tb_ac_free(tb_ac *ac);
/* Adds a word (copied); words that fold to nothing are ignored. Returns the
 * word's index, or -1 (ignored, or after tb_ac_build, or out of memory).
 * Adding the same folded word twice returns the first index. */
int tb_ac_add(tb_ac *ac, const char *word);
/* Computes the failure links; call once after the last tb_ac_add. 0 or -1. */
int tb_ac_build(tb_ac *ac);
/* Number of distinct words and the word of an index, as it was added. */
size_t tb_ac_count(const tb_ac *ac);
const char *tb_ac_word(const tb_ac *ac, int index);

/* Calls fn for every occurrence, ordered by where it ends (shorter first
 * at the same end): start and end are byte offsets in text (end
 * exclusive). fn returns 0 to go on, anything else to stop; tb_ac_scan
 * returns the number of occurrences reported (-1 out of memory). */
typedef int (*tb_ac_fn)(void *arg, int word, size_t start, size_t end);
int tb_ac_scan(const tb_ac *ac, const char *text, size_t len, tb_ac_fn fn, void *arg);
/* The first occurrence (the earliest end), or -1 when none. */
int tb_ac_first(const tb_ac *ac, const char *text, size_t len, size_t *start, size_t *end);
/* Loads a word list: one word a line, UTF-8, '#' starts a comment line,
 * blank lines ignored. NULL when the file cannot be read (errno kept). */
tb_ac *tb_ac_load_file(const char *path);

/* ---- the sensitive-word list (config key sensitive_words_file; empty: the file
 * sensitive-words.txt in seed_dir) ----
 * Loaded on first use; reloaded after SIGHUP (tb_sensitive_watch_sighup),
 * after tb_sensitive_reload, or when the file's modification time changes
 * (checked at most every few seconds). A missing file means no words (a
 * warning is logged). */

/* true when text contains a listed word; the first hit (as listed) is
 * copied to word (NUL-terminated, truncated to cap; word may be NULL). */
bool tb_sensitive_hit(const char *text, char *word, size_t cap);
/* A malloc'd copy of text with every listed word replaced by one '*' per
 * character (for showing a message with the words hidden); NULL only when
 * out of memory. */
char *tb_sensitive_mask(const char *text);
/* Re-reads the file now: 0, or -1 when it cannot be read (the old list stays). */
int tb_sensitive_reload(void);
/* Installs a SIGHUP handler that makes the next check re-read the file. */
void tb_sensitive_watch_sighup(void);
/* The number of words in the current list. */
size_t tb_sensitive_count(void);

#endif
