/*
 * emit_async.c - asynchronous switchless proxies (f_async() for trusted
 * functions marked transition_using_threads): keep the arguments, and
 * queue a call of the synchronous proxy with cg_host_sl_async().
 */
#include <stdlib.h>

#include "emit_internal.h"

void cg_emit_async_prototype(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    char *name = cg_host_proxy_name(prog, f);
    cg_sb_printf(sb, "cc_enclave_result_t %s_async(cc_enclave_t *enclave, int *task_id", name);
    free(name);
    if (has_ret(f)) {
        cg_sb_puts(sb, ", ");
        cg_put_decl(sb, &f->ret, "*retval", true);
    }
    cg_emit_params(sb, f, false);
    cg_sb_puts(sb, ")");
}

/* The arguments of the call, in the order of the proxy's parameters. */
static void emit_async_args(cg_sbuf_t *sb, const cg_func_t *f, const char *prefix)
{
    size_t i;
    for (i = 0; i < f->nparams; i++)
        cg_sb_printf(sb, ", %s%s", prefix, f->params[i].name);
}

void cg_emit_async_proxy(cg_sbuf_t *sb, const cg_program_t *prog, const cg_func_t *f)
{
    char *name = cg_host_proxy_name(prog, f);
    size_t i;

    /* The call's arguments as given (arrays as pointers): the call itself
     * is made later, by the synchronous proxy, on a host driver thread. */
    cg_sb_printf(sb, "/* %s_async(): the arguments, kept until a host thread makes the call. */\n", name);
    cg_sb_printf(sb, "typedef struct cg__async_%s {\n    cc_enclave_t *enclave;\n", f->name);
    if (has_ret(f)) {
        cg_sb_puts(sb, "    ");
        cg_put_decl(sb, &f->ret, "r", true);
        cg_sb_puts(sb, ";\n");
    }
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        char *member;
        cg_sb_puts(sb, "    ");
        if (p->attrs & CG_ATTR_ISARY) {
            cg_sb_printf(sb, "void *a_%s;\n", p->name); /* converts back to the element pointer */
            continue;
        }
        if (p->ndims > 0) {
            member = cg_xasprintf("(*a_%s)", p->name);
            cg_put_decl(sb, &p->type, member, false);
            cg_put_dims(sb, p, 1);
        } else {
            member = cg_xasprintf("a_%s", p->name);
            cg_put_decl(sb, &p->type, member, true);
        }
        free(member);
        cg_sb_puts(sb, ";\n");
    }
    cg_sb_printf(sb, "} cg__async_%s_t;\n\n", f->name);

    cg_sb_printf(sb, "static cc_enclave_result_t cg__arun_%s(void *cg__cx)\n{\n", f->name);
    cg_sb_printf(sb, "    cg__async_%s_t *cg__a = (cg__async_%s_t *)cg__cx;\n", f->name, f->name);
    cg_sb_printf(sb, "    return %s(cg__a->enclave%s", name, has_ret(f) ? ", &cg__a->r" : "");
    emit_async_args(sb, f, "cg__a->a_");
    cg_sb_puts(sb, ");\n}\n\n");
    if (has_ret(f)) {
        cg_sb_printf(sb, "static void cg__atake_%s(void *cg__cx, void *cg__dst)\n{\n", f->name);
        cg_sb_printf(sb, "    const cg__async_%s_t *cg__a = (const cg__async_%s_t *)cg__cx;\n", f->name, f->name);
        cg_sb_puts(sb, "    memcpy(cg__dst, &cg__a->r, sizeof cg__a->r);\n}\n\n");
    }

    cg_sb_printf(sb, "/* Asynchronous switchless proxy of %s: collect with cc_sl_get_async_result(). */\n", f->name);
    cg_emit_async_prototype(sb, prog, f);
    cg_sb_puts(sb, "\n{\n");
    cg_sb_printf(sb, "    cg__async_%s_t *cg__a;\n    cc_enclave_result_t cg__ret;\n\n", f->name);
    cg_sb_puts(sb, "    if (task_id == NULL)\n        return CC_ERROR_BAD_PARAMETERS;\n");
    cg_sb_printf(sb, "    cg__a = (cg__async_%s_t *)calloc(1, sizeof *cg__a);\n", f->name);
    cg_sb_puts(sb, "    if (cg__a == NULL)\n        return CC_ERROR_OUT_OF_MEMORY;\n");
    cg_sb_puts(sb, "    cg__a->enclave = enclave;\n");
    for (i = 0; i < f->nparams; i++) {
        const cg_param_t *p = &f->params[i];
        if (p->attrs & CG_ATTR_ISARY)
            cg_sb_printf(sb, "    cg__a->a_%s = (void *)%s;\n", p->name, p->name);
        else
            cg_sb_printf(sb, "    cg__a->a_%s = %s;\n", p->name, p->name);
    }
    cg_sb_printf(sb, "    cg__ret = cg_host_sl_async(enclave, cg__arun_%s, ", f->name);
    if (has_ret(f))
        cg_sb_printf(sb, "cg__atake_%s", f->name);
    else
        cg_sb_puts(sb, "NULL");
    cg_sb_puts(sb, ", cg__a, task_id);\n");
    cg_sb_puts(sb, "    if (cg__ret == CC_SUCCESS)\n        return CC_SUCCESS; /* the runtime owns cg__a now */\n");
    cg_sb_puts(sb, "    free(cg__a);\n");
    cg_sb_puts(sb, "    if (cg__ret == CC_ERROR_SWITCHLESS_ROLLBACK2COMMON) {\n"
                   "        /* Pool full, rollback_to_common set: an ordinary call, now. */\n"
                   "        *task_id = -1;\n");
    cg_sb_printf(sb, "        return %s(enclave%s", name, has_ret(f) ? ", retval" : "");
    emit_async_args(sb, f, "");
    cg_sb_puts(sb, ");\n    }\n    return cg__ret;\n}\n\n");
    free(name);
}
