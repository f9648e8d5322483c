/*
 * new_cmd.h - `cgear new NAME [DIR]`: write a ready cgear project from the
 * templates in tools/cgear/templates, embedded at build time
 * (embed_templates.cmake). Exit status as every command: 0, 1 failure,
 * 2 usage error.
 */
#ifndef CGEAR_TOOL_NEW_CMD_H
#define CGEAR_TOOL_NEW_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* One project file: its path in the new project and its text, both with
 * {{name}} and {{prefix}} still to be substituted. */
struct cgt_template {
    const char *path;
    const char *text;
    size_t len;
};
extern const struct cgt_template cgt_templates[];
extern const size_t cgt_template_count;

#define CGT_NEW_NAME_MAX 32

int cgear_new_main(int argc, char **argv);

/* Is @name a project name ([a-z][a-z0-9_]*, at most CGT_NEW_NAME_MAX)? If
 * not, says why in @why. */
bool cgt_new_name_ok(const char *name, char *why, size_t whylen);
/* @text with every {{name}} replaced by @name and {{prefix}} by @prefix;
 * malloc()ed, NULL when out of memory. */
char *cgt_new_expand(const char *text, size_t len, const char *name, const char *prefix);
/* Write the project @name into @dir (created if missing; refused if it
 * exists and is not an empty folder). On failure removes what it wrote,
 * puts the reason in @why and returns -1. */
int cgt_new_write(const char *name, const char *dir, const char *prefix, char *why, size_t whylen);

#endif
