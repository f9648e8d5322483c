/*
 * emit_deep.c - deep copy of struct members (EDL structs whose pointer
 * members carry size=/count=): which parameters carry them, and the
 * generated per-struct helpers cg__dsz_S, cg__dset_S, cg__dprep_S,
 * cg__dback_S, cg__dwalk_S and cg__dscrub_S. The proxy and stub code that
 * calls them is in emit_proxy.c and emit_stub.c; the layout is in
 * docs/codegen.md, "Deep copy of struct members".
 */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

/* The deep-copy struct whose pointer members parameter @p's data carries
 * (a struct by value, or [in]/[out] "struct S *" and "struct S a[N]"), or
 * NULL. */
const cg_utype_t *cg_p_deep(const cg_program_t *prog, const cg_param_t *p)
{
    const cg_type_t *t = &p->type;
    const cg_utype_t *u;
    if (t->kind != CG_BASE_STRUCT)
        return NULL;
    if (pkind(p) == PK_VALUE ? t->ptr_depth != 0
                             : pkind(p) != PK_BUF || t->ptr_depth != (p->ndims ? 0 : 1))
        return NULL;
    u = cg_find_struct(prog, t);
    return u && u->deep ? u : NULL;
}

bool cg_has_deep(const cg_program_t *prog, const cg_func_t *f)
{
    size_t i;
    for (i = 0; i < f->nparams; i++)
        if (cg_p_deep(prog, &f->params[i]))
            return true;
    return false;
}

/* Does the request carry the parameter's buffer? [in] data; also a deep
 * [out] struct array, whose size fields the callee needs (the rest of it
 * is zero). */
bool cg_p_sends(const cg_program_t *prog, const cg_param_t *p)
{
    return p_in(p) || (p_out(p) && cg_p_deep(prog, p));
}

/* Generated deep-copy helpers per struct (only those a side uses are
 * emitted: unused static functions are warnings). */
enum {
    DS_SZ = 1u << 0,    /* cg__dsz_S: a member's byte length from the struct's size fields */
    DS_SET = 1u << 1,   /* cg__dset_S: store a member pointer */
    DS_PREP = 1u << 2,  /* cg__dprep_S: caller: scrubbed copy and length table */
    DS_BACK = 1u << 3,  /* cg__dback_S: caller: check and apply an [out] response */
    DS_WALK = 1u << 4,  /* cg__dwalk_S: callee: check the table, lay out, point members */
    DS_SCRUB = 1u << 5, /* cg__dscrub_S: callee: clean returned structs */
};

/* The helpers this side needs per struct (index as prog->utypes), marking
 * the structs whose cg__clean_<S>() they call. Caller frees. */
unsigned *cg_deep_needs(const cg_program_t *prog, bool host, bool *marks)
{
    unsigned *n = cg_xcalloc(prog->nutypes + 1, sizeof *n);
    size_t i, j;
    for (i = 0; i < prog->ntrusted + prog->nuntrusted; i++) {
        bool trusted = i < prog->ntrusted;
        const cg_func_t *f = trusted ? prog->trusted[i] : prog->untrusted[i - prog->ntrusted];
        bool proxy = trusted == host; /* the host proxies ECALLs, the enclave OCALLs */
        for (j = 0; j < f->nparams; j++) {
            const cg_utype_t *u = cg_p_deep(prog, &f->params[j]);
            unsigned dir = deep_dir(&f->params[j]);
            size_t k;
            if (!u)
                continue;
            k = cg_utype_index(prog, u);
            if (proxy)
                n[k] |= DS_SZ | DS_PREP | ((dir & DIR_OUT) ? DS_SET | DS_BACK : 0u);
            else
                n[k] |= DS_SZ | DS_SET | DS_WALK | ((dir & DIR_OUT) ? DS_SCRUB : 0u);
            if (n[k] & (DS_PREP | DS_SCRUB))
                cg_mark_clean(prog, u, marks);
        }
    }
    return n;
}

/* Mark in @used the members that @e names. */
static void expr_members(const cg_expr_t *e, bool *used)
{
    if (e->kind == CG_EXPR_BIN) {
        expr_members(e->lhs, used);
        expr_members(e->rhs, used);
    } else if (e->kind == CG_EXPR_IDENT && e->param >= 0) {
        used[e->param] = true;
    }
}

