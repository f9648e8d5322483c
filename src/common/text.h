/*
 * text.h - small text helpers every host-side library shares
 * (cgear_common): reasons for failures, hex.
 */
#ifndef CGEAR_COMMON_TEXT_H
#define CGEAR_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * CG_WHY() - in a function with parameters `char *why, size_t why_len`:
 * write a one-line reason (printf format) into @why if the caller gave a
 * buffer, and evaluate to @code. Use: `return CG_WHY(CC_ERROR_X, "...");`.
 */
#define CG_WHY(code, ...) ((why) != NULL ? (void)snprintf(why, why_len, __VA_ARGS__) : (void)0, (code))

/**
 * cg_hex() - lower-case hex of @n bytes.
 * @p:   the bytes.
 * @n:   how many.
 * @out: receives 2 * @n digits and a NUL (2n+1 bytes).
 */
void cg_hex(const uint8_t *p, size_t n, char *out);

#endif
