/* Validators for the identifiers and texts that citizens and companies type into forms. Pure functions,
 * thread-safe, no allocation. */
#ifndef TB_VALIDATORS_H
#define TB_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

/* GB 11643-1999 resident ID: 18 chars, 6-digit area (first two digits a valid province code 11..82),
 * real calendar birth date not in the future and not before 1900-01-01, check digit by the weights in
 * data-standards.md; lowercase 'x' is refused (callers upper-case first if they want). */
bool tb_valid_id_number(const char *s);
/* birth date of a valid ID as "YYYY-MM-DD" and sex ('M'/'F'); false if invalid */
bool tb_id_number_birth(const char *s, char out[11], char *sex);
bool tb_valid_uscc(const char *s);          /* GB 32100-2015 incl. the embedded organisation-code check */
bool tb_valid_phone(const char *s);         /* mainland mobile ^1[3-9][0-9]{9}$ */
bool tb_valid_email(const char *s);         /* pragmatic: local@domain.tld, <= 254 chars, ASCII */
/* 2..30 chars of CJK (U+3400–U+9FFF) and middle dot '·' (not first, last or doubled), or Latin
 * letters (ASCII and U+00C0–U+024F) and single inner spaces (for foreigners); the two kinds are not
 * mixed; valid UTF-8 */
bool tb_valid_person_name(const char *s);
/* Password policy (MLPS / ASVS): >= 8 and <= 128 characters (count UTF-8 code points), at least 3 of
 * {upper, lower, digit, other}, must not contain the id_number or phone (either may be NULL; compare
 * case-insensitively), must not be in a small built-in list of the most common passwords.
 * Returns NULL when acceptable, else a short Chinese reason. */
const char *tb_password_policy(const char *pw, const char *id_number, const char *phone);
size_t tb_utf8_length(const char *s);       /* code points; (size_t)-1 for invalid UTF-8 */
/* strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF */
bool tb_utf8_valid(const char *s, size_t len);
/* Decodes the code point at s[0..len); returns its byte length (1..4) and sets *cp, or 0 if the
 * bytes there are not valid UTF-8 (or len is 0). */
size_t tb_utf8_decode(const char *s, size_t len, unsigned *cp);

#endif