/* cg__dsz_S(): the byte length of deep member j of a struct given as bytes
 * (a request may place it anywhere), from that struct's own size fields.
 * Each field is copied out once; the pointer is not looked at. */
static void emit_dsz(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t i, j, k = 0;
    bool *used = cg_xcalloc(u->nmembers + 1, sizeof *used);
    cg_sb_printf(sb, "/* Byte length of deep-copy member cg__j of the struct %s at cg__eb, from its\n"
                     " * own size fields; 0 if that cannot be computed (overflow, negative). */\n"
                     "static int cg__dsz_%s(const uint8_t *cg__eb, size_t cg__j, size_t *cg__out)\n{\n"
                     "    (void)cg__eb;\n    switch (cg__j) {\n", u->name, u->name);
    for (j = 0; j < u->nmembers; j++) {
        const cg_param_t *m = &u->members[j];
        if (!cg_member_is_deep(m))
            continue;
        memset(used, 0, (u->nmembers + 1) * sizeof *used);
        expr_members(&m->size, used);
        expr_members(&m->count, used);
        cg_sb_printf(sb, "    case %zu: { /* %s */\n        size_t cg__l = 0;\n", k++, m->name);
        for (i = 0; i < u->nmembers; i++) {
            char *n;
            if (!used[i])
                continue;
            n = cg_xasprintf("cg__v_%s", u->members[i].name);
            cg_sb_puts(sb, "        ");
            cg_put_decl(sb, &u->members[i].type, n, true);
            cg_sb_printf(sb, ";\n        memcpy(&%s, cg__eb + offsetof(struct %s, %s), sizeof %s);\n", n, u->name,
                         u->members[i].name, n);
            free(n);
        }
        cg_emit_len_calc(sb, "        ", u->members, m, "cg__v_", "cg__l", "return 0;");
        cg_sb_puts(sb, "        *cg__out = cg__l;\n        return 1;\n    }\n");
    }
    cg_sb_puts(sb, "    default:\n        return 0;\n    }\n}\n\n");
    free(used);
}

/* cg__dset_S(): store a pointer into deep member j of a struct given as
 * bytes (memcpy: the member may be a const pointer, the bytes unaligned). */
static void emit_dset(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t j, k = 0;
    cg_sb_printf(sb, "/* Point deep-copy member cg__j of the struct %s at cg__eb at cg__p. */\n"
                     "static void cg__dset_%s(uint8_t *cg__eb, size_t cg__j, const void *cg__p)\n{\n"
                     "    switch (cg__j) {\n", u->name, u->name);
    for (j = 0; j < u->nmembers; j++) {
        const cg_param_t *m = &u->members[j];
        char *t;
        if (!cg_member_is_deep(m))
            continue;
        t = cg_type_decl(&m->type, NULL, true);
        cg_sb_printf(sb, "    case %zu: {\n        %s cg__v = (%s)(uintptr_t)cg__p;\n"
                         "        memcpy(cg__eb + offsetof(struct %s, %s), &cg__v, sizeof cg__v);\n"
                         "        break;\n    }\n", k++, t, t, u->name, m->name);
        free(t);
    }
    cg_sb_puts(sb, "    default:\n        break;\n    }\n}\n\n");
}

/* cg__dprep_S(): the caller's side of a request. */
static void emit_dprep(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t i, j, k = 0;
    bool *used = cg_xcalloc(u->nmembers + 1, sizeof *used);
    for (j = 0; j < u->nmembers; j++) {
        if (cg_member_is_deep(&u->members[j])) {
            expr_members(&u->members[j].size, used);
            expr_members(&u->members[j].count, used);
        }
    }
    cg_sb_printf(sb,
                 "/* The caller's n structs %s as the request carries them, in the zeroed cg__dst:\n"
                 " * every member ([in]) or only the size fields ([out]), padding zero, deep\n"
                 " * pointers zero (no address crosses). cg__tb[i * %zu + j] gets the length of\n"
                 " * member j of struct i (0 for NULL), cg__tb[(n + i) * %zu + j] its address. */\n"
                 "static int cg__dprep_%s(struct %s *cg__dst, const struct %s *cg__src, size_t cg__n, int cg__all,\n"
                 "                        uint64_t *cg__tb)\n{\n    size_t cg__i, cg__l;\n"
                 "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
                 "        const struct %s *cg__e = &cg__src[cg__i];\n        struct %s *cg__d = &cg__dst[cg__i];\n"
                 "        if (cg__all) {\n            cg__clean_%s(cg__d, cg__e);\n        } else {\n",
                 u->name, u->ndeep, u->ndeep, u->name, u->name, u->name, u->name, u->name, u->name);
    for (i = 0; i < u->nmembers; i++)
        if (used[i])
            cg_sb_printf(sb, "            memcpy((void *)&cg__d->%s, &cg__e->%s, sizeof cg__d->%s);\n",
                         u->members[i].name, u->members[i].name, u->members[i].name);
    cg_sb_puts(sb, "        }\n");
    for (j = 0; j < u->nmembers; j++) {
        const char *m = u->members[j].name;
        if (!cg_member_is_deep(&u->members[j]))
            continue;
        cg_sb_printf(sb, "        memset((void *)&cg__d->%s, 0, sizeof cg__d->%s);\n        cg__l = 0;\n"
                         "        if (cg__e->%s != NULL && !cg__dsz_%s((const uint8_t *)cg__e, %zu, &cg__l))\n"
                         "            return 0;\n"
                         "        cg__tb[cg__i * %zu + %zu] = (uint64_t)cg__l;\n"
                         "        cg__tb[(cg__n + cg__i) * %zu + %zu] = (uint64_t)(uintptr_t)cg__e->%s;\n",
                     m, m, m, u->name, k, u->ndeep, k, u->ndeep, k, m);
        k++;
    }
    cg_sb_puts(sb, "    }\n    return 1;\n}\n\n");
    free(used);
}

/* cg__dback_S(): the caller's side of an [out] / [in, out] response. */
static void emit_dback(cg_sbuf_t *sb, const cg_utype_t *u)
{
    cg_sb_printf(sb,
        "/* The n structs %s of a response (at cg__rs + cg__soff, member blobs laid out\n"
        " * from cg__rcur as the request's table says): check them (cg__copy == 0), then\n"
        " * apply them (1) to the caller's structs. A member may come back shorter than\n"
        " * it went, never longer; the caller's own pointers are put back and the data\n"
        " * copied into the caller's buffers. */\n"
        "static int cg__dback_%s(struct %s *cg__dst, const uint8_t *cg__rs, size_t cg__soff, size_t cg__n,\n"
        "                        const uint64_t *cg__tb, size_t cg__rcur, int cg__copy)\n{\n"
        "    size_t cg__i, cg__j;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        const uint8_t *cg__eb = cg__rs + cg__soff + cg__i * sizeof(struct %s);\n"
        "        if (cg__copy)\n"
        "            memcpy((void *)&cg__dst[cg__i], cg__eb, sizeof(struct %s));\n"
        "        for (cg__j = 0; cg__j < %zu; cg__j++) {\n"
        "            size_t cg__was = (size_t)cg__tb[cg__i * %zu + cg__j], cg__l = 0, cg__off = 0;\n"
        "            void *cg__p = (void *)(uintptr_t)cg__tb[(cg__n + cg__i) * %zu + cg__j];\n"
        "            if (cg__was != 0 && !cg_blob_place(&cg__rcur, cg__was, &cg__off))\n"
        "                return 0;\n"
        "            if (cg__p != NULL && (!cg__dsz_%s(cg__eb, cg__j, &cg__l) || cg__l > cg__was))\n"
        "                return 0;\n"
        "            if (cg__copy) {\n"
        "                cg__dset_%s((uint8_t *)&cg__dst[cg__i], cg__j, cg__p);\n"
        "                if (cg__l != 0)\n"
        "                    memcpy(cg__p, cg__rs + cg__off, cg__l);\n"
        "            }\n"
        "        }\n"
        "    }\n"
        "    return 1;\n"
        "}\n\n",
        u->name, u->name, u->name, u->name, u->name, u->ndeep, u->ndeep, u->ndeep, u->name, u->name);
}

/* cg__dwalk_S(): the callee's side of a request. */
static void emit_dwalk(cg_sbuf_t *sb, const cg_utype_t *u)
{
    cg_sb_printf(sb,
        "/* The deep members of the n structs %s at cg__eb (this side's copy, read for\n"
        " * their size fields only): each length in the table cg__tbl must be 0 or what\n"
        " * the struct gives; the member blobs are laid out from *cg__rq (request, if\n"
        " * not NULL) and *cg__rs (response, if not NULL). With cg__fix, the members of\n"
        " * the structs there are pointed at their blobs (response if they go back,\n"
        " * else request; NULL for length 0) and [in, out] data is copied over. */\n"
        "static int cg__dwalk_%s(const uint8_t *cg__tbl, const uint8_t *cg__eb, size_t cg__n, size_t *cg__rq,\n"
        "                        size_t *cg__rs, uint8_t *cg__fix, const uint8_t *cg__in, uint8_t *cg__out)\n{\n"
        "    size_t cg__i, cg__j;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        for (cg__j = 0; cg__j < %zu; cg__j++) {\n"
        "            uint64_t cg__l;\n"
        "            size_t cg__want = 0, cg__qo = 0, cg__so = 0;\n"
        "            const void *cg__p = NULL;\n"
        "            memcpy(&cg__l, cg__tbl + (cg__i * %zu + cg__j) * sizeof cg__l, sizeof cg__l);\n"
        "            if (cg__l != 0) {\n"
        "                if (cg__l > CG_MAX_MESSAGE || !cg__dsz_%s(cg__eb + cg__i * sizeof(struct %s), cg__j, &cg__want) ||\n"
        "                    cg__want != cg__l)\n"
        "                    return 0;\n"
        "                if (cg__rq != NULL && !cg_blob_place(cg__rq, cg__want, &cg__qo))\n"
        "                    return 0;\n"
        "                if (cg__rs != NULL && !cg_blob_place(cg__rs, cg__want, &cg__so))\n"
        "                    return 0;\n"
        "            }\n"
        "            if (cg__fix == NULL)\n"
        "                continue;\n"
        "            if (cg__l != 0 && cg__rs != NULL) {\n"
        "                if (cg__rq != NULL)\n"
        "                    memcpy(cg__out + cg__so, cg__in + cg__qo, cg__want);\n"
        "                cg__p = cg__out + cg__so;\n"
        "            } else if (cg__l != 0) {\n"
        "                cg__p = cg__in + cg__qo;\n"
        "            }\n"
        "            cg__dset_%s(cg__fix + cg__i * sizeof(struct %s), cg__j, cg__p);\n"
        "        }\n"
        "    }\n"
        "    return 1;\n"
        "}\n\n",
        u->name, u->name, u->ndeep, u->ndeep, u->name, u->name, u->name, u->name);
}

/* cg__dscrub_S(): what the callee returns. */
static void emit_dscrub(cg_sbuf_t *sb, const cg_utype_t *u)
{
    size_t j;
    cg_sb_printf(sb,
        "/* After the call: rebuild each returned struct %s member by member (padding\n"
        " * zero) with its deep pointers zero, so that neither an address of this side\n"
        " * nor a stray byte reaches the caller. */\n"
        "static void cg__dscrub_%s(uint8_t *cg__b, size_t cg__n)\n{\n    size_t cg__i;\n"
        "    for (cg__i = 0; cg__i < cg__n; cg__i++) {\n"
        "        struct %s cg__e, cg__c;\n"
        "        memcpy(&cg__e, cg__b + cg__i * sizeof cg__e, sizeof cg__e);\n"
        "        memset(&cg__c, 0, sizeof cg__c);\n"
        "        cg__clean_%s(&cg__c, &cg__e);\n",
        u->name, u->name, u->name, u->name);
    for (j = 0; j < u->nmembers; j++)
        if (cg_member_is_deep(&u->members[j]))
            cg_sb_printf(sb, "        memset((void *)&cg__c.%s, 0, sizeof cg__c.%s);\n", u->members[j].name,
                         u->members[j].name);
    cg_sb_puts(sb, "        memcpy(cg__b + cg__i * sizeof cg__c, &cg__c, sizeof cg__c);\n    }\n}\n\n");
}

void cg_emit_deep_helpers(cg_sbuf_t *sb, const cg_program_t *prog, const unsigned *needs)
{
    size_t i;
    for (i = 0; i < prog->nutypes; i++) {
        const cg_utype_t *u = prog->utypes[i];
        if (needs[i] & DS_SZ)
            emit_dsz(sb, u);
        if (needs[i] & DS_SET)
            emit_dset(sb, u);
        if (needs[i] & DS_PREP)
            emit_dprep(sb, u);
        if (needs[i] & DS_BACK)
            emit_dback(sb, u);
        if (needs[i] & DS_WALK)
            emit_dwalk(sb, u);
        if (needs[i] & DS_SCRUB)
            emit_dscrub(sb, u);
    }
}
